import type { ChatMessage } from "../../src/contracts/index.js";
import type { ChatEngine } from "../../src/engine/chat-engine.js";

export interface EngineTurn {
  text: string;
  /** From the streamChat call to the first text delta, ms. */
  ttftMs: number;
  /** To the last text delta, ms. */
  lastDeltaMs: number;
  totalMs: number;
  promptTokens: number;
  evaluatedPromptTokens: number;
  completionTokens: number;
  finishReason: string;
}

/** One generation through the ChatEngine port, timed from the call. `startedAt` lets queued callers count waiting time. */
export async function engineTurn(options: {
  engine: ChatEngine;
  messages: readonly ChatMessage[];
  maxTokens: number;
  sessionKey?: string | undefined;
  startedAt?: number;
  temperature?: number;
}): Promise<EngineTurn> {
  const started = options.startedAt ?? performance.now();
  let ttftMs = Number.NaN;
  let lastDeltaMs = Number.NaN;
  let text = "";
  for await (const event of options.engine.streamChat({
    messages: options.messages,
    sampling: { temperature: options.temperature ?? 0, maxTokens: options.maxTokens },
    ...(options.sessionKey === undefined ? {} : { sessionKey: options.sessionKey }),
  })) {
    if (event.type === "text-delta") {
      lastDeltaMs = performance.now() - started;
      if (Number.isNaN(ttftMs)) ttftMs = lastDeltaMs;
      text += event.delta;
    } else {
      return {
        text,
        ttftMs,
        lastDeltaMs,
        totalMs: performance.now() - started,
        promptTokens: event.usage.promptTokens,
        evaluatedPromptTokens: event.usage.evaluatedPromptTokens,
        completionTokens: event.usage.completionTokens,
        finishReason: event.finishReason,
      };
    }
  }
  throw new Error("the engine stream ended without generation-end");
}
