import { describe, expect, it } from "vitest";
import { selectTerms, MAX_SCORED_CHUNKS } from "../store/kysely/knowledge-search.js";
import { fuseRankings, queryTerms } from "./query-terms.js";

describe("queryTerms", () => {
  it("keeps the meaningful words of a question once, lowercased, in any script", () => {
    expect(queryTerms("What are the OPENING hours, and the opening days? Café Zürich 24/7")).toEqual(["opening", "hours", "days", "café", "zürich", "24", "7"]);
  });

  it("keeps stopwords when a question has nothing else, and nothing from punctuation alone", () => {
    expect(queryTerms("Who are you?")).toEqual(["who", "are", "you"]);
    expect(queryTerms("?!")).toEqual([]);
  });
});

describe("fuseRankings", () => {
  it("ranks what both lists agree on first, and says where each came from", () => {
    const fused = fuseRankings([[1, 2, 3], [3, 4]]);
    expect(fused.map((entry) => entry.seq)).toEqual([3, 1, 2, 4]);
    expect(fused[0]!.ranks).toEqual([3, 1]);
    expect(fused.find((entry) => entry.seq === 4)!.ranks).toEqual([null, 2]);
  });
});

describe("selectTerms", () => {
  it("uses every term while their matches stay within what one search scores", () => {
    expect(selectTerms(["a", "b"], new Map([["a", 10], ["b", 20]]), 100)).toEqual(["a", "b"]);
  });

  it("drops terms in half the chunks or more (BM25 weighs them ~0) unless nothing else is left", () => {
    expect(selectTerms(["common", "rare"], new Map([["common", 60], ["rare", 3]]), 100)).toEqual(["rare"]);
    expect(selectTerms(["common"], new Map([["common", 60]]), 100)).toEqual(["common"]);
  });

  it("takes the rarest terms first when together they match too many chunks; unknown spellings count as rare", () => {
    const frequencies = new Map([["x", MAX_SCORED_CHUNKS - 10], ["y", 400], ["z", 5]]);
    expect(selectTerms(["x", "y", "z", "stemmed"], frequencies, 1_000_000)).toEqual(["stemmed", "z", "y"]);
  });
});
