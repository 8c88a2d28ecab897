import { sql, type Kysely, type Migration } from "kysely";
import { keyText, type SchemaDialect } from "./schema-dialect.js";

/*
 * Knowledge: an agent's sources (the uploaded bytes kept beside them, so indexing can resume or run
 * again after a restart), their chunks, and the chunks' embeddings. Messages gain their citations.
 *
 * Chunks have an integer `seq` besides their text id: SQLite's FTS5 and sqlite-vec index rows by an
 * integer rowid. AUTOINCREMENT (SQLite) and an identity column (PostgreSQL) never hand out a seq
 * twice, so an index entry left behind can never point at a newer chunk.
 *
 * Lexical search: SQLite keeps an FTS5 index in step with knowledge_chunks through triggers (BM25);
 * PostgreSQL a generated tsvector with a GIN index. Vector search tables depend on the embedding
 * model's dimensions and are made when the first vector of a size arrives (see the repository).
 */

type AnyDatabase = Kysely<any>;

export function knowledgeSchema(dialect: SchemaDialect): Migration {
  const key = keyText(dialect);
  const binary = dialect === "postgres" ? sql`bytea` : sql`blob`;
  return {
    async up(db: AnyDatabase): Promise<void> {
      await db.schema
        .createTable("knowledge_sources")
        .addColumn("id", key, (column) => column.primaryKey())
        .addColumn("agent_id", key, (column) => column.notNull().references("agents.id").onDelete("cascade"))
        .addColumn("name", "text", (column) => column.notNull())
        .addColumn("title", "text", (column) => column.notNull())
        .addColumn("format", "text", (column) => column.notNull())
        .addColumn("origin", "text", (column) => column.notNull())
        .addColumn("url", "text")
        .addColumn("bytes", "integer", (column) => column.notNull())
        .addColumn("sha256", key, (column) => column.notNull())
        .addColumn("status", key, (column) => column.notNull())
        .addColumn("progress", "text", (column) => column.notNull())
        .addColumn("error", "text")
        .addColumn("chunk_count", "integer", (column) => column.notNull().defaultTo(0))
        .addColumn("embedding_model", "text")
        /** Which worker indexes it, until when: a crashed worker's claim runs out and another takes over. */
        .addColumn("lease_owner", key)
        .addColumn("lease_until", key)
        .addColumn("created_at", key, (column) => column.notNull())
        .addColumn("updated_at", key, (column) => column.notNull())
        .addUniqueConstraint("knowledge_sources_agent_name_unique", ["agent_id", "name"])
        .execute();
      await db.schema.createIndex("knowledge_sources_status").on("knowledge_sources").columns(["status", "lease_until"]).execute();

      await db.schema
        .createTable("knowledge_contents")
        .addColumn("source_id", key, (column) => column.primaryKey().references("knowledge_sources.id").onDelete("cascade"))
        .addColumn("content", binary, (column) => column.notNull())
        .execute();

      await db.schema
        .createTable("knowledge_chunks")
        .addColumn("seq", "integer", (column) =>
          dialect === "postgres" ? column.primaryKey().generatedAlwaysAsIdentity() : column.primaryKey().autoIncrement())
        .addColumn("id", key, (column) => column.notNull().unique())
        .addColumn("source_id", key, (column) => column.notNull().references("knowledge_sources.id").onDelete("cascade"))
        .addColumn("agent_id", key, (column) => column.notNull())
        .addColumn("position", "integer", (column) => column.notNull())
        .addColumn("title", "text", (column) => column.notNull())
        .addColumn("heading", "text", (column) => column.notNull())
        .addColumn("text", "text", (column) => column.notNull())
        .addColumn("tokens", "integer", (column) => column.notNull())
        .addUniqueConstraint("knowledge_chunks_source_position_unique", ["source_id", "position"])
        .execute();
      await db.schema.createIndex("knowledge_chunks_agent").on("knowledge_chunks").column("agent_id").execute();

      await db.schema
        .createTable("knowledge_embeddings")
        .addColumn("chunk_seq", "integer", (column) => column.primaryKey().references("knowledge_chunks.seq").onDelete("cascade"))
        .addColumn("agent_id", key, (column) => column.notNull())
        .addColumn("model", "text", (column) => column.notNull())
        .addColumn("dimensions", "integer", (column) => column.notNull())
        /** float32 little-endian, unit length: the exact vector, for re-scoring. */
        .addColumn("vector", binary, (column) => column.notNull())
        .$call((table) => (dialect === "postgres" ? table.addColumn("bits", sql`bit varying`, (column) => column.notNull()) : table))
        .execute();
      await db.schema.createIndex("knowledge_embeddings_agent_model").on("knowledge_embeddings").columns(["agent_id", "model"]).execute();

      await db.schema.alterTable("messages").addColumn("citations", "text").execute();

      if (dialect === "sqlite") {
        await sql`create virtual table knowledge_fts using fts5(
          title, heading, text,
          content = 'knowledge_chunks', content_rowid = 'seq',
          tokenize = 'porter unicode61 remove_diacritics 2'
        )`.execute(db);
        await sql`create trigger knowledge_chunks_fts_insert after insert on knowledge_chunks begin
          insert into knowledge_fts (rowid, title, heading, text) values (new.seq, new.title, new.heading, new.text);
        end`.execute(db);
        await sql`create trigger knowledge_chunks_fts_delete after delete on knowledge_chunks begin
          insert into knowledge_fts (knowledge_fts, rowid, title, heading, text) values ('delete', old.seq, old.title, old.heading, old.text);
        end`.execute(db);
      } else {
        await sql`alter table knowledge_chunks add column tsv tsvector generated always as (
          setweight(to_tsvector('english', title), 'A') ||
          setweight(to_tsvector('english', heading), 'B') ||
          to_tsvector('english', text)
        ) stored`.execute(db);
        await sql`create index knowledge_chunks_tsv on knowledge_chunks using gin (tsv)`.execute(db);
      }
    },
    async down(db: AnyDatabase): Promise<void> {
      if (dialect === "sqlite") {
        // Vector tables were made at runtime, one per dimension count, each with its delete trigger.
        const { rows } = await sql<{ name: string }>`select name from sqlite_schema where type = 'table' and name glob 'knowledge_vec_[0-9]*' and sql like 'CREATE VIRTUAL%'`.execute(db);
        for (const { name } of rows) await sql`drop table ${sql.table(name)}`.execute(db);
        await sql`drop table knowledge_fts`.execute(db);
      }
      await db.schema.alterTable("messages").dropColumn("citations").execute();
      for (const table of ["knowledge_embeddings", "knowledge_chunks", "knowledge_contents", "knowledge_sources"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
