import type { Kysely, Selectable, Transaction } from "kysely";
import { AtelierError, KnowledgeSource, type SourceProgress } from "../../contracts/index.js";
import type { KnowledgeRepository, NewChunk, NewSource, RankedChunk, SourceLease, StoredChunk } from "../knowledge.js";
import type { Database, KnowledgeSourcesTable } from "./database.js";
import { knowledgeSearchFor, type KnowledgeSearchDialect } from "./knowledge-search.js";
import type { StoreContext } from "./store-context.js";
import { parseStored, parseStoredJson } from "./stored-data.js";

type SourceRow = Selectable<KnowledgeSourcesTable>;

const WAITING: SourceProgress = { phase: "waiting", done: 0, total: 0 };
/** Rows per INSERT: SQLite allows 32,766 bound values; chunks bind 9 each. */
const CHUNK_BATCH = 1000;

export class KyselyKnowledgeRepository implements KnowledgeRepository {
  readonly #context: StoreContext;
  readonly #search: KnowledgeSearchDialect;

  constructor(context: StoreContext) {
    this.#context = context;
    this.#search = knowledgeSearchFor(context.dialect);
  }

  async putSource(input: NewSource): Promise<{ source: KnowledgeSource; unchanged: boolean }> {
    const { errors } = this.#context;
    try {
      return await this.#context.db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom("knowledge_sources").selectAll()
          .where("agent_id", "=", input.agentId).where("name", "=", input.name).executeTakeFirst();
        if (existing && existing.sha256 === input.sha256 && existing.status !== "failed") {
          return { source: toSource(existing), unchanged: true };
        }
        const content = Buffer.from(input.content.buffer, input.content.byteOffset, input.content.byteLength);
        const fields = {
          title: input.title,
          format: input.format,
          origin: input.origin,
          url: input.url,
          bytes: input.content.byteLength,
          sha256: input.sha256,
          status: "queued",
          progress: JSON.stringify(WAITING),
          error: null,
          lease_owner: null,
          lease_until: null,
          updated_at: input.now,
        };
        let row: SourceRow;
        if (existing) {
          // The old chunks stay searchable until the new ones replace them in one transaction.
          row = await trx.updateTable("knowledge_sources").set(fields).where("id", "=", existing.id).returningAll().executeTakeFirstOrThrow();
          await trx.updateTable("knowledge_contents").set({ content }).where("source_id", "=", existing.id).execute();
        } else {
          row = await trx.insertInto("knowledge_sources")
            .values({ ...fields, id: input.id, agent_id: input.agentId, name: input.name, chunk_count: 0, embedding_model: null, created_at: input.now })
            .returningAll().executeTakeFirstOrThrow();
          await trx.insertInto("knowledge_contents").values({ source_id: input.id, content }).execute();
        }
        return { source: toSource(row), unchanged: false };
      });
    } catch (error) {
      if (errors.isForeignKeyViolation(error)) throw new AtelierError("not_found", `No agent "${input.agentId}".`, { cause: error });
      throw error;
    }
  }

  async getSource(id: string): Promise<KnowledgeSource | undefined> {
    const row = await this.#context.db.selectFrom("knowledge_sources").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toSource(row);
  }

  async listSources(agentId: string): Promise<KnowledgeSource[]> {
    const rows = await this.#context.db.selectFrom("knowledge_sources").selectAll()
      .where("agent_id", "=", agentId).orderBy("created_at").orderBy("id").execute();
    return rows.map(toSource);
  }

  async readContent(sourceId: string): Promise<Uint8Array | undefined> {
    const row = await this.#context.db.selectFrom("knowledge_contents").select("content").where("source_id", "=", sourceId).executeTakeFirst();
    return row?.content;
  }

  async deleteSource(id: string): Promise<boolean> {
    const result = await this.#context.db.deleteFrom("knowledge_sources").where("id", "=", id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async requeue(id: string, now: string): Promise<KnowledgeSource | undefined> {
    const row = await this.#context.db.updateTable("knowledge_sources")
      .set({ status: "queued", progress: JSON.stringify(WAITING), error: null, lease_owner: null, lease_until: null, updated_at: now })
      .where("id", "=", id).returningAll().executeTakeFirst();
    return row && toSource(row);
  }

  async requeueStaleEmbeddings(model: string | null, now: string): Promise<number> {
    const result = await this.#context.db.updateTable("knowledge_sources")
      .set({ status: "queued", progress: JSON.stringify(WAITING), updated_at: now })
      .where("status", "=", "ready")
      .where((eb) => (model === null ? eb("embedding_model", "is not", null) : eb.or([eb("embedding_model", "is", null), eb("embedding_model", "!=", model)])))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async releaseAllLeases(now: string): Promise<number> {
    const result = await this.#context.db.updateTable("knowledge_sources")
      .set({ status: "queued", lease_owner: null, lease_until: null, updated_at: now })
      .where("status", "=", "indexing").executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async claimNext(input: { owner: string; now: string; leaseUntil: string }): Promise<{ source: KnowledgeSource; lease: SourceLease } | undefined> {
    const { db, dialect } = this.#context;
    const next = db.selectFrom("knowledge_sources").select("id")
      .where((eb) => eb.or([eb("status", "=", "queued"), eb.and([eb("status", "=", "indexing"), eb("lease_until", "<", input.now)])]))
      .orderBy("updated_at").orderBy("id").limit(1);
    // Several PostgreSQL processes claim at once: each skips rows another is claiming.
    const candidate = dialect === "postgres" ? next.forUpdate().skipLocked() : next;
    const row = await db.updateTable("knowledge_sources")
      .set({ status: "indexing", lease_owner: input.owner, lease_until: input.leaseUntil })
      .where("id", "=", (eb) => eb.selectFrom(candidate.as("next")).select("next.id"))
      .returningAll().executeTakeFirst();
    if (!row) return undefined;
    return { source: toSource(row), lease: { sourceId: row.id, owner: input.owner, sha256: row.sha256 } };
  }

  async reportProgress(lease: SourceLease, input: { progress: SourceProgress; leaseUntil: string; now: string }): Promise<boolean> {
    const result = await leased(this.#context.db, lease)
      .set({ progress: JSON.stringify(input.progress), lease_until: input.leaseUntil, updated_at: input.now })
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async replaceChunks(lease: SourceLease, input: { chunks: readonly NewChunk[]; title: string; now: string }): Promise<boolean> {
    return this.#context.db.transaction().execute(async (trx) => {
      const claimed = await leased(trx, lease)
        .set({ title: input.title, chunk_count: input.chunks.length, embedding_model: null, updated_at: input.now })
        .executeTakeFirst();
      if (claimed.numUpdatedRows === 0n) return false;
      const source = await trx.selectFrom("knowledge_sources").select("agent_id").where("id", "=", lease.sourceId).executeTakeFirstOrThrow();
      // Deleting chunks cascades to their vectors; triggers keep the search indexes in step.
      await trx.deleteFrom("knowledge_chunks").where("source_id", "=", lease.sourceId).execute();
      for (let start = 0; start < input.chunks.length; start += CHUNK_BATCH) {
        const rows = input.chunks.slice(start, start + CHUNK_BATCH).map((chunk) => ({
          id: chunk.id,
          source_id: lease.sourceId,
          agent_id: source.agent_id,
          position: chunk.position,
          title: input.title,
          heading: chunk.heading,
          text: chunk.text,
          tokens: chunk.tokens,
        }));
        await trx.insertInto("knowledge_chunks").values(rows).execute();
      }
      return true;
    });
  }

  async countChunksToEmbed(sourceId: string, model: string): Promise<number> {
    const row = await this.#withoutVector(sourceId, model).select((eb) => eb.fn.countAll<number>().as("count")).executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async chunksToEmbed(sourceId: string, model: string, limit: number): Promise<Array<{ seq: number; heading: string; text: string }>> {
    return this.#withoutVector(sourceId, model).select(["c.seq", "c.heading", "c.text"]).orderBy("c.position").limit(limit).execute();
  }

  /** The source's chunks that have no vector from `model`. */
  #withoutVector(sourceId: string, model: string) {
    return this.#context.db.selectFrom("knowledge_chunks as c")
      .leftJoin("knowledge_embeddings as e", (join) => join.onRef("e.chunk_seq", "=", "c.seq").on("e.model", "=", model))
      .where("c.source_id", "=", sourceId).where("e.chunk_seq", "is", null);
  }

  async saveEmbeddings(lease: SourceLease, input: { agentId: string; model: string; vectors: ReadonlyArray<{ seq: number; vector: Float32Array }> }): Promise<boolean> {
    return this.#context.db.transaction().execute(async (trx) => {
      const claimed = await leased(trx, lease).set({ embedding_model: input.model }).executeTakeFirst();
      if (claimed.numUpdatedRows === 0n) return false;
      await this.#search.saveVectors(trx, input);
      return true;
    });
  }

  async finish(lease: SourceLease, input: { outcome: { status: "ready"; embeddingModel: string | null } | { status: "failed"; error: string }; now: string }): Promise<boolean> {
    const { outcome } = input;
    return this.#context.db.transaction().execute(async (trx) => {
      const done: SourceProgress = { phase: "done", done: 0, total: 0 };
      const result = await leased(trx, lease)
        .set({
          status: outcome.status,
          progress: JSON.stringify(done),
          error: outcome.status === "failed" ? outcome.error : null,
          embedding_model: outcome.status === "ready" ? outcome.embeddingModel : null,
          lease_owner: null,
          lease_until: null,
          updated_at: input.now,
          ...(outcome.status === "failed" ? { chunk_count: 0 } : {}),
        })
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      // A failed source answers nothing: its old chunks would be stale answers nobody can see the cause of.
      if (outcome.status === "failed") await trx.deleteFrom("knowledge_chunks").where("source_id", "=", lease.sourceId).execute();
      // Vectors from another model (or all, when lexical only) cannot be searched with this one's.
      const stale = trx.deleteFrom("knowledge_embeddings").where("chunk_seq", "in", (eb) => eb.selectFrom("knowledge_chunks").select("seq").where("source_id", "=", lease.sourceId));
      if (outcome.status === "ready") {
        await (outcome.embeddingModel === null ? stale : stale.where("model", "!=", outcome.embeddingModel)).execute();
      }
      return true;
    });
  }

  searchLexical(input: { agentId: string; terms: readonly string[]; limit: number }): Promise<RankedChunk[]> {
    if (input.terms.length === 0) return Promise.resolve([]);
    return this.#search.lexical(this.#context.db, input);
  }

  searchVectors(input: { agentId: string; model: string; vector: Float32Array; limit: number }): Promise<RankedChunk[]> {
    return this.#search.vectors(this.#context.db, input);
  }

  async getChunks(seqs: readonly number[]): Promise<StoredChunk[]> {
    if (seqs.length === 0) return [];
    const rows = await this.#context.db.selectFrom("knowledge_chunks as c")
      .innerJoin("knowledge_sources as s", "s.id", "c.source_id")
      .select(["c.seq", "c.id", "c.source_id", "s.name", "s.title", "c.position", "c.heading", "c.text"])
      .where("c.seq", "in", [...seqs]).execute();
    const bySeq = new Map(rows.map((row) => [row.seq, row]));
    return seqs.flatMap((seq) => {
      const row = bySeq.get(seq);
      return row
        ? [{ seq: row.seq, id: row.id, sourceId: row.source_id, sourceName: row.name, sourceTitle: row.title, position: row.position, heading: row.heading, text: row.text }]
        : [];
    });
  }

  async hasChunks(agentId: string): Promise<boolean> {
    const row = await this.#context.db.selectFrom("knowledge_chunks").select("seq").where("agent_id", "=", agentId).limit(1).executeTakeFirst();
    return row !== undefined;
  }
}

/** An update of the source that matches only while `lease` still holds it. */
function leased(db: Kysely<Database> | Transaction<Database>, lease: SourceLease) {
  return db.updateTable("knowledge_sources")
    .where("id", "=", lease.sourceId)
    .where("status", "=", "indexing")
    .where("lease_owner", "=", lease.owner)
    .where("sha256", "=", lease.sha256);
}

function toSource(row: SourceRow): KnowledgeSource {
  return parseStored(
    KnowledgeSource,
    {
      id: row.id,
      agentId: row.agent_id,
      name: row.name,
      title: row.title,
      format: row.format,
      origin: row.origin,
      url: row.url,
      bytes: Number(row.bytes),
      sha256: row.sha256,
      status: row.status,
      progress: parseStoredJson(row.progress, `progress of knowledge source "${row.id}"`),
      error: row.error,
      chunkCount: Number(row.chunk_count),
      embeddingModel: row.embedding_model,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    `knowledge source "${row.id}"`,
  );
}
