import { describe, expect, it } from "vitest";
import { AtelierError } from "../contracts/index.js";
import { collectChat, type EngineEvent } from "./chat-engine.js";

async function* events(...items: EngineEvent[]): AsyncIterable<EngineEvent> {
  yield* items;
}

describe("collectChat", () => {
  const usage = { promptTokens: 10, evaluatedPromptTokens: 4, completionTokens: 3 };

  it("folds deltas into the reply with the final reason and usage", async () => {
    const result = await collectChat(events(
      { type: "text-delta", delta: "Hel" },
      { type: "text-delta", delta: "lo" },
      { type: "generation-end", finishReason: "length", usage },
    ));
    expect(result).toEqual({ text: "Hello", finishReason: "length", usage });
  });

  it("rejects a stream that never ends properly", async () => {
    await expect(collectChat(events({ type: "text-delta", delta: "x" }))).rejects.toSatisfy((error) => AtelierError.is(error, "engine_error"));
  });
});
