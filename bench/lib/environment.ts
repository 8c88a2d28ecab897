import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defaultThreadCount } from "../../src/engine/llama-cpp/index.js";

/** The checkout root: the nearest folder above this file holding Atelier's package.json (works from bench/ and dist/bench/). */
export const repoRoot: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "atelier") return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("Cannot find the Atelier checkout above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
})();

export const resultsDir = path.join(repoRoot, "bench", "results");

/** Models as the tests find them: $ATELIER_TEST_MODELS_DIR, else ../shared/models beside the checkout. */
export const modelsDir = path.resolve(process.env.ATELIER_TEST_MODELS_DIR ?? path.join(repoRoot, "../shared/models"));

export function benchModelPath(file = "stories260K.gguf"): string {
  const modelPath = path.join(modelsDir, file);
  if (!existsSync(modelPath)) {
    throw new Error(`Benchmark model ${modelPath} is missing: set ATELIER_TEST_MODELS_DIR to the folder holding ${file}.`);
  }
  return modelPath;
}

/** The engine's own default thread rule (cores − 1, at least 1), so benchmarks run what users run. */
export const benchThreads: number = defaultThreadCount();

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(repoRoot, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function gitRevision(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: repoRoot, encoding: "utf8" }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return "unknown";
  }
}

export function describeEnvironment(): Record<string, unknown> {
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    nodeLlamaCpp: packageVersion("node-llama-cpp"),
    openai: packageVersion("openai"),
    fastify: packageVersion("fastify"),
    llamaThreads: benchThreads,
    model: path.basename(benchModelPath()),
    revision: gitRevision(),
  };
}
