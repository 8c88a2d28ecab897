import { describe, expect, it } from "vitest";
import type { ChatEngine } from "../engine/chat-engine.js";
import type { ChatMessage } from "../contracts/index.js";
import { textTokens } from "./text-tokens.js";

/** Counts one token per word plus three of framing, and how often it was asked. */
function countingEngine(): { engine: ChatEngine; calls: () => number } {
  let calls = 0;
  const engine = {
    countTokens: async (messages: readonly ChatMessage[]) => {
      calls++;
      return 3 + messages.reduce((sum, message) => sum + message.content.split(/\s+/).filter(Boolean).length, 0);
    },
  } as unknown as ChatEngine;
  return { engine, calls: () => calls };
}

describe("textTokens", () => {
  it("counts a text without the template's framing, and asks the engine once per text", async () => {
    const { engine, calls } = countingEngine();
    const count = textTokens(engine);
    expect(await count("the old lighthouse")).toBe(3);
    expect(await count("")).toBe(0);
    const afterFirst = calls();
    expect(await textTokens(engine)("the old lighthouse")).toBe(3);
    expect(calls()).toBe(afterFirst);
  });

  it("keeps counts apart per engine", async () => {
    const first = countingEngine();
    const second = countingEngine();
    await textTokens(first.engine)("one two");
    await textTokens(second.engine)("one two");
    expect(second.calls()).toBeGreaterThan(0);
  });

  it("forgets the least recently used texts beyond its bound", async () => {
    const { engine, calls } = countingEngine();
    const count = textTokens(engine);
    await count("kept");
    for (let index = 0; index < 10_001; index++) {
      await count(`text ${index}`);
      if (index % 1000 === 0) await count("kept");
    }
    const before = calls();
    await count("kept");
    expect(calls()).toBe(before);
    await count("text 0");
    expect(calls()).toBe(before + 1);
  });
});
