import type { DocumentFormat, KnowledgeSource, SourceProgress } from "../contracts/index.js";

export interface NewSource {
  id: string;
  agentId: string;
  name: string;
  title: string;
  format: DocumentFormat;
  origin: "upload" | "url";
  url: string | null;
  sha256: string;
  content: Uint8Array;
  now: string;
}

export interface NewChunk {
  id: string;
  position: number;
  heading: string;
  text: string;
  tokens: number;
}

/** A chunk with what retrieval shows of its source. */
export interface StoredChunk {
  seq: number;
  id: string;
  sourceId: string;
  sourceName: string;
  sourceTitle: string;
  position: number;
  heading: string;
  text: string;
}

export interface RankedChunk {
  seq: number;
  /** Higher is better, comparable only within one result list. */
  score: number;
}

/** A claim on a source being indexed; lost when the lease runs out or the source is deleted or replaced. */
export interface SourceLease {
  sourceId: string;
  owner: string;
  /** The sha256 claimed: a replacement uploaded meanwhile makes the lease stale. */
  sha256: string;
}

/**
 * An agent's knowledge: sources (with their stored bytes), chunks, embeddings, and search. Indexing
 * is a job on the source row: claim -> progress -> replace chunks -> embed -> finish, each step
 * checked against the lease so a worker that lost its claim (restart, replacement, delete) changes
 * nothing. Chunks of a source are replaced in one transaction: never half old, half new.
 */
export interface KnowledgeRepository {
  /**
   * Adds the source, or replaces the agent's source of the same name, queued for indexing. Content
   * identical to a ready source changes nothing (`unchanged`). Throws not_found (agent).
   */
  putSource(input: NewSource): Promise<{ source: KnowledgeSource; unchanged: boolean }>;
  getSource(id: string): Promise<KnowledgeSource | undefined>;
  /** Oldest first. */
  listSources(agentId: string): Promise<KnowledgeSource[]>;
  readContent(sourceId: string): Promise<Uint8Array | undefined>;
  /** Removes the source with its content, chunks and vectors. False when there was none. */
  deleteSource(id: string): Promise<boolean>;
  /** Queues the source to be indexed again from its stored content. */
  requeue(id: string, now: string): Promise<KnowledgeSource | undefined>;
  /** Queues every ready source whose vectors are not from `model` (null: lexical only, vectors dropped). */
  requeueStaleEmbeddings(model: string | null, now: string): Promise<number>;
  /** Hands claims of this store's dead workers back to the queue (a single-process store after a restart). */
  releaseAllLeases(now: string): Promise<number>;

  /** Takes the oldest queued source, or one whose lease ran out, for `owner` until `leaseUntil`. */
  claimNext(input: { owner: string; now: string; leaseUntil: string }): Promise<{ source: KnowledgeSource; lease: SourceLease } | undefined>;
  /** Records progress and extends the lease; false when the lease was lost (stop work). */
  reportProgress(lease: SourceLease, input: { progress: SourceProgress; leaseUntil: string; now: string }): Promise<boolean>;
  /** Replaces every chunk of the source at once (and drops their vectors); false when the lease was lost. */
  replaceChunks(lease: SourceLease, input: { chunks: readonly NewChunk[]; title: string; now: string }): Promise<boolean>;
  /** How many chunks of the source have no vector from `model` yet. */
  countChunksToEmbed(sourceId: string, model: string): Promise<number>;
  /** Chunks of the source without a vector from `model`, in position order. */
  chunksToEmbed(sourceId: string, model: string, limit: number): Promise<Array<{ seq: number; heading: string; text: string }>>;
  /** Stores vectors (unit length, all of one size); false when the lease was lost. */
  saveEmbeddings(lease: SourceLease, input: { agentId: string; model: string; vectors: ReadonlyArray<{ seq: number; vector: Float32Array }> }): Promise<boolean>;
  /** Ends the job: ready (with the embedding model used) or failed with a reason. False when the lease was lost. */
  finish(lease: SourceLease, input: { outcome: { status: "ready"; embeddingModel: string | null } | { status: "failed"; error: string }; now: string }): Promise<boolean>;

  /** BM25 (SQLite FTS5) or ts_rank_cd (PostgreSQL) over the agent's chunks; best first. */
  searchLexical(input: { agentId: string; terms: readonly string[]; limit: number }): Promise<RankedChunk[]>;
  /** Nearest chunks by cosine among vectors from `model`; best first. */
  searchVectors(input: { agentId: string; model: string; vector: Float32Array; limit: number }): Promise<RankedChunk[]>;
  /** The chunks, in the order of `seqs`; missing ones (deleted meanwhile) left out. */
  getChunks(seqs: readonly number[]): Promise<StoredChunk[]>;
  /** Whether the agent has any chunk: a turn skips retrieval when it has none. */
  hasChunks(agentId: string): Promise<boolean>;
}
