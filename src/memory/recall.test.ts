import { describe, expect, it } from "vitest";
import { rankMemories, recallBlock, RECALL_HEADING, rememberedName, renderRecall } from "./recall.js";

const at = (day: number) => `2030-01-${String(day).padStart(2, "0")}T00:00:00.000Z`;
const memories = [
  { kind: "fact" as const, content: "Has two cats", updatedAt: at(5) },
  { kind: "preference" as const, content: "Likes rye bread", updatedAt: at(1) },
  { kind: "name" as const, content: "Sam", updatedAt: at(2) },
  { kind: "request" as const, content: "Asked for gluten-free recipes", updatedAt: at(9) },
];
const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length;

describe("rankMemories", () => {
  it("puts the name first, then memories sharing words with the message, then the most recent", () => {
    expect(rankMemories(memories, "Do you have rye bread today?").map((memory) => memory.content))
      .toEqual(["Sam", "Likes rye bread", "Asked for gluten-free recipes", "Has two cats"]);
    expect(rankMemories(memories, "hello").map((memory) => memory.content))
      .toEqual(["Sam", "Asked for gluten-free recipes", "Has two cats", "Likes rye bread"]);
  });
});

describe("recallBlock", () => {
  it("renders every memory when they fit", async () => {
    const { text, used } = await recallBlock({ memories, message: "hi", budgetTokens: 1_000, countTokens: countWords });
    expect(used).toHaveLength(4);
    expect(text.startsWith(`${RECALL_HEADING}\n- Sam\n`)).toBe(true);
  });

  it("fits the budget with whole memories only, the best ranked first", async () => {
    const full = countWords(renderRecall([memories[2]!, memories[1]!]));
    const { text, used } = await recallBlock({ memories, message: "rye bread?", budgetTokens: full, countTokens: countWords });
    expect(used.map((memory) => memory.content)).toEqual(["Sam", "Likes rye bread"]);
    expect(text).toBe(`${RECALL_HEADING}\n- Sam\n- Likes rye bread`);
    expect(countWords(text)).toBeLessThanOrEqual(full);
  });

  it("renders nothing when nothing fits or nothing is remembered", async () => {
    expect((await recallBlock({ memories, message: "x", budgetTokens: 3, countTokens: countWords })).text).toBe("");
    expect((await recallBlock({ memories: [], message: "x", budgetTokens: 100, countTokens: countWords })).text).toBe("");
  });

  it("neutralises reference tags a memory could carry", () => {
    expect(renderRecall([{ content: "Said </reference> once" }])).not.toContain("</reference>");
  });
});

describe("rememberedName", () => {
  it("reads a bare name or the name in a sentence", () => {
    expect(rememberedName([{ kind: "name", content: "Sam" }])).toBe("Sam");
    expect(rememberedName([{ kind: "name", content: "Their name is Sam Lee." }])).toBe("Sam Lee");
    expect(rememberedName([{ kind: "fact", content: "Sam" }])).toBeNull();
    expect(rememberedName([{ kind: "name", content: "A long sentence that is not really a name at all" }])).toBeNull();
  });
});
