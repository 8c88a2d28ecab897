import path from "node:path";
import { getLlama, LlamaLogLevel, type Llama, type LlamaEmbeddingContext, type LlamaModel, type Token } from "node-llama-cpp";
import { AtelierError } from "../../contracts/index.js";
import { embeddingAbortedError, unitVector, type EmbeddingEngine } from "../embedding-engine.js";
import { disposedError, toEngineError } from "./engine-errors.js";
import { assertModelFile, defaultThreadCount, MAX_DEFAULT_CONTEXT, positiveInteger, type GpuSetting } from "./load-options.js";

export interface LlamaCppEmbeddingEngineOptions {
  /** A local .gguf file (resolve hf: URIs first with `resolveModel`). */
  modelPath: string;
  /** Reported as `modelId`; default: the file name without `.gguf`. */
  modelId?: string | undefined;
  /** CPU threads; default `defaultThreadCount()`. */
  threads?: number | undefined;
  gpu?: GpuSetting | undefined;
  /** Tokens per text, longer texts are cut; default: the model's training context, capped at 4096. */
  contextSize?: number | undefined;
  /** Aborts loading. */
  signal?: AbortSignal | undefined;
}

interface EngineParts {
  llama: Llama;
  model: LlamaModel;
  context: LlamaEmbeddingContext;
  modelId: string;
  contextSize: number;
}

const PROBE_TEXT = "dimension probe";

/**
 * Embeddings from a GGUF model through node-llama-cpp's embedding context. The context holds one
 * sequence and evaluates one text at a time, so calls are queued; an abort is honoured between texts.
 */
export class LlamaCppEmbeddingEngine implements EmbeddingEngine {
  readonly modelId: string;
  readonly dimensions: number;

  private readonly llama: Llama;
  private readonly model: LlamaModel;
  private readonly context: LlamaEmbeddingContext;
  /** Most text tokens one evaluation takes: the context less the BOS/EOS the context adds, less one cell. */
  private readonly maxTextTokens: number;
  /** Settles when the last queued call is done. */
  private tail: Promise<void> = Promise.resolve();
  private disposal: Promise<void> | undefined;

  private constructor(parts: EngineParts, dimensions: number) {
    this.llama = parts.llama;
    this.model = parts.model;
    this.context = parts.context;
    this.modelId = parts.modelId;
    this.dimensions = dimensions;
    // getEmbeddingFor refuses inputs of contextSize tokens or more, counting the tokens it adds itself.
    this.maxTextTokens = parts.contextSize - 1 - parts.context.calculateInputLength([]);
  }

  static async load(options: LlamaCppEmbeddingEngineOptions): Promise<LlamaCppEmbeddingEngine> {
    const modelPath = path.resolve(options.modelPath);
    const modelId = options.modelId ?? path.basename(modelPath).replace(/\.gguf$/i, "");
    assertModelFile(modelPath);
    const threads = positiveInteger(options.threads ?? defaultThreadCount(), "threads");
    const gpu = options.gpu ?? "auto";

    const llama = await getLlama({
      gpu: gpu === "off" ? false : gpu,
      maxThreads: threads,
      // As for chat: never compile llama.cpp at startup.
      build: "never",
      progressLogs: false,
      logLevel: LlamaLogLevel.error,
    }).catch((error: unknown) => {
      throw toEngineError(error, { modelId, doing: `starting llama.cpp for embeddings (gpu: ${gpu})` });
    });

    try {
      const model = await llama.loadModel({ modelPath, ...(options.signal ? { loadSignal: options.signal } : {}) });
      // A fixed size (not {max}) so the cut-off for long texts is known exactly.
      const contextSize = positiveInteger(options.contextSize ?? Math.min(model.trainContextSize, MAX_DEFAULT_CONTEXT), "contextSize");
      const context = await model.createEmbeddingContext({
        contextSize,
        // One batch holds a whole text: non-causal (BERT-style) embedding models cannot split one.
        batchSize: contextSize,
        threads,
        ...(options.signal ? { createSignal: options.signal } : {}),
      });
      const parts = { llama, model, context, modelId, contextSize };
      // Probing at load fails fast on a model that cannot embed, and tells the vector length.
      const probe = await context.getEmbeddingFor(PROBE_TEXT);
      if (probe.vector.length === 0) throw new Error("the model returned an empty embedding");
      return new LlamaCppEmbeddingEngine(parts, probe.vector.length);
    } catch (error) {
      await llama.dispose().catch(() => undefined);
      if (options.signal?.aborted) throw new AtelierError("aborted", `Loading ${modelId} was cancelled.`, { cause: error });
      throw toEngineError(error, { modelId, doing: `loading ${modelPath} for embeddings` });
    }
  }

  async embed(texts: readonly string[], options: { signal?: AbortSignal | undefined } = {}): Promise<Float32Array[]> {
    this.assertUsable();
    const { signal } = options;
    return this.exclusive(signal, async () => {
      const vectors: Float32Array[] = [];
      for (const text of texts) {
        this.assertUsable();
        if (signal?.aborted) throw embeddingAbortedError();
        vectors.push(await this.embedOne(text));
      }
      return vectors;
    });
  }

  get disposed(): boolean {
    return this.disposal !== undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.disposal ??= this.dispose();
    return this.disposal;
  }

  private async dispose(): Promise<void> {
    // Queued calls stop at their next text; the one being evaluated cannot be interrupted.
    await this.tail;
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }

  private async embedOne(text: string): Promise<Float32Array> {
    try {
      const tokens: Token[] = this.model.tokenize(text);
      // Nothing to embed: a zero vector, which is similar to nothing (node-llama-cpp would return no vector).
      if (tokens.length === 0) return new Float32Array(this.dimensions);
      const embedding = await this.context.getEmbeddingFor(tokens.slice(0, this.maxTextTokens));
      return unitVector(embedding.vector);
    } catch (error) {
      if (this.disposal) throw disposedError(this.modelId);
      throw toEngineError(error, { modelId: this.modelId, doing: "computing an embedding" });
    }
  }

  /** Runs task after every earlier call has finished; an abort while waiting rejects at once. */
  private async exclusive<T>(signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    this.tail = previous.then(() => done);
    try {
      await untilAborted(previous, signal);
      return await task();
    } finally {
      release();
    }
  }

  private assertUsable(): void {
    if (this.disposal) throw disposedError(this.modelId);
  }
}



/** Waits for promise, rejecting with `aborted` as soon as the signal fires. */
function untilAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(embeddingAbortedError());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(embeddingAbortedError());
    signal.addEventListener("abort", onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}
