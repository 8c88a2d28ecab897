import type { Kysely, Migration } from "kysely";
import { keyText, type SchemaDialect } from "./schema-dialect.js";

/*
 * Written with the schema builder and portable types only (text, integer, double precision), so
 * the same migration creates the schema on SQLite and PostgreSQL; identifiers and timestamps are
 * `keyText`, bytewise-ordered on both (see schema-dialect.ts). A migration is frozen once
 * released: it must keep producing the schema of its day, hence Kysely<any> rather than the
 * current Database type (Kysely's own guidance).
 */

type AnyDatabase = Kysely<any>;

export function initialSchema(dialect: SchemaDialect): Migration {
  const key = keyText(dialect);
  return {
    async up(db: AnyDatabase): Promise<void> {
      await db.schema
        .createTable("agents")
        .addColumn("id", key, (column) => column.primaryKey())
        .addColumn("handle", key, (column) => column.notNull())
        .addColumn("current_version", "integer", (column) => column.notNull())
        .addColumn("created_at", key, (column) => column.notNull())
        .addColumn("updated_at", key, (column) => column.notNull())
        .addUniqueConstraint("agents_handle_unique", ["handle"])
        .execute();
      await db.schema.createIndex("agents_created_idx").on("agents").columns(["created_at", "id"]).execute();

      await db.schema
        .createTable("agent_versions")
        .addColumn("agent_id", key, (column) => column.notNull().references("agents.id").onDelete("cascade"))
        .addColumn("version", "integer", (column) => column.notNull())
        .addColumn("profile", "text", (column) => column.notNull())
        .addColumn("created_at", key, (column) => column.notNull())
        .addPrimaryKeyConstraint("agent_versions_pk", ["agent_id", "version"])
        .execute();

      await db.schema
        .createTable("conversations")
        .addColumn("id", key, (column) => column.primaryKey())
        .addColumn("agent_id", key, (column) => column.notNull().references("agents.id").onDelete("cascade"))
        .addColumn("participant_id", key, (column) => column.notNull())
        .addColumn("title", "text", (column) => column.notNull())
        .addColumn("created_at", key, (column) => column.notNull())
        .addColumn("updated_at", key, (column) => column.notNull())
        .execute();
      // id completes the (updated_at, id) keyset the list cursor pages by; the first index also serves the FK cascade.
      await db.schema.createIndex("conversations_agent_updated_idx").on("conversations").columns(["agent_id", "updated_at", "id"]).execute();
      await db.schema.createIndex("conversations_updated_idx").on("conversations").columns(["updated_at", "id"]).execute();

      await db.schema
        .createTable("messages")
        .addColumn("id", key, (column) => column.primaryKey())
        .addColumn("conversation_id", key, (column) => column.notNull().references("conversations.id").onDelete("cascade"))
        .addColumn("seq", "integer", (column) => column.notNull())
        .addColumn("role", "text", (column) => column.notNull())
        .addColumn("content", "text", (column) => column.notNull())
        .addColumn("status", "text", (column) => column.notNull())
        .addColumn("finish_reason", "text")
        .addColumn("prompt_tokens", "integer")
        .addColumn("evaluated_prompt_tokens", "integer")
        .addColumn("completion_tokens", "integer")
        .addColumn("model", "text")
        .addColumn("agent_version", "integer")
        .addColumn("created_at", key, (column) => column.notNull())
        .addColumn("completed_at", key)
        .addColumn("first_token_ms", "double precision")
        .addColumn("duration_ms", "double precision")
        .addColumn("replaced_by", key)
        .execute();
      // Unique, not just an index: a second writer that computed the same seq fails instead of forking the order.
      await db.schema.createIndex("messages_conversation_seq_idx").on("messages").columns(["conversation_id", "seq"]).unique().execute();
    },

    async down(db: AnyDatabase): Promise<void> {
      await db.schema.dropTable("messages").execute();
      await db.schema.dropTable("conversations").execute();
      await db.schema.dropTable("agent_versions").execute();
      await db.schema.dropTable("agents").execute();
    },
  };
}
