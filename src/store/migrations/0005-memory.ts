import { sql, type Kysely, type Migration } from "kysely";
import { keyText, type SchemaDialect } from "./schema-dialect.js";

/*
 * Memory: what an agent remembers about each person (participant) it talks to, summaries of
 * conversations that outgrew the model's context, one lorebook per agent, and content-addressed
 * media (avatars).
 *
 * Memories go with their agent (cascade); a deleted conversation leaves its memories in place but
 * forgets where they came from (set null). Visitors and users are not foreign keys here (a
 * participant is either), so their repositories delete a person's memories along with them.
 */

type AnyDatabase = Kysely<any>;

export function memorySchema(dialect: SchemaDialect): Migration {
  const key = keyText(dialect);
  const binary = dialect === "postgres" ? sql`bytea` : sql`blob`;
  return {
    async up(db: AnyDatabase): Promise<void> {
      await db.schema
        .createTable("memories")
        .addColumn("id", key, (column) => column.primaryKey())
        .addColumn("agent_id", key, (column) => column.notNull().references("agents.id").onDelete("cascade"))
        .addColumn("participant_id", key, (column) => column.notNull())
        .addColumn("kind", key, (column) => column.notNull())
        .addColumn("content", "text", (column) => column.notNull())
        /** extracted | owner */
        .addColumn("origin", key, (column) => column.notNull())
        .addColumn("conversation_id", key, (column) => column.references("conversations.id").onDelete("set null"))
        .addColumn("created_at", key, (column) => column.notNull())
        .addColumn("updated_at", key, (column) => column.notNull())
        .execute();
      await db.schema.createIndex("memories_person").on("memories").columns(["agent_id", "participant_id", "updated_at"]).execute();
      // Deleting a person (visitor or user) finds their memories across agents; deleting a conversation nulls its references.
      await db.schema.createIndex("memories_participant").on("memories").column("participant_id").execute();
      await db.schema.createIndex("memories_conversation").on("memories").column("conversation_id").execute();

      await db.schema
        .createTable("conversation_summaries")
        .addColumn("id", key, (column) => column.primaryKey())
        .addColumn("conversation_id", key, (column) => column.notNull().references("conversations.id").onDelete("cascade"))
        .addColumn("content", "text", (column) => column.notNull())
        .addColumn("through_message_id", key, (column) => column.notNull())
        .addColumn("covered_messages", "integer", (column) => column.notNull())
        .addColumn("model", "text", (column) => column.notNull())
        .addColumn("created_at", key, (column) => column.notNull())
        .execute();
      await db.schema.createIndex("conversation_summaries_coverage").on("conversation_summaries").columns(["conversation_id", "covered_messages"]).execute();

      await db.schema
        .createTable("lorebooks")
        .addColumn("agent_id", key, (column) => column.primaryKey().references("agents.id").onDelete("cascade"))
        .addColumn("revision", "integer", (column) => column.notNull())
        /** LorebookContent as JSON text. */
        .addColumn("content", "text", (column) => column.notNull())
        .addColumn("updated_at", key, (column) => column.notNull())
        .execute();

      await db.schema
        .createTable("media")
        /** Lowercase hex SHA-256 of the bytes: the name, so the same image is stored once. */
        .addColumn("sha256", key, (column) => column.primaryKey())
        .addColumn("mime", key, (column) => column.notNull())
        .addColumn("bytes", binary, (column) => column.notNull())
        .addColumn("size", "integer", (column) => column.notNull())
        .addColumn("created_at", key, (column) => column.notNull())
        .execute();
    },
    async down(db: AnyDatabase): Promise<void> {
      for (const table of ["media", "lorebooks", "conversation_summaries", "memories"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
