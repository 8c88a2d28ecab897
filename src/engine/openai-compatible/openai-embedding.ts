/**
 * The EmbeddingEngine adapter for servers speaking OpenAI's `/v1/embeddings` (OpenAI, vLLM, Ollama,
 * llama.cpp's server with --embeddings, LM Studio), through the official `openai` client.
 */
import OpenAI, { APIError } from "openai";
import { AtelierError } from "../../contracts/index.js";
import { embeddingAbortedError, unitVector, type EmbeddingEngine } from "../embedding-engine.js";
import { mapRequestError, withNormalizedErrorBodies, type UpstreamContext } from "./errors.js";

export interface OpenAICompatibleEmbeddingEngineOptions {
  /** The server's OpenAI base URL, usually ending in /v1. */
  baseUrl: string;
  apiKey: string;
  /** The upstream's embedding model name, sent with every request. */
  model: string;
  /** How long one request may take. */
  timeoutMs: number;
  /** Aborts the probe request. */
  signal?: AbortSignal | undefined;
  /** Retries for connection failures, 408/409/429 and 5xx. Default 2. */
  maxRetries?: number | undefined;
  /** Replaces global fetch (tests, proxies). */
  fetch?: typeof globalThis.fetch | undefined;
}

/** Texts per request: large enough to amortise the round trip, small enough for every server's limits. */
export const EMBEDDING_BATCH_SIZE = 64;
const PROBE_TEXT = "dimension probe";
/** An upstream refusal that means "input too long" but is not worded as a context overflow (llama.cpp's server). */
const TOO_LONG = /said:.*(too (large|long)|exceed)/i;
/** Below this many characters a refused text is not cut further. */
const MIN_CUT_LENGTH = 16;

export class OpenAICompatibleEmbeddingEngine implements EmbeddingEngine {
  readonly modelId: string;
  readonly dimensions: number;
  readonly #client: OpenAI;
  readonly #context: UpstreamContext;
  /** One per request in flight, so disposal can stop them. */
  readonly #inFlight = new Set<AbortController>();
  #disposed = false;

  private constructor(client: OpenAI, context: UpstreamContext, dimensions: number) {
    this.#client = client;
    this.#context = context;
    this.modelId = context.model;
    this.dimensions = dimensions;
  }

  /** Connects and embeds one probe text: the protocol has no other way to learn the vector length. */
  static async connect(options: OpenAICompatibleEmbeddingEngineOptions): Promise<OpenAICompatibleEmbeddingEngine> {
    const context: UpstreamContext = { baseUrl: options.baseUrl, model: options.model, apiKey: options.apiKey, timeoutMs: options.timeoutMs };
    const client = new OpenAI({
      baseURL: options.baseUrl,
      apiKey: options.apiKey,
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries ?? 2,
      fetch: withNormalizedErrorBodies(options.fetch ?? globalThis.fetch),
      // As in the chat adapter: no OPENAI_ORG_ID / OPENAI_PROJECT_ID to third parties, no console logging.
      organization: null,
      project: null,
      logLevel: "off",
    });
    const engine = new OpenAICompatibleEmbeddingEngine(client, context, 0);
    const [probe] = await engine.#request([PROBE_TEXT], options.signal);
    if (!probe || probe.length === 0) throw engine.#malformed("an empty vector");
    return new OpenAICompatibleEmbeddingEngine(client, context, probe.length);
  }

  async embed(texts: readonly string[], options: { signal?: AbortSignal | undefined } = {}): Promise<Float32Array[]> {
    this.#assertUsable();
    const vectors: Float32Array[] = [];
    // One batch at a time: a knowledge import should not flood a server that also serves chat.
    for (let start = 0; start < texts.length; start += EMBEDDING_BATCH_SIZE) {
      if (options.signal?.aborted) throw embeddingAbortedError();
      const batch = await this.#embedFitting(texts.slice(start, start + EMBEDDING_BATCH_SIZE), options.signal);
      for (const values of batch) {
        if (values.length !== this.dimensions) {
          throw new AtelierError(
            "upstream_error",
            `The embedding server at ${this.#context.baseUrl} returned inconsistent dimensions for "${this.modelId}" ` +
              `(${values.length} where earlier vectors had ${this.dimensions}). Check that the model name is right and did not change.`,
          );
        }
        vectors.push(unitVector(values));
      }
    }
    return vectors;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const controller of this.#inFlight) controller.abort();
    this.#inFlight.clear();
  }

