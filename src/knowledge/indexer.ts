import { randomBytes } from "node:crypto";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { AtelierError, type KnowledgeSource, type SourceProgress } from "../contracts/index.js";
import type { EmbeddingEngine } from "../engine/embedding-engine.js";
import { newId } from "../runtime/ids.js";
import type { Logger } from "../runtime/logger.js";
import type { KnowledgeRepository, SourceLease } from "../store/knowledge.js";
import { parseDocument } from "./parse/index.js";
import { Wakeup } from "../runtime/wakeup.js";

/** How long a claim lasts without progress; a worker reports well within it. */
const LEASE_MS = 60_000;
/** Chunks embedded per call and stored per transaction. */
const EMBED_BATCH = 32;
/** How often an idle worker looks for work another process queued (PostgreSQL, several servers). */
const IDLE_POLL_MS = 5_000;

export interface IndexerOptions {
  repository: KnowledgeRepository;
  /** The embedding engine, loaded on first use; undefined when none is configured (lexical only). */
  embedder: () => Promise<EmbeddingEngine | undefined>;
  chunking: { chunkTokens: number; overlapTokens: number };
  workers: number;
  /** A single-process store (SQLite): claims left by a previous run are this process's dead ones. */
  ownsAllLeases: boolean;
  logger: Logger;
  now?: () => Date;
}

/**
 * Indexes queued sources in the background: parse -> chunk -> replace the chunks in one transaction
 * -> embed in batches -> ready. Every write is checked against the lease, so a source deleted or
 * replaced meanwhile, or claimed by another process after a stall, is left to its new owner. A
 * restart resumes where the stored state says: queued sources start over (their chunks are replaced
 * whole, never duplicated); a source already past chunking only embeds what has no vector yet.
 */
export class Indexer {
  readonly #options: IndexerOptions;
  readonly #owner = `indexer-${randomBytes(6).toString("hex")}`;
  readonly #stop = new AbortController();
  readonly #loops: Promise<void>[] = [];
  readonly #wakeup = new Wakeup();
  #now: () => Date;

