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
  it("uses every term while their matches stay within what one search scores, and none that matches nothing", () => {
    expect(selectTerms(["a", "b", "absent"], new Map([["a", 10], ["b", 20], ["absent", 0]]))).toEqual(["a", "b"]);
  });

  it("takes the rarest terms first when together they match too many chunks, and one term at least", () => {
    const frequencies = new Map([["x", MAX_SCORED_CHUNKS + 1], ["y", MAX_SCORED_CHUNKS - 10], ["z", 5]]);
    expect(selectTerms(["x", "y", "z"], frequencies)).toEqual(["z", "y"]);
    expect(selectTerms(["x"], frequencies)).toEqual(["x"]);
  });
});
