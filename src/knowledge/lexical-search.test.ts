import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { estimateMatches, MAX_SCORED_CHUNKS, selectTerms } from "../store/kysely/knowledge-search.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Store } from "../store/store.js";

describe("estimateMatches", () => {
  it("keeps a count that stopped short of the limit, and extrapolates one that reached it", () => {
    expect(estimateMatches(12, 900, 10_000)).toBe(12);
    expect(estimateMatches(MAX_SCORED_CHUNKS + 1, 4_002, 8_004)).toBe((MAX_SCORED_CHUNKS + 1) * 2);
    // Never below what was counted, whatever the seqs say.
    expect(estimateMatches(MAX_SCORED_CHUNKS + 1, 9_000, 3_000)).toBe(MAX_SCORED_CHUNKS + 1);
  });

  it("lets a question of common words alone score its rarest word", () => {
    const everywhere = estimateMatches(MAX_SCORED_CHUNKS + 1, 2_001, 100_000);
    const often = estimateMatches(MAX_SCORED_CHUNKS + 1, 40_000, 100_000);
    expect(selectTerms(["everywhere", "often"], new Map([["everywhere", everywhere], ["often", often]]))).toEqual(["often"]);
  });
});

/*
 * More chunks than one lexical search scores, in SQLite: one agent's chunks on both sides of
 * another's (the scan is bounded by the agent's lowest and highest seq, and filtered within).
 */
describe("lexical search over many chunks (SQLite)", () => {
  let store: Store;
  const agents = { first: "agt_lexical_first", second: "agt_lexical_second" };

  async function addChunks(agentId: string, name: string, texts: readonly string[]): Promise<void> {
    const now = new Date().toISOString();
    await store.knowledge.putSource({ id: `src_${name}`, agentId, name, title: name, format: "text", origin: "upload", url: null, sha256: name, content: new Uint8Array([1]), now });
    const claimed = await store.knowledge.claimNext({ owner: "test", now, leaseUntil: new Date(Date.now() + 60_000).toISOString() });
    if (!claimed) throw new Error(`could not claim ${name}`);
    const chunks = texts.map((text, position) => ({ id: `chk_${name}_${position}`, position, heading: `Part ${position}`, text, tokens: 10 }));
    await store.knowledge.replaceChunks(claimed.lease, { chunks, title: name, now });
    await store.knowledge.finish(claimed.lease, { outcome: { status: "ready", embeddingModel: null }, now });
  }

  beforeAll(async () => {
    store = await openSqliteStore({ file: ":memory:" });
    for (const [handle, id] of Object.entries(agents)) {
      await store.agents.create({ id, handle, ownerId: null, profile: { name: handle } as never, now: new Date().toISOString() });
    }
    // "alpha" is in every chunk, "beta" in every second, "gamma" in every fourth: all three past the limit.
    const text = (index: number) => ["alpha", index % 2 === 0 ? "beta" : "", index % 4 === 1 ? "gamma" : "", `word${index}`].join(" ");
    await addChunks(agents.first, "first-a", Array.from({ length: 1_500 }, (_, index) => text(index)));
    await addChunks(agents.second, "second", Array.from({ length: 500 }, (_, index) => `${text(index)} kiwi`));
    await addChunks(agents.first, "first-b", Array.from({ length: 7_500 }, (_, index) => text(index + 1_500)));
  });

  afterAll(async () => {
    await store[Symbol.asyncDispose]();
  });

  it("scores a question of common words alone by its rarest word", async () => {
    const hits = await store.knowledge.searchLexical({ agentId: agents.first, terms: ["alpha", "beta", "gamma"], limit: 20 });
    expect(hits).toHaveLength(20);
    const chunks = await store.knowledge.getChunks(hits.map((hit) => hit.seq));
    for (const chunk of chunks) expect(chunk.text).toContain("gamma");
  });

  it("finds the agent's chunks on both sides of another agent's, and none of the other's", async () => {
    const first = await store.knowledge.searchLexical({ agentId: agents.first, terms: ["word1499", "word1500", "kiwi"], limit: 10 });
    const found = await store.knowledge.getChunks(first.map((hit) => hit.seq));
    expect(found.map((chunk) => chunk.sourceName).sort()).toEqual(["first-a", "first-b"]);
    const second = await store.knowledge.searchLexical({ agentId: agents.second, terms: ["kiwi"], limit: 5 });
    expect(second).toHaveLength(5);
    expect(await store.knowledge.searchLexical({ agentId: "agt_nobody", terms: ["alpha"], limit: 5 })).toEqual([]);
  });
});
