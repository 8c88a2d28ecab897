/**
 * knowledge: ingestion throughput (upload -> parsed, chunked, indexed and searchable, no embeddings)
 * and hybrid search latency (BM25 + vectors, fused) at 10k and 100k chunks, in SQLite on local disk.
 */
import path from "node:path";
import { unitVector, type EmbeddingEngine } from "../src/engine/embedding-engine.js";
import { Indexer } from "../src/knowledge/indexer.js";
import { KnowledgeService } from "../src/knowledge/knowledge-service.js";
import { fuseRankings, queryTerms } from "../src/knowledge/query-terms.js";
import { newId } from "../src/runtime/ids.js";
import { silentLogger as silent } from "../src/runtime/logger.js";
import { openSqliteStore } from "../src/store/sqlite/sqlite-store.js";
import type { Store } from "../src/store/store.js";
import type { Benchmark, BenchContext } from "./lib/benchmark.js";
import { target, type BenchOutcome, type Table } from "./lib/report.js";
import { median, percentile } from "./lib/stats.js";

const DIMENSIONS = 384;
const QUERIES = 300;

/** A deterministic generator, so every run searches the same corpus with the same questions. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** 20,000 made-up words whose frequencies follow Zipf's law, like a real vocabulary. */
function vocabulary(next: () => number): { words: string[]; pick: () => string } {
  const syllables = ["ka", "lo", "mi", "ter", "an", "vo", "rus", "el", "dri", "po", "sen", "ta", "gu", "bel", "or", "ni"];
  const words = Array.from({ length: 20_000 }, () => Array.from({ length: 2 + Math.floor(next() * 3) }, () => syllables[Math.floor(next() * syllables.length)]).join(""));
  const weights = words.map((_, rank) => 1 / (rank + 1));
  const cumulative: number[] = [];
  let total = 0;
  for (const weight of weights) cumulative.push((total += weight));
  const pick = () => {
    const target = next() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return words[low]!;
  };
  return { words, pick };
}

function randomUnitVector(next: () => number): Float32Array {
  return unitVector(Array.from({ length: DIMENSIONS }, () => next() - 0.5));
}

