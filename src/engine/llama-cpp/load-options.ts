import { statSync } from "node:fs";
import os from "node:os";
import { AtelierError } from "../../contracts/index.js";

export type GpuSetting = "auto" | "cuda" | "vulkan" | "metal" | "off";

export const DEFAULT_SEQUENCES = 8;
export const MAX_DEFAULT_CONTEXT = 4096;

/**
 * Threads for llama.cpp on this machine: all cores but one. Leaving a core to Node matters more than it
 * seems: on a 2-core box 2 threads generated 10-30x slower than 1 (stories260K), because llama.cpp's
 * workers spin-wait against the event loop. Small models gain little from more threads anyway.
 */
export function defaultThreadCount(cores: number = os.availableParallelism()): number {
  return Math.max(1, cores - 1);
}

export function assertModelFile(modelPath: string): void {
  let isFile = false;
  try {
    isFile = statSync(modelPath).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) {
    throw new AtelierError("model_not_found", `No model file at ${modelPath}. Set ATELIER_MODEL to a .gguf file or an hf: URI.`);
  }
}

export function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new AtelierError("bad_request", `The llama.cpp option ${name} must be a positive whole number, got ${value}.`);
  }
  return value;
}
