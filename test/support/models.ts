import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Test models: $ATELIER_TEST_MODELS_DIR, falling back to ../shared/models beside the checkout. */
export const testModelsDir = path.resolve(process.env.ATELIER_TEST_MODELS_DIR ?? path.join(repoRoot, "../shared/models"));

export function testModelPath(file: "stories260K.gguf" | "llama-2-tiny-random.gguf" = "stories260K.gguf"): string {
  const modelPath = path.join(testModelsDir, file);
  if (!existsSync(modelPath)) {
    throw new Error(`Test model ${modelPath} is missing: set ATELIER_TEST_MODELS_DIR to the folder holding ${file}.`);
  }
  return modelPath;
}

/** Tests and CI use one thread: on small machines more threads are much slower for tiny models. */
export const testThreads = Number(process.env.ATELIER_TEST_THREADS ?? 1);
