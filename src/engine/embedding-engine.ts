import { AtelierError } from "../contracts/index.js";

/**
 * The embedding port: text in, unit-length vectors out (so a dot product is the cosine). Adapters:
 * llama-cpp (an embedding context on a GGUF model) and openai-compatible (`/v1/embeddings`).
 * Errors are AtelierErrors (engine_error, engine_unavailable, upstream_error, model_not_found, disposed).
 */
export interface EmbeddingEngine extends AsyncDisposable {
  /** Identifies the model; stored beside every vector, so a change of model shows and re-indexes. */
  readonly modelId: string;
  /** Length of every vector; known once the model is loaded (see `load`). */
  readonly dimensions: number;
  /** One vector per text, in order. Texts longer than the model takes are cut to fit, never refused. */
  embed(texts: readonly string[], options?: { signal?: AbortSignal | undefined }): Promise<Float32Array[]>;
}

/** The vector scaled to length 1, so a dot product is the cosine; a zero vector stays zero. */
export function unitVector(values: ArrayLike<number>): Float32Array {
  const vector = Float32Array.from(values);
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  return norm > 0 && Number.isFinite(norm) ? vector.map((value) => value / norm) : vector;
}

/** What `embed` throws when its signal fires. */
export function embeddingAbortedError(): AtelierError {
  return new AtelierError("aborted", "Computing embeddings was cancelled.");
}
