import { createHash } from "node:crypto";
import path from "node:path";
import {
  AtelierError,
  type AddKnowledgeResult,
  type KnowledgeSearchResult,
  type KnowledgeSource,
  type Passage,
  type RejectedFile,
} from "../contracts/index.js";
import type { EmbeddingEngine } from "../engine/embedding-engine.js";
import { newId } from "../runtime/ids.js";
import type { Logger } from "../runtime/logger.js";
import type { KnowledgeRepository, RankedChunk } from "../store/knowledge.js";
import { fetchDocument } from "./fetch-url.js";
import type { Indexer } from "./indexer.js";
import { detectFormat } from "./parse/index.js";
import { fuseRankings, queryTerms } from "./query-terms.js";

/** The lexical list fuses this many candidates; more costs time, fewer loses passages ranked low in it. */
const FUSION_DEPTH = 20;

export interface IncomingFile {
  name: string;
  mediaType?: string | undefined;
  bytes: Uint8Array;
  /** The upload stopped at the size limit: `bytes` is only the start of the file. */
  truncated?: boolean;
}

export interface KnowledgeServiceOptions {
  repository: KnowledgeRepository;
  indexer: Pick<Indexer, "wake">;
  /** The embedding engine once loaded; undefined when none is configured or it is not loaded yet. */
  embedder: () => Promise<EmbeddingEngine | undefined>;
  limits: { maxFileBytes: number; allowPrivateUrls: boolean };
  logger: Logger;
  now?: () => Date;
  fetch?: typeof fetch;
}

/** An agent's knowledge: adding sources (queued for the indexer), listing, deleting, and retrieval. */
export class KnowledgeService {
  readonly #options: KnowledgeServiceOptions;
  readonly #now: () => Date;

  constructor(options: KnowledgeServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Stores each file and queues it. A file that cannot be taken (unknown type, too large, empty) is
   * refused by name while the rest go ahead; when every file is refused nothing changed, so it throws.
   */
  async addFiles(agentId: string, files: readonly IncomingFile[]): Promise<AddKnowledgeResult> {
    if (files.length === 0) throw new AtelierError("bad_request", "No files were sent. Attach one or more files in the \"files\" field.");
    const sources: KnowledgeSource[] = [];
    const rejected: RejectedFile[] = [];
    for (const file of files) {
      try {
        sources.push(await this.#add({ agentId, name: file.name, mediaType: file.mediaType, bytes: file.bytes, truncated: file.truncated ?? false, origin: "upload", url: null }));
      } catch (error) {
        if (!AtelierError.is(error) || error.code === "not_found" || error.code === "internal") throw error;
        rejected.push({ name: file.name, code: error.code, message: error.message });
      }
    }
    if (sources.length === 0) {
      const first = rejected[0]!;
      throw new AtelierError(rejected.every((item) => item.code === first.code) ? (first.code as AtelierError["code"]) : "bad_request",
        rejected.length === 1 ? first.message : `None of the ${rejected.length} files could be added; nothing was changed.`,
        { issues: rejected.map((item) => ({ path: item.name, message: item.message })) });
    }
    this.#options.indexer.wake();
    return { sources, rejected };
  }

  /** Fetches the page or file at `url` now (so a bad address fails here, not later) and queues it. */
  async addUrl(agentId: string, url: string, options: { signal?: AbortSignal } = {}): Promise<KnowledgeSource> {
    const { limits } = this.#options;
    const fetched = await fetchDocument({ url, maxBytes: limits.maxFileBytes, allowPrivate: limits.allowPrivateUrls, ...(options.signal ? { signal: options.signal } : {}), ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}) });
    const source = await this.#add({ agentId, name: fetched.url, format: fetched.format, bytes: fetched.bytes, origin: "url", url: fetched.url });
    this.#options.indexer.wake();
    return source;
  }

  list(agentId: string): Promise<KnowledgeSource[]> {
    return this.#options.repository.listSources(agentId);
  }

  /** The source, when it belongs to the agent; not_found otherwise (another agent's ids reveal nothing). */
  async get(agentId: string, sourceId: string): Promise<KnowledgeSource> {
    const source = await this.#options.repository.getSource(sourceId);
    if (!source || source.agentId !== agentId) throw new AtelierError("not_found", `This agent has no knowledge source "${sourceId}".`);
    return source;
  }

