/**
 * cold-start: `atelier serve` (the built bin, a child process) from spawn until /readyz answers 200,
 * with stories260K as the default model (loaded before the server listens).
 */
import { mkdtempSync } from "node:fs";
import path from "node:path";
import type { Benchmark, BenchContext } from "./lib/benchmark.js";
import { repoRoot } from "./lib/environment.js";
import { freePort, rssMiB, spawnNode, stopChild, waitForStatus } from "./lib/processes.js";
import type { BenchOutcome } from "./lib/report.js";
import { median } from "./lib/stats.js";

interface StartSample {
  readyMs: number;
  rssMiB: number;
  stopMs: number;
}

async function startOnce(context: BenchContext, index: number): Promise<StartSample> {
  const port = await freePort();
  // A fresh data folder each time: the first start also creates and migrates the database.
  const dataDir = mkdtempSync(path.join(context.workDir, `cold-start-${index}-`));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("ATELIER_")) env[key] = value;
  const started = performance.now();
  const child = spawnNode({
    args: [path.join(repoRoot, "bin/atelier.js"), "serve"],
    env: { ...env, ATELIER_MODEL: context.modelPath, ATELIER_PORT: String(port), ATELIER_HOST: "127.0.0.1", ATELIER_DATA_DIR: dataDir },
    cwd: context.workDir,
    logFile: path.join(context.workDir, `cold-start-${index}.log`),
  });
  try {
    await waitForStatus({ port, path: "/readyz", child, timeoutMs: 60_000, intervalMs: 5 });
    const readyMs = performance.now() - started;
    const rss = rssMiB(child.pid);
    const stopping = performance.now();
    await stopChild(child);
    return { readyMs, rssMiB: rss, stopMs: performance.now() - stopping };
  } finally {
    await stopChild(child, 1_000);
  }
}

async function run(context: BenchContext): Promise<BenchOutcome> {
  const runs = context.quick ? 2 : 7;
  // One start first, not counted, so every counted start finds the files in the page cache.
  await startOnce(context, -1);
  const samples: StartSample[] = [];
  for (let index = 0; index < runs; index++) {
    const sample = await startOnce(context, index);
    samples.push(sample);
    context.log(`cold-start: run ${index + 1}/${runs}: ready in ${sample.readyMs.toFixed(0)} ms`);
  }
  const ready = samples.map((sample) => sample.readyMs);
  return {
    notes: [
      `\`node bin/atelier.js serve\` with ATELIER_MODEL=stories260K.gguf (llama-cpp engine, default threads), a fresh data folder per start (database created and migrated), timed from spawn until GET /readyz answers 200 (polled every 5 ms). Median of ${runs} starts after one uncounted start (warm page cache).`,
      "No target was set; the numbers are for the README.",
    ],
    tables: [
      {
        columns: ["ready p50 ms", "min ms", "max ms", "RSS when ready MiB", "graceful stop (SIGTERM) p50 ms"],
        rows: [[median(ready), Math.min(...ready), Math.max(...ready), median(samples.map((s) => s.rssMiB)), median(samples.map((s) => s.stopMs))]],
      },
    ],
    targets: [],
    data: { samples },
  };
}

export const coldStart: Benchmark = {
  name: "cold-start",
  title: "`atelier serve` until ready",
  run,
};
