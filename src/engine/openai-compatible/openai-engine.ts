/**
 * The ChatEngine adapter for any server speaking OpenAI's chat completions protocol
 * (vLLM, Ollama, llama.cpp server, LM Studio, hosted APIs), through the official `openai` client.
 */
import OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import { AtelierError, type ChatMessage, type FinishReason, type TokenUsage } from "../../contracts/index.js";
import type { ChatEngine, ChatRequest, EngineCapabilities, EngineEvent } from "../chat-engine.js";
import { completionChunks } from "./completion-chunks.js";
import {
  mapRequestError,
  mapStreamError,
  streamTimeoutError,
  withNormalizedErrorBodies,
  type UpstreamContext,
} from "./errors.js";
import { estimateMessageTokens, estimateTextTokens, UpstreamTokenCounter } from "./token-counter.js";

export interface OpenAICompatibleEngineOptions {
  /** The server's OpenAI base URL, usually ending in /v1. */
  baseUrl: string;
  apiKey: string;
  /** The upstream's model name, sent with every request. */
  model: string;
  /** The upstream's context window in tokens (the protocol cannot tell us). */
  contextSize: number;
  /** How long to wait for the response to start, and at most between two stream chunks. */
  timeoutMs: number;
  /** Retries for connection failures, 408/409/429 and 5xx before the stream starts. Default 2. */
  maxRetries?: number;
  /** Replaces global fetch (tests, proxies). */
  fetch?: typeof globalThis.fetch;
}

type CompletionUsage = NonNullable<ChatCompletionChunk["usage"]>;

export class OpenAICompatibleEngine implements ChatEngine {
  readonly modelId: string;
  readonly capabilities: EngineCapabilities;
  readonly #client: OpenAI;
  readonly #tokens: UpstreamTokenCounter;
  readonly #context: UpstreamContext;
  /** One per stream in flight, so disposal can stop them. */
  readonly #inFlight = new Set<AbortController>();
  #disposed = false;