  async delete(agentId: string, sourceId: string): Promise<void> {
    await this.get(agentId, sourceId);
    await this.#options.repository.deleteSource(sourceId);
  }

  async reindex(agentId: string, sourceId: string): Promise<KnowledgeSource> {
    await this.get(agentId, sourceId);
    const source = await this.#options.repository.requeue(sourceId, this.#now().toISOString());
    if (!source) throw new AtelierError("not_found", `This agent has no knowledge source "${sourceId}".`);
    this.#options.indexer.wake();
    return source;
  }

  /**
   * Hybrid retrieval: BM25 over the words of the question and, when an embedding model is loaded,
   * nearest vectors, fused by reciprocal rank. Lexical alone when there is no embedding model.
   */
  async search(agentId: string, question: string, limit: number): Promise<KnowledgeSearchResult> {
    const started = performance.now();
    const { repository } = this.#options;
    const depth = Math.max(FUSION_DEPTH, limit);
    const embedder = await this.#options.embedder().catch(() => undefined);
    const lexical = repository.searchLexical({ agentId, terms: queryTerms(question), limit: depth });
    let vector: Promise<RankedChunk[]> = Promise.resolve([]);
    if (embedder) {
      // A failing embedding model costs the vector half of the search, never the answer.
      vector = embedder.embed([question]).then(([embedded]) =>
        embedded ? repository.searchVectors({ agentId, model: embedder.modelId, vector: embedded, limit }) : [])
        .catch((error: unknown) => {
          this.#options.logger.warn({ err: error, agentId }, "vector search failed; answering from lexical search");
          return [];
        });
    }
    const [lexicalHits, vectorHits] = await Promise.all([lexical, vector]);
    const fused = fuseRankings([lexicalHits.map((hit) => hit.seq), vectorHits.map((hit) => hit.seq)]).slice(0, limit);
    const chunks = await repository.getChunks(fused.map((entry) => entry.seq));
    const byseq = new Map(fused.map((entry) => [entry.seq, entry]));
    const passages: Passage[] = chunks.map((chunk) => {
      const entry = byseq.get(chunk.seq)!;
      return {
        chunkId: chunk.id,
        sourceId: chunk.sourceId,
        sourceName: chunk.sourceName,
        sourceTitle: chunk.sourceTitle,
        heading: chunk.heading,
        text: chunk.text,
        position: chunk.position,
        score: entry.score,
        lexicalRank: entry.ranks[0] ?? null,
        vectorRank: entry.ranks[1] ?? null,
      };
    });
    return { passages, mode: embedder ? "hybrid" : "lexical", tookMs: Math.round((performance.now() - started) * 100) / 100 };
  }

  /** Whether a turn should retrieve at all. */
  hasKnowledge(agentId: string): Promise<boolean> {
    return this.#options.repository.hasChunks(agentId);
  }

  async #add(input: { agentId: string; name: string; mediaType?: string | undefined; format?: KnowledgeSource["format"]; bytes: Uint8Array; truncated?: boolean; origin: "upload" | "url"; url: string | null }): Promise<KnowledgeSource> {
    const name = input.origin === "upload" ? path.basename(input.name.replaceAll("\\", "/")).trim() : input.name;
    if (!name || name.length > 500) throw new AtelierError("bad_request", `"${input.name.slice(0, 80)}" is not a usable file name.`);
    const format = input.format ?? detectFormat({ name, mediaType: input.mediaType });
    if (!format) {
      throw new AtelierError("unsupported_media_type", `"${name}" is not a supported file type. Add .txt, .md, .html, .pdf, .docx, .csv or .json files.`);
    }
    const { maxFileBytes } = this.#options.limits;
    if (input.truncated || input.bytes.byteLength > maxFileBytes) {
      throw new AtelierError("payload_too_large", `"${name}" is larger than ${maxFileBytes} bytes, the most this server takes. Split it into smaller files.`);
    }
    if (input.bytes.byteLength === 0) throw new AtelierError("bad_request", `"${name}" is empty.`);
    const { source } = await this.#options.repository.putSource({
      id: newId("src"),
      agentId: input.agentId,
      name,
      title: name,
      format,
      origin: input.origin,
      url: input.url,
      sha256: createHash("sha256").update(input.bytes).digest("hex"),
      content: input.bytes,
      now: this.#now().toISOString(),
    });
    return source;
  }
}
