import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelPath, testThreads } from "../../test/support/models.js";
import type { EmbeddingEngine } from "../engine/embedding-engine.js";
import { LlamaCppEmbeddingEngine } from "../engine/llama-cpp/llama-embedding.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Store } from "../store/store.js";
import { knowledgeHarness } from "./testing/knowledge-harness.js";
import { waitForIndexing } from "./testing/wait-for-indexing.js";

/** A second "model": 16 dimensions from the text's characters, so a change of model is visible. */
class CharacterEmbedder implements EmbeddingEngine {
  readonly modelId = "characters-16";
  readonly dimensions = 16;
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((text) => {
      const vector = new Float32Array(16).fill(0.01);
      for (const character of text) vector[character.charCodeAt(0) % 16]! += 1;
      const norm = Math.hypot(...vector);
      return vector.map((value) => value / norm);
    });
  }
  async [Symbol.asyncDispose](): Promise<void> {}
}

const FILES = [
  { name: "hours.md", text: "# Hours\n\nWe open at nine and close at five.\n\n## Holidays\n\nClosed on public holidays." },
  { name: "menu.csv", text: "name,price\nCardamom bun,3.50\nRye loaf,6.00\n" },
];

/*
 * The tiny test model's vectors carry no meaning (see ../shared/models/README.md), so this checks
 * the mechanics, not relevance: vectors are made, searched and fused, and replaced on a model change.
 */
describe("hybrid retrieval with a real embedding model", () => {
  let store: Store;
  let llama: LlamaCppEmbeddingEngine;
  let agentId: string;

  beforeAll(async () => {
    store = await openSqliteStore({ file: ":memory:" });
    llama = await LlamaCppEmbeddingEngine.load({ modelPath: testModelPath(), threads: testThreads, gpu: "off" });
    agentId = (await store.agents.create({ id: "agt_hybrid", handle: "hybrid", ownerId: null, profile: { name: "H" } as never, now: new Date().toISOString() })).id;
  });

  afterAll(async () => {
    await llama[Symbol.asyncDispose]();
    await store[Symbol.asyncDispose]();
  });

  it("embeds every chunk, and fuses vector and lexical ranks", async () => {
    const harness = knowledgeHarness(store, { embedder: llama });
    try {
      await harness.add(agentId, FILES);
      const sources = await harness.service.list(agentId);
      expect(sources.map((source) => [source.status, source.embeddingModel])).toEqual([["ready", "stories260K"], ["ready", "stories260K"]]);
      for (const source of sources) expect(await store.knowledge.chunksToEmbed(source.id, "stories260K", 10)).toEqual([]);
      const result = await harness.service.search(agentId, "When do you open?", 5);
      expect(result.mode).toBe("hybrid");
      expect(result.passages.some((passage) => passage.vectorRank !== null)).toBe(true);
      expect(result.passages.find((passage) => passage.lexicalRank === 1)?.text).toContain("open at nine");
    } finally {
      await harness.indexer[Symbol.asyncDispose]();
    }
  });

  it("re-embeds every source in the background when the embedding model changes", async () => {
    const harness = knowledgeHarness(store, { embedder: new CharacterEmbedder() });
    try {
      await harness.indexer.start();
      const sources = await waitForIndexing(() => harness.service.list(agentId), {
        done: (all) => all.every((source) => source.status === "ready" && source.embeddingModel === "characters-16"),
        intervalMs: 10,
      });
      expect(sources.map((source) => source.embeddingModel)).toEqual(["characters-16", "characters-16"]);
      const result = await harness.service.search(agentId, "rye loaf", 5);
      expect(result.passages.some((passage) => passage.vectorRank !== null)).toBe(true);
      // The old model's vectors are gone: nothing answers a search in its space.
      expect(await store.knowledge.searchVectors({ agentId, model: "stories260K", vector: (await llama.embed(["rye"]))[0]!, limit: 5 })).toEqual([]);
    } finally {
      await harness.indexer[Symbol.asyncDispose]();
    }
  });
});