  /**
   * The port cuts long texts rather than refusing them, but the protocol cannot tell the model's limit:
   * on a too-long refusal, texts are retried one by one and a refused text is halved until it fits.
   */
  async #embedFitting(texts: string[], signal: AbortSignal | undefined): Promise<number[][]> {
    try {
      return await this.#request(texts, signal);
    } catch (error) {
      if (!isTooLong(error)) throw error;
      if (texts.length > 1) {
        const vectors: number[][] = [];
        for (const text of texts) vectors.push(...(await this.#embedFitting([text], signal)));
        return vectors;
      }
      const text = texts[0] ?? "";
      if (text.length < MIN_CUT_LENGTH) throw error;
      return this.#embedFitting([text.slice(0, Math.floor(text.length / 2))], signal);
    }
  }

  /** One request; the vectors in input order, as sent (not yet normalised). */
  async #request(texts: string[], signal: AbortSignal | undefined): Promise<number[][]> {
    const controller = new AbortController();
    this.#inFlight.add(controller);
    try {
      const response = await this.#client.embeddings.create(
        { model: this.modelId, input: texts, encoding_format: "float" },
        { signal: signal ? AbortSignal.any([signal, controller.signal]) : controller.signal },
      );
      return this.#inOrder(response.data, texts.length);
    } catch (error) {
      if (signal?.aborted) throw embeddingAbortedError();
      this.#assertUsable();
      throw this.#mapError(error);
    } finally {
      this.#inFlight.delete(controller);
    }
  }

  /** Servers may answer out of order (OpenAI documents `index` for this); anything else amiss is refused. */
  #inOrder(data: unknown, expected: number): number[][] {
    if (!Array.isArray(data) || data.length !== expected) {
      throw this.#malformed(`${Array.isArray(data) ? data.length : "no"} vectors for ${expected} texts`);
    }
    const vectors: (number[] | undefined)[] = new Array<number[] | undefined>(expected);
    for (const item of data as { index?: unknown; embedding?: unknown }[]) {
      const { index, embedding } = item ?? {};
      if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= expected || vectors[index]) {
        throw this.#malformed(`a missing or repeated index (${String(index)})`);
      }
      if (!Array.isArray(embedding) || !embedding.every((value) => typeof value === "number" && Number.isFinite(value))) {
        throw this.#malformed("a vector that is not a list of numbers");
      }
      vectors[index] = embedding as number[];
    }
    return vectors as number[][];
  }

  /** The chat adapter's mapping, with the two messages that would otherwise talk about chat reworded. */
  #mapError(error: unknown): AtelierError {
    const mapped = mapRequestError(error, this.#context);
    const { baseUrl, model } = this.#context;
    if (mapped.code === "model_not_found") {
      return new AtelierError(
        "model_not_found",
        `The embedding server at ${baseUrl} has no model named "${model}". Check ATELIER_EMBEDDING_MODEL against ${baseUrl}/models.`,
        { cause: mapped },
      );
    }
    if (mapped.code === "upstream_error" && error instanceof APIError && error.status === 404) {
      return new AtelierError(
        "upstream_error",
        `The server at ${baseUrl} has no embeddings endpoint (HTTP 404). Check ATELIER_ENGINE_URL (it usually ends in /v1) ` +
          "and that the server serves embeddings (llama.cpp's server needs --embeddings).",
        { cause: mapped },
      );
    }
    return mapped;
  }

  #malformed(what: string): AtelierError {
    return new AtelierError(
      "upstream_error",
      `The embedding server at ${this.#context.baseUrl} answered with ${what} for model "${this.modelId}". Check that it is an embedding model.`,
    );
  }

  #assertUsable(): void {
    if (this.#disposed) {
      throw new AtelierError("disposed", `The embedding engine for "${this.modelId}" was shut down; start a new one to continue.`);
    }
  }
}

function isTooLong(error: unknown): boolean {
  return AtelierError.is(error, "context_overflow") || (AtelierError.is(error, "upstream_error") && TOO_LONG.test(error.message));
}