  constructor(options: OpenAICompatibleEngineOptions) {
    const fetchImpl = options.fetch ?? globalThis.fetch;
    this.modelId = options.model;
    this.capabilities = { contextSize: options.contextSize, tools: false, jsonSchema: true };
    this.#context = { baseUrl: options.baseUrl, model: options.model, apiKey: options.apiKey, timeoutMs: options.timeoutMs };
    this.#client = new OpenAI({
      baseURL: options.baseUrl,
      apiKey: options.apiKey,
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries ?? 2,
      fetch: withNormalizedErrorBodies(fetchImpl),
      // Otherwise the client forwards OPENAI_ORG_ID / OPENAI_PROJECT_ID from our environment to a third-party server.
      organization: null,
      project: null,
      // Failures reach the caller as AtelierErrors; the client's console logging would only duplicate them.
      logLevel: "off",
    });
    this.#tokens = new UpstreamTokenCounter({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      model: options.model,
      fetch: fetchImpl,
    });
  }

  async *streamChat(request: ChatRequest, options: { signal?: AbortSignal | undefined } = {}): AsyncGenerator<EngineEvent> {
    this.#assertUsable();
    const callerSignal = options.signal;
    // Our own controller, so that a caller abort, the idle watchdog, disposal and a consumer that
    // stops iterating all cancel the HTTP request the same way.
    const controller = new AbortController();
    const abortRequest = (): void => controller.abort();
    callerSignal?.addEventListener("abort", abortRequest, { once: true });
    this.#inFlight.add(controller);
    const watchdog = new IdleWatchdog(this.#context.timeoutMs, abortRequest);
    let text = "";
    let finishReason: string | null | undefined;
    let usage: CompletionUsage | undefined;
    let finished = false;

    try {
      if (callerSignal?.aborted) {
        yield abortedEnd(request.messages, text);
        return;
      }
      let stream: AsyncIterable<ChatCompletionChunk>;
      try {
        const response = await this.#client.chat.completions.create(this.#requestBody(request), { signal: controller.signal }).asResponse();
        stream = completionChunks(response, controller.signal);
      } catch (error) {
        if (callerSignal?.aborted) {
          yield abortedEnd(request.messages, text);
          return;
        }
        this.#assertUsable();
        throw mapRequestError(error, this.#context);
      }

      watchdog.start();
      try {
        for await (const chunk of stream) {
          watchdog.touch();
          if (chunk.usage) usage = chunk.usage;
          const choice = chunk.choices[0];
          if (choice === undefined) continue;
          if (choice.finish_reason) finishReason = choice.finish_reason;
          const delta = choice.delta?.content;
          if (delta) {
            text += delta;
            yield { type: "text-delta", delta };
          }
        }
      } catch (error) {
        if (callerSignal?.aborted && !finishReason) {
          yield abortedEnd(request.messages, text);
          return;
        }
        if (watchdog.fired) throw streamTimeoutError(this.#context);
        this.#assertUsable();
        throw mapStreamError(error, this.#context);
      }
      finished = true;

      // The client ends the iteration quietly (no exception) when its request is aborted mid-stream.
      if (!finishReason) {
        if (callerSignal?.aborted) {
          yield abortedEnd(request.messages, text);
          return;
        }
        if (watchdog.fired) throw streamTimeoutError(this.#context);
        this.#assertUsable();
      }
      yield {
        type: "generation-end",
        finishReason: mapFinishReason(finishReason),
        usage: usage ? mapUsage(usage) : await this.#countedUsage(request.messages, text),
      };
    } finally {
      watchdog.stop();
      callerSignal?.removeEventListener("abort", abortRequest);
      this.#inFlight.delete(controller);
      // Reached early when the consumer stopped iterating: close the HTTP request too.
      if (!finished) controller.abort();
    }
  }

  async countTokens(messages: readonly ChatMessage[]): Promise<number> {
    this.#assertUsable();
    return this.#tokens.countMessages(messages);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const controller of this.#inFlight) controller.abort();
    this.#inFlight.clear();
  }

  #requestBody(request: ChatRequest): ChatCompletionCreateParamsStreaming {
    const { sampling, jsonSchema } = request;
    return {
      model: this.modelId,
      messages: request.messages.map(({ role, content }) => ({ role, content })),
      stream: true,
      stream_options: { include_usage: true },
      temperature: sampling.temperature,
      // `max_tokens` rather than OpenAI's newer `max_completion_tokens`: vLLM, Ollama and llama.cpp all read it.
      max_tokens: sampling.maxTokens,
      ...(sampling.topP === undefined ? {} : { top_p: sampling.topP }),
      ...(sampling.seed === undefined ? {} : { seed: sampling.seed }),
      ...(jsonSchema === undefined
        ? {}
        : { response_format: { type: "json_schema", json_schema: { name: schemaName(jsonSchema), schema: jsonSchema, strict: true } } }),
    };
  }

  /**
   * Usage for a server that sent none (it ignored `stream_options.include_usage`): counted with the
   * upstream tokenizer where one was found, else estimated. Without the server's word we cannot know
   * what its prefix cache saved, so every prompt token counts as evaluated.
   */
  async #countedUsage(messages: readonly ChatMessage[], text: string): Promise<TokenUsage> {
    const [promptTokens, completionTokens] = await Promise.all([
      this.#tokens.countMessages(messages),
      this.#tokens.countText(text),
    ]);
    return { promptTokens, evaluatedPromptTokens: promptTokens, completionTokens };
  }

  #assertUsable(): void {
    if (this.#disposed) {
      throw new AtelierError("disposed", `The engine for model "${this.modelId}" was shut down; start a new one to continue.`);
    }
  }
}

/**
 * The end of an aborted stream. Servers send usage only at the very end, so it is estimated, and
 * without network calls: an aborting caller should not wait on the server again.
 */
function abortedEnd(messages: readonly ChatMessage[], text: string): EngineEvent {
  const promptTokens = estimateMessageTokens(messages);
  return {
    type: "generation-end",
    finishReason: "aborted",
    usage: { promptTokens, evaluatedPromptTokens: promptTokens, completionTokens: estimateTextTokens(text) },
  };
}

function mapUsage(usage: CompletionUsage): TokenUsage {
  const promptTokens = usage.prompt_tokens;
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    promptTokens,
    evaluatedPromptTokens: Math.max(0, promptTokens - cached),
    completionTokens: usage.completion_tokens,
  };
}

function mapFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case "length":
      return "length";
    // The reply was cut by the upstream's moderation, or the stream closed cleanly without saying it
    // was done: keep the text, but do not call it complete.
    case "content_filter":
    case null:
    case undefined:
      return "error";
    // "stop", and the tool-call reasons (tools are off, so they end the turn); also any other
    // server-specific name for reaching the end of sequence.
    default:
      return "stop";
  }
}

/** OpenAI requires a name matching ^[a-zA-Z0-9_-]{1,64}$; a schema's title is the natural one. */
function schemaName(schema: Record<string, unknown>): string {
  const title = schema.title;
  return typeof title === "string" && /^[a-zA-Z0-9_-]{1,64}$/.test(title) ? title : "response";
}

/**
 * Fires when no chunk arrived for `timeoutMs`. One timer per stream, re-armed only when it fires
 * early, so fast streams do not pay for a timer per chunk.
 */
class IdleWatchdog {
  fired = false;
  readonly #timeoutMs: number;
  readonly #onIdle: () => void;
  #timer: NodeJS.Timeout | undefined;
  #lastActivity = 0;

  constructor(timeoutMs: number, onIdle: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onIdle = onIdle;
  }

  start(): void {
    this.#lastActivity = Date.now();
    this.#arm(this.#timeoutMs);
  }

  touch(): void {
    this.#lastActivity = Date.now();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => {
      const idleMs = Date.now() - this.#lastActivity;
      if (idleMs < this.#timeoutMs) return this.#arm(this.#timeoutMs - idleMs);
      this.fired = true;
      this.#onIdle();
    }, delayMs);
    this.#timer.unref();
  }
}
