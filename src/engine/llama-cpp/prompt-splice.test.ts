import type { Token } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { commonPrefixLength, contentAfterReply, splicePrompt, tokensForText, type SequenceContent } from "./prompt-splice.js";

const t = (...values: number[]): Token[] => values as Token[];

// A toy vocabulary: token n renders as VOCAB[n]. 1 is BOS (renders as nothing).
const VOCAB: Record<number, string> = { 1: "", 10: "[U]", 11: "[A]", 12: "</s>", 20: "a", 21: "b", 22: "ab", 23: "\n", 24: " \n", 25: "c", 26: "d" };
const detokenize = (tokens: readonly Token[]): string => tokens.map((token) => VOCAB[token] ?? "?").join("");

/**
 * Turn 1: the canonical prompt [BOS, U, a, A] is fed as is; the model samples "a", "b" (the text "ab",
 * which re-tokenises canonically as the single token "ab").
 */
function afterFirstTurn(): SequenceContent {
  const prompt = t(1, 10, 20, 11);
  const { input, point } = splicePrompt(prompt, undefined);
  return contentAfterReply({
    previous: undefined,
    point,
    prompt,
    input,
    reply: { canonical: t(1, 10, 20, 11, 22), tokens: t(20, 21) },
  });
}

describe("splicePrompt / contentAfterReply", () => {
  it("feeds the canonical prompt unchanged when nothing is known", () => {
    expect(splicePrompt(t(1, 10, 20, 11), undefined)).toEqual({ input: t(1, 10, 20, 11), point: { canonical: 0, actual: 0 } });
  });

  it("keeps the reply's sampled tokens and appends only the new canonical tokens", () => {
    const content = afterFirstTurn();
    expect(content.actual).toEqual(t(1, 10, 20, 11, 20, 21));
    expect(content.points).toEqual([
      { canonical: 4, actual: 4 },
      { canonical: 5, actual: 6 },
    ]);
    // Turn 2: the history with the reply closed (</s>) and a new user message.
    const next = t(1, 10, 20, 11, 22, 12, 10, 25, 11);
    const spliced = splicePrompt(next, content);
    expect(spliced.input).toEqual(t(1, 10, 20, 11, 20, 21, 12, 10, 25, 11));
    expect(spliced.point).toEqual({ canonical: 5, actual: 6 });
    expect(detokenize(spliced.input)).toBe(detokenize(next));
  });

  it("falls back to the last point before an edit, or to the canonical prompt", () => {
    const content = afterFirstTurn();
    // Regenerating the reply: the same prompt again reuses the fed prompt exactly.
    expect(splicePrompt(t(1, 10, 20, 11), content).input).toEqual(t(1, 10, 20, 11));
    expect(splicePrompt(t(1, 10, 20, 11), content).point).toEqual({ canonical: 4, actual: 4 });
    // The reply was edited ("ac" instead of "ab"): everything after the prompt is canonical again.
    expect(splicePrompt(t(1, 10, 20, 11, 20, 25, 12), content).input).toEqual(t(1, 10, 20, 11, 20, 25, 12));
    // The first user message was edited: nothing known matches.
    const edited = splicePrompt(t(1, 10, 26, 11), content);
    expect(edited).toEqual({ input: t(1, 10, 26, 11), point: { canonical: 0, actual: 0 } });
  });

  it("carries earlier points forward across turns, so an edit later in the history keeps earlier splices", () => {
    const first = afterFirstTurn();
    const prompt = t(1, 10, 20, 11, 22, 12, 10, 25, 11);
    const spliced = splicePrompt(prompt, first);
    // Turn 2's reply "\n" was sampled as "\n" but re-tokenises as " \n" (SentencePiece's leading space).
    const second = contentAfterReply({
      previous: first,
      point: spliced.point,
      prompt,
      input: spliced.input,
      reply: { canonical: [...prompt, ...t(24)], tokens: t(23) },
    });
    expect(second.points.map((point) => point.canonical)).toEqual([4, 5, 9, 10]);
    expect(second.actual).toEqual(t(1, 10, 20, 11, 20, 21, 12, 10, 25, 11, 23));
    // Turn 2's user message edited ("d" for "c"): the first reply stays as it was sampled.
    const edited = splicePrompt(t(1, 10, 20, 11, 22, 12, 10, 26, 11), second);
    expect(edited.point).toEqual({ canonical: 5, actual: 6 });
    expect(edited.input).toEqual(t(1, 10, 20, 11, 20, 21, 12, 10, 26, 11));
  });

  it("remembers only the prompt when the reply could not be matched to its tokens", () => {
    const prompt = t(1, 10, 20, 11);
    const content = contentAfterReply({ previous: undefined, point: { canonical: 0, actual: 0 }, prompt, input: prompt });
    expect(content).toEqual({ canonical: prompt, actual: prompt, points: [{ canonical: 4, actual: 4 }] });
  });

  it("drops points the new canonical rendering no longer starts with, and does not pair the reply", () => {
    const prompt = t(1, 10, 20, 11);
    // A template that renders the open reply with a different ending of the prompt.
    const content = contentAfterReply({
      previous: undefined,
      point: { canonical: 0, actual: 0 },
      prompt,
      input: prompt,
      reply: { canonical: t(1, 10, 20, 22), tokens: t(21) },
    });
    expect(content.points).toEqual([]);
    expect(splicePrompt(t(1, 10, 20, 22, 12), content).input).toEqual(t(1, 10, 20, 22, 12));
  });
});

describe("tokensForText", () => {
  it("finds the shortest prefix that renders exactly the text", () => {
    expect(tokensForText(t(20, 21, 25, 12), "abc", detokenize)).toBe(3);
    expect(tokensForText(t(20, 21, 25), "abc", detokenize)).toBe(3);
    expect(tokensForText(t(23, 20), "\na", detokenize)).toBe(2);
    expect(tokensForText(t(20, 1, 21), "ab", detokenize)).toBe(3);
    expect(tokensForText(t(20, 21), "", detokenize)).toBe(0);
  });

  it("returns undefined when the text ends inside a token", () => {
    expect(tokensForText(t(22), "a", detokenize)).toBeUndefined();
    expect(tokensForText(t(20), "ab", detokenize)).toBeUndefined();
    expect(tokensForText(t(), "a", detokenize)).toBeUndefined();
  });

  it("commonPrefixLength compares token by token", () => {
    expect(commonPrefixLength(t(1, 2, 3), t(1, 2, 4))).toBe(2);
    expect(commonPrefixLength(t(1, 2), t(1, 2, 4))).toBe(2);
    expect(commonPrefixLength(t(), t(1))).toBe(0);
  });
});
