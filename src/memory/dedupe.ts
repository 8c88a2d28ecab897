import type { Memory, MemoryKind } from "../contracts/index.js";

/** A fact the extractor found in a turn, before it is compared with what is already remembered. */
export interface MemoryCandidate {
  kind: MemoryKind;
  content: string;
}

/** What storing a batch of candidates does to the person's memories. */
export type MemoryChange =
  | { type: "add"; kind: MemoryKind; content: string }
  | { type: "update"; id: string; kind: MemoryKind; content: string };

/** Word overlap (Jaccard) from which a new fact of the same kind restates an old one, and replaces it. */
export const SIMILARITY_THRESHOLD = 0.6;

/** Case, punctuation and spacing do not make two memories different. */
export function normaliseMemory(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

export function wordsOf(text: string): Set<string> {
  const normalised = normaliseMemory(text);
  return new Set(normalised === "" ? [] : normalised.split(" "));
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const word of a) if (b.has(word)) shared++;
  return shared / (a.size + b.size - shared);
}

interface Known {
  id: string | null;
  kind: MemoryKind;
  content: string;
  origin: Memory["origin"];
  normalised: string;
  words: Set<string>;
  /** Index of this memory's change in the plan, once it has one. */
  planned?: number;
}

/**
 * Decides what a batch of extracted facts changes: exact restatements (after normalising) are
 * skipped, a close restatement of the same kind updates the old memory (the newer wording wins, as
 * it is the person's latest word), and a person has at most one name, which a new one replaces.
 * What the owner wrote is never reworded by extraction, except a name the person corrects.
 */
export function planMemoryChanges(existing: readonly Pick<Memory, "id" | "kind" | "content" | "origin">[], candidates: readonly MemoryCandidate[]): MemoryChange[] {
  const known: Known[] = existing.map((memory) => ({
    id: memory.id, kind: memory.kind, content: memory.content, origin: memory.origin,
    normalised: normaliseMemory(memory.content), words: wordsOf(memory.content),
  }));
  const changes: MemoryChange[] = [];
  // A candidate restating one added or updated earlier in the batch rewrites that change, not a second one.
  const change = (target: Known, kind: MemoryKind, content: string): void => {
    const next: MemoryChange = target.id === null ? { type: "add", kind, content } : { type: "update", id: target.id, kind, content };
    if (target.planned === undefined) target.planned = changes.push(next) - 1;
    else changes[target.planned] = next;
    Object.assign(target, { kind, content, normalised: normaliseMemory(content), words: wordsOf(content) });
  };

  for (const candidate of candidates) {
    const normalised = normaliseMemory(candidate.content);
    if (normalised === "" || known.some((memory) => memory.normalised === normalised)) continue;
    const words = wordsOf(candidate.content);
    if (candidate.kind === "name") {
      const name = known.find((memory) => memory.kind === "name");
      if (name) {
        change(name, "name", candidate.content);
        continue;
      }
    } else {
      const similar = mostSimilar(known.filter((memory) => memory.kind === candidate.kind), words);
      if (similar) {
        if (similar.origin !== "owner") change(similar, candidate.kind, candidate.content);
        continue;
      }
    }
    known.push({
      id: null, kind: candidate.kind, content: candidate.content, origin: "extracted", normalised, words,
      planned: changes.push({ type: "add", kind: candidate.kind, content: candidate.content }) - 1,
    });
  }
  return changes;
}

function mostSimilar(memories: readonly Known[], words: ReadonlySet<string>): Known | undefined {
  let best: Known | undefined;
  let bestScore = SIMILARITY_THRESHOLD;
  for (const memory of memories) {
    const score = jaccard(memory.words, words);
    if (score >= bestScore) {
      best = memory;
      bestScore = score;
    }
  }
  return best;
}
