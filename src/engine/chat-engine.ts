import { AtelierError, type ChatMessage, type FinishReason, type TokenUsage } from "../contracts/index.js";

export interface SamplingOptions {
  temperature: number;
  maxTokens: number;
  topP?: number | undefined;
  seed?: number | undefined;
}

export interface ChatRequest {
  /** The full prompt: system message(s) first, then the history, ending with the latest user message. */
  messages: readonly ChatMessage[];
  sampling: SamplingOptions;
  /**
   * A stable key for the conversation. Engines that can, keep this conversation's KV cache warm
   * between calls so the next turn evaluates only its new tokens.
   */
  sessionKey?: string | undefined;
  /** Constrain the output to JSON matching this JSON Schema, where the engine supports it. */
  jsonSchema?: Record<string, unknown> | undefined;
}

/** Events an engine emits; the runtime turns them into client-facing ChatEvents. */
export type EngineEvent =
  | { type: "text-delta"; delta: string }
  | { type: "generation-end"; finishReason: FinishReason; usage: TokenUsage };

export interface EngineCapabilities {
  /** Tokens available per conversation (prompt + reply). */
  contextSize: number;
  tools: boolean;
  jsonSchema: boolean;
}

/**
 * The one generation port. `streamChat` always ends with exactly one `generation-end` event unless it
 * throws; an abort through the signal ends the stream with finishReason "aborted" (not an exception).
 * Errors are AtelierErrors (engine_error, engine_unavailable, upstream_error, context_overflow, disposed).
 */
export interface ChatEngine extends AsyncDisposable {
  readonly modelId: string;
  readonly capabilities: EngineCapabilities;
  streamChat(request: ChatRequest, options?: { signal?: AbortSignal | undefined }): AsyncIterable<EngineEvent>;
  /** Tokens these messages occupy once formatted with the model's chat template. */
  countTokens(messages: readonly ChatMessage[]): Promise<number>;
}

/** Picks (and lazily loads) the engine for a model selection; owns every engine it created. */
export interface EngineProvider extends AsyncDisposable {
  resolve(selection: { engine?: string | undefined; model?: string | undefined }): Promise<ChatEngine>;
  /** Loads the default model now, so the first request does not wait for it. */
  warmUp(): Promise<void>;
  /** What is loaded, for readiness checks. */
  status(): { ready: boolean; detail: string };
}

/** Folds an engine stream into the whole reply, for non-streaming callers. */
export async function collectChat(
  events: AsyncIterable<EngineEvent>,
): Promise<{ text: string; finishReason: FinishReason; usage: TokenUsage }> {
  let text = "";
  for await (const event of events) {
    if (event.type === "text-delta") text += event.delta;
    else return { text, finishReason: event.finishReason, usage: event.usage };
  }
  throw new AtelierError("engine_error", "The engine stopped without finishing the reply. Try again.");
}
