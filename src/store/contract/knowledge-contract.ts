import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Store } from "../store.js";
import type { NewChunk, SourceLease } from "../knowledge.js";
import { at, createAgent, expectAtelierError, type OpenStore, uniqueId, useStore } from "./fixtures.js";

const encoder = new TextEncoder();

function sourceInput(agentId: string, name: string, text: string, now = at(1)) {
  const content = encoder.encode(text);
  return {
    id: uniqueId("src"),
    agentId,
    name,
    title: name,
    format: "text" as const,
    origin: "upload" as const,
    url: null,
    sha256: createHash("sha256").update(content).digest("hex"),
    content,
    now,
  };
}

function chunks(texts: readonly string[]): NewChunk[] {
  return texts.map((text, position) => ({ id: uniqueId("chk"), position, heading: `Part ${position + 1}`, text, tokens: text.split(" ").length }));
}

/** A unit vector pointing mostly along axis `axis`. */
function unit(dimensions: number, axis: number, tilt = 0): Float32Array {
  const vector = new Float32Array(dimensions).fill(0.01);
  vector[axis] = 1;
  vector[(axis + 1) % dimensions] = tilt;
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

/** Claims until it gets the source named (other tests' queued sources may come first). */
async function claim(store: Store, sourceId: string, owner = "worker-a"): Promise<SourceLease> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const claimed = await store.knowledge.claimNext({ owner, now: at(2), leaseUntil: at(3) });
    if (!claimed) break;
    if (claimed.source.id === sourceId) return claimed.lease;
  }
  throw new Error(`Could not claim ${sourceId}.`);
}

async function indexed(store: Store, options: { agentId: string; name: string; texts: readonly string[] }) {
  const { source } = await store.knowledge.putSource(sourceInput(options.agentId, options.name, options.texts.join("\n")));
  const lease = await claim(store, source.id);
  expect(await store.knowledge.replaceChunks(lease, { chunks: chunks(options.texts), title: `${options.name} title`, now: at(2) })).toBe(true);
  return { source, lease };
}

