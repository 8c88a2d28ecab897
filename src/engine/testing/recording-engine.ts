import { AtelierError, type ChatMessage } from "../../contracts/index.js";
import type { ChatEngine, ChatRequest, EngineEvent, EngineProvider } from "../chat-engine.js";

/**
 * For tests of what reaches the model: answers with scripted deltas, remembers every request, and
 * honours the abort signal like a real engine. `fail` throws after the first delta.
 */
export class RecordingEngine implements ChatEngine {
  readonly modelId = "recording";
  readonly capabilities = { contextSize: 4096, tools: false, jsonSchema: false };
  readonly requests: ChatRequest[] = [];
  deltas: string[];
  fail = false;

  constructor(deltas: string[] = ["Hello", " there", "!"]) {
    this.deltas = deltas;
  }

  async *streamChat(request: ChatRequest, options: { signal?: AbortSignal | undefined } = {}): AsyncIterable<EngineEvent> {
    this.requests.push(request);
    let completionTokens = 0;
    for (const delta of this.deltas) {
      if (options.signal?.aborted) break;
      if (this.fail && completionTokens === 1) throw new AtelierError("engine_error", "boom");
      completionTokens++;
      yield { type: "text-delta", delta };
    }
    const finishReason = options.signal?.aborted ? "aborted" : "stop";
    yield { type: "generation-end", finishReason, usage: { promptTokens: 40, evaluatedPromptTokens: 40, completionTokens } };
  }

  /** About four characters a token, like English text. */
  async countTokens(messages: readonly ChatMessage[]): Promise<number> {
    return Math.ceil(messages.reduce((total, message) => total + message.content.length, 0) / 4);
  }

  async [Symbol.asyncDispose](): Promise<void> {}
}

/** An engine provider that always hands out `engine`, ready at once. */
export function providerOf(engine: ChatEngine): EngineProvider {
  return {
    resolve: async () => engine,
    warmUp: async () => undefined,
    status: () => ({ ready: true, detail: engine.modelId }),
    [Symbol.asyncDispose]: async () => undefined,
  };
}
