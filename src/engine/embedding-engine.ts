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