  constructor(options: IndexerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Starts the workers in the background: loading the embedding model may mean a download. Sources
   * embedded with another model than the configured one are queued again first.
   */
  async start(): Promise<void> {
    if (this.#options.ownsAllLeases) await this.#options.repository.releaseAllLeases(this.#now().toISOString());
    this.#loops.push(this.#begin());
  }

  async #begin(): Promise<void> {
    const { repository, logger } = this.#options;
    const now = this.#now().toISOString();
    const embedder = await this.#options.embedder().catch((error: unknown) => {
      logger.error({ err: error }, "could not load the embedding model; knowledge search stays lexical until it loads");
      return undefined;
    });
    if (embedder && !this.#stop.signal.aborted) {
      const requeued = await repository.requeueStaleEmbeddings(embedder.modelId, now);
      if (requeued > 0) logger.info({ requeued, model: embedder.modelId }, "re-indexing knowledge for the embedding model");
    }
    if (this.#stop.signal.aborted) return;
    for (let index = 0; index < this.#options.workers; index++) this.#loops.push(this.#loop());
  }

  /** Tells idle workers there is work (a source was queued). */
  wake(): void {
    this.#wakeup.wake();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#stop.abort(new AtelierError("aborted", "The server is shutting down."));
    this.#wakeup.wake();
    // Loops started by #begin are pushed while it runs: wait until the list stops growing.
    for (let waited = 0; waited < this.#loops.length; waited = this.#loops.length) await Promise.all(this.#loops);
  }

  async #loop(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        const now = this.#now();
        const claimed = await this.#options.repository.claimNext({ owner: this.#owner, now: now.toISOString(), leaseUntil: new Date(now.getTime() + LEASE_MS).toISOString() });
        if (claimed) {
          await this.#index(claimed.source, claimed.lease, signal);
          await yieldToEventLoop();
        }
        else await this.#wakeup.sleep(IDLE_POLL_MS, signal);
      } catch (error) {
        if (signal.aborted) break;
        this.#options.logger.error({ err: error }, "knowledge indexing failed; retrying shortly");
        await this.#wakeup.sleep(IDLE_POLL_MS, signal);
      }
    }
  }



  async #index(source: KnowledgeSource, lease: SourceLease, signal: AbortSignal): Promise<void> {
    const { repository, logger } = this.#options;
    const started = performance.now();
    try {
      const embedder = await this.#options.embedder().catch(() => undefined);
      // Past chunking already (the progress of this very content says so): only the vectors remain.
      const chunked = source.progress.phase === "embedding";
      if (!chunked && !(await this.#chunk(source, lease, signal))) return;
      if (embedder && !(await this.#embed(source, lease, embedder, signal))) return;
      await repository.finish(lease, { outcome: { status: "ready", embeddingModel: embedder?.modelId ?? null }, now: this.#now().toISOString() });
      logger.info({ sourceId: source.id, name: source.name, ms: Math.round(performance.now() - started) }, "knowledge source indexed");
    } catch (error) {
      // Shutting down: the lease is dropped with the process and the next start picks the source up.
      if (signal.aborted) return;
      const reason = AtelierError.is(error)
        ? error.message
        : `Indexing "${source.name}" failed unexpectedly (${error instanceof Error ? error.message : String(error)}). Re-index it to try again.`;
      logger.warn({ err: error, sourceId: source.id }, "knowledge source failed");
      await repository.finish(lease, { outcome: { status: "failed", error: reason }, now: this.#now().toISOString() });
    }
  }

  async #chunk(source: KnowledgeSource, lease: SourceLease, signal: AbortSignal): Promise<boolean> {
    const { repository } = this.#options;
    if (!(await this.#progress(lease, { phase: "parsing", done: 0, total: 0 }))) return false;
    const bytes = await repository.readContent(source.id);
    if (!bytes) return false;
    // Parsing and chunking run on the event loop: requests waiting between the steps go first.
    await yieldToEventLoop();
    const document = await parseDocument({ name: source.name, format: source.format, bytes, signal });
    signal.throwIfAborted();
    await yieldToEventLoop();
    // Loaded with the first document: the tokenizer's tables take ~0.3 s to load, which start-up need not wait for.
    const { chunkDocument } = await import("./chunk.js");
    const chunks = chunkDocument(document, this.#options.chunking);
    await yieldToEventLoop();
    if (!(await this.#progress(lease, { phase: "chunking", done: chunks.length, total: chunks.length }))) return false;
    const replaced = await repository.replaceChunks(lease, {
      chunks: chunks.map((chunk) => ({ id: newId("chk"), position: chunk.position, heading: chunk.heading, text: chunk.text, tokens: chunk.tokens })),
      title: document.title?.trim() || source.name,
      now: this.#now().toISOString(),
    });
    return replaced;
  }

  async #embed(source: KnowledgeSource, lease: SourceLease, embedder: EmbeddingEngine, signal: AbortSignal): Promise<boolean> {
    const { repository } = this.#options;
    const total = (await repository.getSource(source.id))?.chunkCount ?? 0;
    let done = total - (await repository.countChunksToEmbed(source.id, embedder.modelId));
    for (;;) {
      if (!(await this.#progress(lease, { phase: "embedding", done, total }))) return false;
      await yieldToEventLoop();
      const batch = await repository.chunksToEmbed(source.id, embedder.modelId, EMBED_BATCH);
      if (batch.length === 0) return true;
      // The heading goes with the text: "Refunds" tells the model what a bare "within 30 days" is about.
      const vectors = await embedder.embed(batch.map((chunk) => (chunk.heading ? `${chunk.heading}\n${chunk.text}` : chunk.text)), { signal });
      const saved = await repository.saveEmbeddings(lease, {
        agentId: source.agentId,
        model: embedder.modelId,
        vectors: batch.map((chunk, index) => ({ seq: chunk.seq, vector: vectors[index]! })),
      });
      if (!saved) return false;
      done += batch.length;
    }
  }

  #progress(lease: SourceLease, progress: SourceProgress): Promise<boolean> {
    const now = this.#now();
    return this.#options.repository.reportProgress(lease, { progress, leaseUntil: new Date(now.getTime() + LEASE_MS).toISOString(), now: now.toISOString() });
  }
}
