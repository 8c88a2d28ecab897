import { describe, expect, it } from "vitest";
import { AtelierError, type ChatMessage } from "../contracts/index.js";
import { assemblePrompt, REFERENCE_SHARE, replyReserve } from "./prompt.js";

/** One token per word plus 3 per message for the template, like a real chat format's overhead. */
const countWords = async (messages: readonly ChatMessage[]) =>
  messages.reduce((sum, message) => sum + message.content.split(/\s+/).filter(Boolean).length + 3, 0);

const words = (count: number, word = "w") => Array.from({ length: count }, () => word).join(" ");

function history(turns: number, wordsPerMessage: number): ChatMessage[] {
  return Array.from({ length: turns }, (_, index) => ({
    role: index % 2 === 0 ? ("user" as const) : ("assistant" as const),
    content: words(wordsPerMessage, `m${index}`),
  }));
}

describe("assemblePrompt", () => {
  it("keeps everything when it fits", async () => {
    const plan = await assemblePrompt({ system: "persona", history: history(5, 10), contextSize: 1000, replyTokens: 100, countTokens: countWords });
    expect(plan.droppedMessages).toBe(0);
    expect(plan.messages).toHaveLength(6);
    expect(plan.messages[0]).toEqual({ role: "system", content: "persona" });
    expect(plan.promptTokens).toBe(4 + 5 * 13);
  });

  it("drops the oldest history first and never the persona or the latest message", async () => {
    const persona = words(50, "persona");
    const input = history(21, 10); // 13 tokens each
    const plan = await assemblePrompt({ system: persona, history: input, contextSize: 300, replyTokens: 100, countTokens: countWords });
    expect(plan.messages[0]!.content).toBe(persona);
    expect(plan.messages.at(-1)).toEqual(input.at(-1));
    expect(plan.promptTokens).toBeLessThanOrEqual(200);
    // The newest messages are the ones kept, contiguously.
    expect(plan.messages.slice(1)).toEqual(input.slice(plan.droppedMessages));
    // And as many as fit: one more would overflow.
    const oneMore = await countWords([plan.messages[0]!, ...input.slice(plan.droppedMessages - 1)]);
    expect(oneMore).toBeGreaterThan(200);
  });

  it("drops in steps so the start of the prompt stays stable across turns", async () => {
    const base = { system: "p", contextSize: 200, replyTokens: 50, countTokens: countWords, dropStep: 4 };
    const drops: number[] = [];
    for (let turns = 9; turns <= 21; turns += 2) {
      drops.push((await assemblePrompt({ ...base, history: history(turns, 10) })).droppedMessages);
    }
    for (const dropped of drops) expect(dropped % 4).toBe(0);
    // Several consecutive turns share the same first kept message.
    expect(new Set(drops).size).toBeLessThan(drops.length);
  });

  it("fails with context_overflow instead of truncating the persona", async () => {
    const attempt = assemblePrompt({ system: words(500), history: history(1, 5), contextSize: 256, replyTokens: 64, countTokens: countWords });
    await expect(attempt).rejects.toSatisfy((error) => AtelierError.is(error, "context_overflow"));
    await expect(attempt).rejects.toThrow(/Shorten the profile/);
  });

  it("reserves at most half the context for the reply", () => {
    expect(replyReserve(2048, 512)).toBe(512);
    expect(replyReserve(2048, 4096)).toBe(1024);
  });

  it("refuses an empty history", async () => {
    await expect(assemblePrompt({ system: "p", history: [], contextSize: 100, replyTokens: 10, countTokens: countWords })).rejects.toThrow(AtelierError);
  });

  it("puts in as many reference passages as fit their share of the budget, before history", async () => {
    const wrap = (content: string, count: number) => `${Array.from({ length: count }, () => words(40, "passage")).join(" ")} ${content}`;
    // Budget 500 - 100 = 400 tokens; passages may take the persona + question + passages up to 300.
    const plan = await assemblePrompt({
      system: "persona", history: history(9, 10), contextSize: 500, replyTokens: 100, countTokens: countWords,
      reference: { count: 10, wrap },
    });
    const fitting = Math.floor((Math.floor(400 * REFERENCE_SHARE) - 4 - 13) / 40);
    expect(plan.referenceCount).toBe(fitting);
    expect(plan.messages.at(-1)!.content).toBe(wrap(words(10, "m8"), fitting));
    expect(plan.promptTokens).toBeLessThanOrEqual(400);
    expect(plan.droppedMessages).toBeGreaterThan(0);
  });

  it("answers without passages when not even one fits", async () => {
    const plan = await assemblePrompt({
      system: "persona", history: history(1, 10), contextSize: 200, replyTokens: 100, countTokens: countWords,
      reference: { count: 3, wrap: (content, count) => `${words(count * 500, "p")} ${content}` },
    });
    expect(plan.referenceCount).toBe(0);
    expect(plan.messages.at(-1)!.content).toBe(words(10, "m0"));
  });

  it("frames the latest message: memories before it (and before its passages), post-history instructions last", async () => {
    const plan = await assemblePrompt({
      system: "persona", history: history(3, 5), contextSize: 1000, replyTokens: 100, countTokens: countWords,
      reference: { count: 1, wrap: (content, count) => `${words(count, "passage")}\n\n${content}` },
      latest: { before: "remembered", after: "answer briefly" },
    });
    expect(plan.messages.at(-1)!.content).toBe(`remembered\n\npassage\n\n${words(5, "m2")}\n\nanswer briefly`);
    expect(plan.messages[1]!.content).toBe(words(5, "m0"));
    expect(plan.fixedTokens).toBe(await countWords([plan.messages[0]!, plan.messages.at(-1)!]));
    // An empty frame adds nothing.
    const bare = await assemblePrompt({ system: "p", history: history(1, 3), contextSize: 100, replyTokens: 10, countTokens: countWords, latest: { before: "", after: " " } });
    expect(bare.messages.at(-1)!.content).toBe(words(3, "m0"));
  });
});
