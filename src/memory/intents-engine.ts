import type { ChatMessage } from "../contracts/index.js";
import type { ChatEngine, EngineEvent } from "../engine/chat-engine.js";

/** The model id stored on replies written from the memory store rather than by a model. */
export const MEMORY_MODEL_ID = "atelier/memory";

/**
 * An engine that "writes" a reply fixed in advance, word by word, so an answer from the memory store
 * travels the normal turn (stored message, streamed events, review) to every channel.
 */
export class FixedReplyEngine implements ChatEngine {
  readonly modelId = MEMORY_MODEL_ID;
  readonly capabilities = { contextSize: 1_000_000, tools: false, jsonSchema: false };
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  async *streamChat(_request: unknown, options: { signal?: AbortSignal | undefined } = {}): AsyncIterable<EngineEvent> {
    const pieces = this.#text.match(/\S+\s*|\s+/g) ?? [];
    let completionTokens = 0;
    for (const delta of pieces) {
      if (options.signal?.aborted) break;
      completionTokens++;
      yield { type: "text-delta", delta };
    }
    const finishReason = options.signal?.aborted ? "aborted" : "stop";
    yield { type: "generation-end", finishReason, usage: { promptTokens: 0, evaluatedPromptTokens: 0, completionTokens } };
  }

  async countTokens(messages: readonly ChatMessage[]): Promise<number> {
    return Math.ceil(messages.reduce((total, message) => total + message.content.length, 0) / 4);
  }

  async [Symbol.asyncDispose](): Promise<void> {}
}