export function describeKnowledgeContract(open: OpenStore): void {
  describe("knowledge", () => {
    const store = useStore(open);

    it("adds a source queued, keeps its bytes, and changes nothing when the same content comes again", async () => {
      const agent = await createAgent(store());
      const input = sourceInput(agent.id, "faq.txt", "Opening hours are nine to five.");
      const { source, unchanged } = await store().knowledge.putSource(input);
      expect(unchanged).toBe(false);
      expect(source).toMatchObject({ agentId: agent.id, name: "faq.txt", status: "queued", bytes: input.content.byteLength, chunkCount: 0, progress: { phase: "waiting" } });
      expect(Buffer.from((await store().knowledge.readContent(source.id)) ?? [])).toEqual(Buffer.from(input.content));
      const lease = await claim(store(), source.id);
      await store().knowledge.finish(lease, { outcome: { status: "ready", embeddingModel: null }, now: at(3) });
      const again = await store().knowledge.putSource({ ...input, id: uniqueId("src") });
      expect(again.unchanged).toBe(true);
      expect(again.source.id).toBe(source.id);
      expect(await store().knowledge.listSources(agent.id)).toHaveLength(1);
    });

    it("refuses a source for a missing agent", async () => {
      await expectAtelierError(store().knowledge.putSource(sourceInput("agt_missing", "a.txt", "x")), "not_found");
    });

    it("replaces chunks atomically, searches them by term, and a replaced file takes its old lease away", async () => {
      const agent = await createAgent(store());
      const { source, lease } = await indexed(store(), { agentId: agent.id, name: "menu.txt", texts: ["The croissant costs three euros.", "Sourdough bread is baked daily."] });
      const hits = await store().knowledge.searchLexical({ agentId: agent.id, terms: ["croissant"], limit: 5 });
      expect(hits).toHaveLength(1);
      const [hit] = await store().knowledge.getChunks(hits.map((item) => item.seq));
      expect(hit).toMatchObject({ sourceId: source.id, sourceName: "menu.txt", sourceTitle: "menu.txt title", position: 0, heading: "Part 1" });
      expect(await store().knowledge.hasChunks(agent.id)).toBe(true);

      const replaced = await store().knowledge.putSource(sourceInput(agent.id, "menu.txt", "Now with baguettes."));
      expect(replaced.source.id).toBe(source.id);
      expect(replaced.source.status).toBe("queued");
      expect(await store().knowledge.replaceChunks(lease, { chunks: chunks(["stale"]), title: "x", now: at(4) })).toBe(false);
      // Old chunks answer until the new ones land.
      expect(await store().knowledge.searchLexical({ agentId: agent.id, terms: ["croissant"], limit: 5 })).toHaveLength(1);
      const next = await claim(store(), source.id);
      await store().knowledge.replaceChunks(next, { chunks: chunks(["Now with baguettes."]), title: "menu", now: at(5) });
      expect(await store().knowledge.searchLexical({ agentId: agent.id, terms: ["croissant"], limit: 5 })).toEqual([]);
      expect(await store().knowledge.searchLexical({ agentId: agent.id, terms: ["baguettes"], limit: 5 })).toHaveLength(1);
    });

    it("keeps agents' knowledge apart", async () => {
      const first = await createAgent(store());
      const second = await createAgent(store());
      await indexed(store(), { agentId: first.id, name: "a.txt", texts: ["zebra crossing rules"] });
      expect(await store().knowledge.searchLexical({ agentId: second.id, terms: ["zebra"], limit: 5 })).toEqual([]);
      expect(await store().knowledge.hasChunks(second.id)).toBe(false);
    });

    it("finds the nearest vectors, re-scored exactly, only among the model's vectors", async () => {
      const agent = await createAgent(store());
      const { lease } = await indexed(store(), { agentId: agent.id, name: "v.txt", texts: ["one", "two", "three"] });
      const pending = await store().knowledge.chunksToEmbed(lease.sourceId, "model-a", 10);
      expect(pending.map((chunk) => chunk.text)).toEqual(["one", "two", "three"]);
      expect(await store().knowledge.countChunksToEmbed(lease.sourceId, "model-a")).toBe(3);
      const vectors = pending.map((chunk, index) => ({ seq: chunk.seq, vector: unit(16, index * 4) }));
      expect(await store().knowledge.saveEmbeddings(lease, { agentId: agent.id, model: "model-a", vectors })).toBe(true);
      expect(await store().knowledge.chunksToEmbed(lease.sourceId, "model-a", 10)).toEqual([]);
      expect(await store().knowledge.countChunksToEmbed(lease.sourceId, "model-a")).toBe(0);
      const hits = await store().knowledge.searchVectors({ agentId: agent.id, model: "model-a", vector: unit(16, 4, 0.2), limit: 2 });
      expect(hits.map((hit) => hit.seq)).toEqual([pending[1]!.seq, expect.any(Number)]);
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
      expect(await store().knowledge.searchVectors({ agentId: agent.id, model: "model-b", vector: unit(16, 4), limit: 2 })).toEqual([]);

      await store().knowledge.finish(lease, { outcome: { status: "ready", embeddingModel: "model-a" }, now: at(3) });
      await store().knowledge.requeueStaleEmbeddings("model-a", at(4));
      expect((await store().knowledge.getSource(lease.sourceId))?.status).toBe("ready");
      expect(await store().knowledge.requeueStaleEmbeddings("model-b", at(4))).toBeGreaterThanOrEqual(1);
      expect((await store().knowledge.getSource(lease.sourceId))?.status).toBe("queued");
    });

    it("deleting a source removes its chunks from both searches; deleting the agent removes its sources", async () => {
      const agent = await createAgent(store());
      const { source, lease } = await indexed(store(), { agentId: agent.id, name: "gone.txt", texts: ["ephemeral walrus"] });
      const [pending] = await store().knowledge.chunksToEmbed(source.id, "m", 10);
      await store().knowledge.saveEmbeddings(lease, { agentId: agent.id, model: "m", vectors: [{ seq: pending!.seq, vector: unit(16, 1) }] });
      expect(await store().knowledge.searchVectors({ agentId: agent.id, model: "m", vector: unit(16, 1), limit: 3 })).toHaveLength(1);
      expect(await store().knowledge.deleteSource(source.id)).toBe(true);
      expect(await store().knowledge.deleteSource(source.id)).toBe(false);
      expect(await store().knowledge.searchLexical({ agentId: agent.id, terms: ["walrus"], limit: 5 })).toEqual([]);
      expect(await store().knowledge.searchVectors({ agentId: agent.id, model: "m", vector: unit(16, 1), limit: 3 })).toEqual([]);
      expect(await store().knowledge.readContent(source.id)).toBeUndefined();

      const other = await indexed(store(), { agentId: agent.id, name: "kept.txt", texts: ["narwhal"] });
      await store().agents.delete(agent.id);
      expect(await store().knowledge.getSource(other.source.id)).toBeUndefined();
      expect(await store().knowledge.searchLexical({ agentId: agent.id, terms: ["narwhal"], limit: 5 })).toEqual([]);
    });

    it("a failed source loses its chunks; progress extends the lease; released leases queue again", async () => {
      const agent = await createAgent(store());
      const { source, lease } = await indexed(store(), { agentId: agent.id, name: "bad.txt", texts: ["quokka"] });
      expect(await store().knowledge.reportProgress(lease, { progress: { phase: "embedding", done: 1, total: 2 }, leaseUntil: at(9), now: at(2) })).toBe(true);
      expect((await store().knowledge.getSource(source.id))?.progress).toEqual({ phase: "embedding", done: 1, total: 2 });
      expect(await store().knowledge.reportProgress({ ...lease, owner: "someone-else" }, { progress: { phase: "done", done: 0, total: 0 }, leaseUntil: at(9), now: at(2) })).toBe(false);
      await store().knowledge.finish(lease, { outcome: { status: "failed", error: "\"bad.txt\" is damaged." }, now: at(3) });
      expect(await store().knowledge.getSource(source.id)).toMatchObject({ status: "failed", error: "\"bad.txt\" is damaged.", chunkCount: 0 });
      expect(await store().knowledge.searchLexical({ agentId: agent.id, terms: ["quokka"], limit: 5 })).toEqual([]);

      const requeued = await store().knowledge.requeue(source.id, at(4));
      expect(requeued).toMatchObject({ status: "queued", error: null });
      await claim(store(), source.id, "worker-b");
      expect(await store().knowledge.releaseAllLeases(at(5))).toBeGreaterThanOrEqual(1);
      expect((await store().knowledge.getSource(source.id))?.status).toBe("queued");
    });
  });
}
