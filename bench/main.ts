/**
 * `npm run bench`: runs every benchmark in one process, writes bench/results/<name>.json and prints a
 * markdown table per benchmark (targets beside their measurements) to stdout. Progress goes to stderr.
 *
 *   node --expose-gc dist/bench/main.js [--quick] [--only <name>[,<name>…]]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { cacheReuse } from "./cache-reuse.js";
import { coldStart } from "./cold-start.js";
import { concurrency } from "./concurrency.js";
import { engineOverhead } from "./engine-overhead.js";
import { knowledge } from "./knowledge.js";
import { memoryBench } from "./memory.js";
import { publish } from "./publish.js";
import type { Benchmark } from "./lib/benchmark.js";
import { benchModelPath, benchThreads, describeEnvironment, resultsDir } from "./lib/environment.js";
import { cpuCalibrationMs, fsyncLatencyMs, waitForQuiet } from "./lib/processes.js";
import { markdownTable, renderMarkdown, writeResult, type BenchResult } from "./lib/report.js";
import { serverOverhead } from "./server-overhead.js";

const BENCHMARKS: Benchmark[] = [engineOverhead, cacheReuse, concurrency, serverOverhead, coldStart, knowledge, publish, memoryBench];

function usage(): string {
  return `Usage: node --expose-gc dist/bench/main.js [--quick] [--only <name>[,<name>...]]\nBenchmarks: ${BENCHMARKS.map((b) => b.name).join(", ")}`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { only: { type: "string", multiple: true }, quick: { type: "boolean", default: false }, help: { type: "boolean", default: false } },
  });
  if (values.help) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const only = (values.only ?? []).flatMap((value) => value.split(",")).map((value) => value.trim()).filter(Boolean);
  const unknown = only.filter((name) => !BENCHMARKS.some((benchmark) => benchmark.name === name));
  if (unknown.length) {
    process.stderr.write(`Unknown benchmark ${unknown.join(", ")}.\n${usage()}\n`);
    return 2;
  }
  const selected = only.length ? BENCHMARKS.filter((benchmark) => only.includes(benchmark.name)) : BENCHMARKS;
  const quick = values.quick ?? false;
  const environment = describeEnvironment();
  const workDir = mkdtempSync(path.join(tmpdir(), "atelier-bench-"));
  const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

  process.stdout.write(`## Atelier benchmarks${quick ? " (--quick: fewer iterations, not for reporting)" : ""}\n\n`);
  process.stdout.write(
    markdownTable({
      columns: ["machine", "value"],
      rows: Object.entries(environment).map(([key, value]) => [key, String(value)]),
    }) + "\n\n",
  );

  const summary: (string | number)[][] = [];
  let failures = 0;
  try {
    for (const benchmark of selected) {
      (globalThis as { gc?: () => void }).gc?.();
      // Other work on a shared machine is noise: give it up to 90 s (5 with --quick) to calm down.
      const busyBefore = await waitForQuiet({ threshold: 0.15, maxMs: quick ? 5_000 : 90_000 });
      if (busyBefore > 0.15) log(`${benchmark.name}: the machine is still ${(busyBefore * 100).toFixed(0)} % busy with other work; expect noise`);
      // Yardsticks for the machine's speed right now (a shared host's neighbours move them).
      const calibration = { cpuCalibrationMs: cpuCalibrationMs(), fsyncMs: fsyncLatencyMs(workDir) };
      const startedAt = new Date();
      const started = performance.now();
      log(`${benchmark.name}: starting (machine ${(busyBefore * 100).toFixed(0)} % busy just before)`);
      try {
        const outcome = await benchmark.run({ quick, modelPath: benchModelPath(), threads: benchThreads, workDir, log });
        const result: BenchResult = {
          name: benchmark.name,
          title: benchmark.title,
          quick,
          startedAt: startedAt.toISOString(),
          durationS: (performance.now() - started) / 1000,
          environment: {
            ...environment,
            machineBusyBeforeStart: Math.round(busyBefore * 1000) / 1000,
            cpuCalibrationMs: Math.round(calibration.cpuCalibrationMs * 10) / 10,
            fsyncMs: Math.round(calibration.fsyncMs * 1000) / 1000,
          },
          ...outcome,
        };
        const file = writeResult(resultsDir, result);
        process.stdout.write(renderMarkdown(result) + "\n");
        log(`${benchmark.name}: done in ${result.durationS.toFixed(1)} s, wrote ${path.relative(process.cwd(), file)}`);
        for (const t of result.targets) summary.push([benchmark.name, t.metric, t.pass ? "✅ pass" : "❌ miss"]);
      } catch (error) {
        failures += 1;
        log(`${benchmark.name}: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        process.stdout.write(`### ${benchmark.name}: ${benchmark.title}\n\n**failed**: ${error instanceof Error ? error.message : String(error)}\n\n`);
        summary.push([benchmark.name, "(benchmark failed)", "❌"]);
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  if (summary.length) process.stdout.write(markdownTable({ title: "Summary", columns: ["benchmark", "target", "result"], rows: summary }) + "\n");
  return failures ? 1 : 0;
}

process.exitCode = await main();