/** Answers instantly: the search is measured, not an embedding model (see the notes). */
class InstantEmbedder implements EmbeddingEngine {
  readonly modelId = "bench-embedder";
  readonly dimensions = DIMENSIONS;
  readonly #next = random(99);
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map(() => randomUnitVector(this.#next));
  }
  async [Symbol.asyncDispose](): Promise<void> {}
}

async function newAgent(store: Store, name: string): Promise<string> {
  const id = newId("agt");
  await store.agents.create({ id, handle: `${name}-${id.slice(-6)}`, ownerId: null, profile: { name } as never, now: new Date().toISOString() });
  return id;
}

async function measureIngestion(context: BenchContext, store: Store): Promise<{ chunks: number; seconds: number; files: number; megabytes: number }> {
  const next = random(1);
  const { pick } = vocabulary(next);
  const files = context.quick ? 4 : 20;
  const agentId = await newAgent(store, "ingest");
  const documents = Array.from({ length: files }, (_, file) => {
    const sections = Array.from({ length: 100 }, (_, section) => {
      const paragraphs = Array.from({ length: 4 }, () => `${Array.from({ length: 60 }, pick).join(" ")}.`);
      return `## Section ${file}.${section}\n\n${paragraphs.join("\n\n")}`;
    });
    return { name: `manual-${file}.md`, bytes: new TextEncoder().encode(`# Manual ${file}\n\n${sections.join("\n\n")}`) };
  });
  const indexer = new Indexer({ repository: store.knowledge, embedder: async () => undefined, chunking: { chunkTokens: 256, overlapTokens: 32 }, workers: 1, ownsAllLeases: true, logger: silent });
  const service = new KnowledgeService({ repository: store.knowledge, indexer, embedder: async () => undefined, limits: { maxFileBytes: 50_000_000, allowPrivateUrls: false }, logger: silent });
  await indexer.start();
  // The indexer loads the tokenizer with the first document it chunks (~0.3 s, once per process);
  // loaded here, so the timing is the steady rate that later uploads see.
  await import("../src/knowledge/chunk.js");
  try {
    const started = performance.now();
    await service.addFiles(agentId, documents);
    for (;;) {
      const sources = await service.list(agentId);
      if (sources.every((source) => source.status === "ready")) {
        const seconds = (performance.now() - started) / 1000;
        const megabytes = documents.reduce((total, document) => total + document.bytes.byteLength, 0) / 1_048_576;
        return { chunks: sources.reduce((total, source) => total + source.chunkCount, 0), seconds, files, megabytes };
      }
      if (sources.some((source) => source.status === "failed")) throw new Error("an ingestion benchmark source failed");
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    await indexer[Symbol.asyncDispose]();
  }
}

/** Fills an agent with `count` chunks of Zipf text and random vectors, straight through the repository. */
async function fillCorpus(store: Store, agentId: string, count: number, seed: number): Promise<void> {
  const next = random(seed);
  const { pick } = vocabulary(random(7));
  const perSource = 2_000;
  for (let start = 0; start < count; start += perSource) {
    const size = Math.min(perSource, count - start);
    const { source } = await store.knowledge.putSource({
      id: newId("src"), agentId, name: `corpus-${seed}-${start}.txt`, title: `Corpus ${start}`, format: "text", origin: "upload", url: null,
      sha256: `${seed}-${start}`, content: new Uint8Array([1]), now: new Date().toISOString(),
    });
    const claimed = await store.knowledge.claimNext({ owner: "bench", now: new Date().toISOString(), leaseUntil: new Date(Date.now() + 3_600_000).toISOString() });
    if (!claimed || claimed.source.id !== source.id) throw new Error("could not claim the corpus source");
    const chunks = Array.from({ length: size }, (_, position) => ({
      id: newId("chk"), position, heading: `Part ${start + position}`, text: Array.from({ length: 150 }, pick).join(" "), tokens: 200,
    }));
    await store.knowledge.replaceChunks(claimed.lease, { chunks, title: `Corpus ${start}`, now: new Date().toISOString() });
    for (;;) {
      const batch = await store.knowledge.chunksToEmbed(source.id, "bench-embedder", 500);
      if (batch.length === 0) break;
      await store.knowledge.saveEmbeddings(claimed.lease, { agentId, model: "bench-embedder", vectors: batch.map((chunk) => ({ seq: chunk.seq, vector: randomUnitVector(next) })) });
    }
    await store.knowledge.finish(claimed.lease, { outcome: { status: "ready", embeddingModel: "bench-embedder" }, now: new Date().toISOString() });
  }
}

interface Latency { p50: number; p95: number; max: number }

function latency(samples: readonly number[]): Latency {
  return { p50: median(samples), p95: percentile(samples, 95), max: Math.max(...samples) };
}

/** One hybrid search's store calls, each timed on its own: where the time goes. */
interface Parts { lexical: Latency; vector: Latency; chunks: Latency }

async function measureSearch(store: Store, agentId: string, quick: boolean): Promise<{ lexical: Latency; hybrid: Latency; parts: Parts }> {
  const { pick } = vocabulary(random(7));
  const next = random(5);
  const questions = Array.from({ length: quick ? 60 : QUERIES }, () => Array.from({ length: 2 + Math.floor(next() * 5) }, pick).join(" "));
  const embedder = new InstantEmbedder();
  const indexer = { wake() {} };
  const limits = { maxFileBytes: 1, allowPrivateUrls: false };
  const lexicalOnly = new KnowledgeService({ repository: store.knowledge, indexer, embedder: async () => undefined, limits, logger: silent });
  const hybrid = new KnowledgeService({ repository: store.knowledge, indexer, embedder: async () => embedder, limits, logger: silent });
  const time = async (service: KnowledgeService): Promise<Latency> => {
    for (const question of questions.slice(0, 20)) await service.search(agentId, question, 8);
    const samples: number[] = [];
    for (const question of questions) {
      const started = performance.now();
      await service.search(agentId, question, 8);
      samples.push(performance.now() - started);
    }
    return latency(samples);
  };
  const lexical = await time(lexicalOnly);
  const hybridLatency = await time(hybrid);
  // The same calls KnowledgeService.search makes (lexical top 20, vector top 8, the fused chunks' rows), one by one.
  const samples = { lexical: [] as number[], vector: [] as number[], chunks: [] as number[] };
  for (const question of questions) {
    const [vector] = await embedder.embed([question]);
    let started = performance.now();
    const lexicalHits = await store.knowledge.searchLexical({ agentId, terms: queryTerms(question), limit: 20 });
    samples.lexical.push(performance.now() - started);
    started = performance.now();
    const vectorHits = await store.knowledge.searchVectors({ agentId, model: embedder.modelId, vector: vector!, limit: 8 });
    samples.vector.push(performance.now() - started);
    const fused = fuseRankings([lexicalHits.map((hit) => hit.seq), vectorHits.map((hit) => hit.seq)]).slice(0, 8);
    started = performance.now();
    await store.knowledge.getChunks(fused.map((entry) => entry.seq));
    samples.chunks.push(performance.now() - started);
  }
  return { lexical, hybrid: hybridLatency, parts: { lexical: latency(samples.lexical), vector: latency(samples.vector), chunks: latency(samples.chunks) } };
}

async function run(context: BenchContext): Promise<BenchOutcome> {
  await using store = await openSqliteStore({ file: path.join(context.workDir, "knowledge-bench.db") });
  context.log("knowledge: ingestion");
  const ingestion = await measureIngestion(context, store);
  const chunksPerSecond = ingestion.chunks / ingestion.seconds;

  const sizes = context.quick ? [10_000] : [10_000, 100_000];
  const rows: (string | number)[][] = [];
  const latencies: Record<number, { lexical: Latency; hybrid: Latency; parts: Parts }> = {};
  const partRows: (string | number)[][] = [];
  for (const size of sizes) {
    context.log(`knowledge: building ${size} chunks with vectors`);
    const agentId = await newAgent(store, `search-${size}`);
    await fillCorpus(store, agentId, size, size);
    context.log(`knowledge: searching ${size} chunks`);
    const measured = await measureSearch(store, agentId, context.quick);
    latencies[size] = measured;
    rows.push([size, measured.lexical.p50, measured.lexical.p95, measured.hybrid.p50, measured.hybrid.p95, measured.hybrid.max]);
    const { parts } = measured;
    partRows.push([size, parts.lexical.p50, parts.lexical.p95, parts.vector.p50, parts.vector.p95, parts.chunks.p50, parts.chunks.p95]);
  }
  const largest = latencies[sizes.at(-1)!]!;
  const tables: Table[] = [
    { title: "Ingestion (no embedding model)", columns: ["files", "MiB", "chunks", "seconds", "chunks/s"], rows: [[ingestion.files, ingestion.megabytes, ingestion.chunks, ingestion.seconds, chunksPerSecond]] },
    { title: "Search latency (ms), top 8, one agent's chunks", columns: ["chunks", "lexical p50", "lexical p95", "hybrid p50", "hybrid p95", "hybrid max"], rows },
    { title: "Where a hybrid search's time goes (ms): its store calls timed one by one", columns: ["chunks", "BM25 top 20 p50", "p95", "vector top 8 p50", "p95", "chunk rows p50", "p95"], rows: partRows },
  ];
  return {
    notes: [
      "Ingestion: Markdown manuals (100 sections of four 60-word paragraphs each) uploaded through KnowledgeService and timed until every source is ready (parsed, chunked at 256 tokens with 32 overlap, committed with its FTS5 index); one indexing worker, SQLite file on local disk with synchronous=FULL.",
      `Search: questions of 2–6 words drawn from a 20,000-word Zipf vocabulary over chunks of 150 such words, each chunk with a random ${DIMENSIONS}-dimension unit vector. Hybrid = BM25 (FTS5) top 20 + vector top 8 (sign-bit scan in sqlite-vec for 24 candidates, exact cosine re-score), fused by reciprocal rank, then the 8 passages' rows. The query vector comes from an instant stand-in, so the numbers are the search alone; a real embedding model adds its own time per question.`,
    ],
    tables,
    targets: [
      target({ metric: "ingestion without embeddings", measured: chunksPerSecond, unit: "chunks/s", comparison: ">=", threshold: 2_000 }),
      target({ metric: `hybrid search p95 at ${sizes.at(-1)} chunks`, measured: largest.hybrid.p95, unit: "ms", comparison: "<=", threshold: 20 }),
    ],
    data: { ingestion, latencies },
  };
}

export const knowledge: Benchmark = { name: "knowledge", title: "Knowledge: ingestion throughput and hybrid search latency", run };
