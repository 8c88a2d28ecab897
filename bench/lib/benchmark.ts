import type { BenchOutcome } from "./report.js";

export interface BenchContext {
  /** Fewer iterations, for iterating on the benchmarks themselves; not for reported numbers. */
  quick: boolean;
  modelPath: string;
  /** llama.cpp threads (the engine's default rule). */
  threads: number;
  /** A scratch folder for this run, removed afterwards. */
  workDir: string;
  /** Progress to stderr (stdout carries the tables). */
  log(message: string): void;
}

export interface Benchmark {
  name: string;
  title: string;
  run(context: BenchContext): Promise<BenchOutcome>;
}
