import { describe, expect, it } from "vitest";
import type { Memory } from "../contracts/index.js";
import { jaccard, normaliseMemory, planMemoryChanges, wordsOf } from "./dedupe.js";

const memory = (id: string, kind: Memory["kind"], content: string, origin: Memory["origin"] = "extracted") => ({ id, kind, content, origin });

describe("normaliseMemory", () => {
  it("ignores case, punctuation and spacing", () => {
    expect(normaliseMemory("  Likes RYE bread!!  ")).toBe("likes rye bread");
    expect(normaliseMemory("Likes   rye, bread.")).toBe(normaliseMemory("likes rye bread"));
    expect(normaliseMemory("…")).toBe("");
  });

  it("measures word overlap as Jaccard", () => {
    expect(jaccard(wordsOf("likes rye bread"), wordsOf("likes rye bread a lot"))).toBeCloseTo(3 / 5);
    expect(jaccard(wordsOf("a b"), wordsOf("c d"))).toBe(0);
  });
});

describe("planMemoryChanges", () => {
  it("skips exact duplicates, after normalising", () => {
    const existing = [memory("m1", "preference", "Likes rye bread.")];
    expect(planMemoryChanges(existing, [{ kind: "preference", content: "likes RYE bread" }])).toEqual([]);
    // Whatever kind the model gave it: the same words are the same memory.
    expect(planMemoryChanges(existing, [{ kind: "fact", content: "Likes rye bread!" }])).toEqual([]);
  });

  it("updates a memory of the same kind that a new fact restates closely (Jaccard >= 0.6)", () => {
    const existing = [memory("m1", "preference", "Likes rye bread with butter")];
    expect(planMemoryChanges(existing, [{ kind: "preference", content: "Likes rye bread with salted butter" }]))
      .toEqual([{ type: "update", id: "m1", kind: "preference", content: "Likes rye bread with salted butter" }]);
  });

  it("adds a fact that overlaps too little, or is of another kind", () => {
    const existing = [memory("m1", "preference", "Likes rye bread with butter")];
    expect(planMemoryChanges(existing, [
      { kind: "preference", content: "Likes sourdough" },
      { kind: "request", content: "Likes rye bread with butter daily" },
    ])).toEqual([
      { type: "add", kind: "preference", content: "Likes sourdough" },
      { type: "add", kind: "request", content: "Likes rye bread with butter daily" },
    ]);
  });

  it("keeps at most one name: a new name replaces the old one", () => {
    const existing = [memory("m1", "name", "Sam"), memory("m2", "fact", "Has two cats")];
    expect(planMemoryChanges(existing, [{ kind: "name", content: "Samantha" }]))
      .toEqual([{ type: "update", id: "m1", kind: "name", content: "Samantha" }]);
    expect(planMemoryChanges([], [{ kind: "name", content: "Sam" }, { kind: "name", content: "Alex" }]))
      .toEqual([{ type: "add", kind: "name", content: "Alex" }]);
  });

  it("never adds the same fact twice from one batch", () => {
    expect(planMemoryChanges([], [
      { kind: "fact", content: "Has two cats" },
      { kind: "fact", content: "has two cats." },
      { kind: "fact", content: "Has two black cats" },
    ])).toEqual([{ type: "add", kind: "fact", content: "Has two black cats" }]);
  });

  it("does not reword what the owner wrote, but lets the person correct their name", () => {
    const existing = [memory("m1", "preference", "Likes rye bread with butter", "owner"), memory("m2", "name", "Sam", "owner")];
    expect(planMemoryChanges(existing, [
      { kind: "preference", content: "Likes rye bread with salted butter" },
      { kind: "name", content: "Samuel" },
    ])).toEqual([{ type: "update", id: "m2", kind: "name", content: "Samuel" }]);
  });

  it("skips blank facts", () => {
    expect(planMemoryChanges([], [{ kind: "fact", content: " ... " }])).toEqual([]);
  });
});
