import { sql, type Kysely, type Migration } from "kysely";
import { keyText, type SchemaDialect } from "./schema-dialect.js";

/*
 * Publishing: agents gain a visibility, the version visitors talk to, publish settings (JSON) and an
 * identity secret; conversations a mode (ai/owner: takeover), a channel and the owner's read mark;
 * messages an author (agent/owner) and a review state; visitors an external key (identities an
 * embedding site signs); API keys the agents they may use. New tables: API key usage per day and
 * agent, fixed-window counters for visitor quotas, webhooks and their delivery outbox.
 *
 * Booleans are integers 0/1 on both databases, so one query layer reads them.
 */

type AnyDatabase = Kysely<any>;

export function publishSchema(dialect: SchemaDialect): Migration {
  const key = keyText(dialect);
  return {
    async up(db: AnyDatabase): Promise<void> {
      await db.schema.alterTable("agents").addColumn("visibility", key, (column) => column.notNull().defaultTo("private")).execute();
      await db.schema.alterTable("agents").addColumn("published_version", "integer").execute();
      await db.schema.alterTable("agents").addColumn("publish_settings", "text", (column) => column.notNull().defaultTo("{}")).execute();
      await db.schema.alterTable("agents").addColumn("identity_secret", "text").execute();
      // Agents published before visibility existed were reachable by handle and listed: public, pinned to their current version.
      await sql`update agents set visibility = 'public', published_version = current_version where published_at is not null`.execute(db);
      await db.schema.createIndex("agents_visibility").on("agents").columns(["visibility", "published_at"]).execute();

      await db.schema.alterTable("conversations").addColumn("mode", key, (column) => column.notNull().defaultTo("ai")).execute();
      await db.schema.alterTable("conversations").addColumn("channel", key, (column) => column.notNull().defaultTo("studio")).execute();
      await db.schema.alterTable("conversations").addColumn("owner_read_at", key).execute();

      await db.schema.alterTable("messages").addColumn("author", key).execute();
      await db.schema.alterTable("messages").addColumn("review", key).execute();
      await sql`update messages set author = 'agent' where role = 'assistant'`.execute(db);

      await db.schema.alterTable("visitors").addColumn("external_key", key).execute();
      await db.schema.createIndex("visitors_external_key_unique").on("visitors").column("external_key").unique().execute();

      await db.schema.alterTable("api_keys").addColumn("agent_ids", "text").execute();

      await db.schema
        .createTable("api_key_usage")
        .addColumn("key_id", key, (column) => column.notNull().references("api_keys.id").onDelete("cascade"))
        .addColumn("day", key, (column) => column.notNull())
        .addColumn("agent_id", key, (column) => column.notNull())
        .addColumn("requests", "integer", (column) => column.notNull().defaultTo(0))
        .addColumn("prompt_tokens", "integer", (column) => column.notNull().defaultTo(0))
        .addColumn("completion_tokens", "integer", (column) => column.notNull().defaultTo(0))
        .addPrimaryKeyConstraint("api_key_usage_pk", ["key_id", "day", "agent_id"])
        .execute();

      await db.schema
        .createTable("quota_counters")
        /** "visitor:<agentId>:<participantId>" or "agent:<agentId>", with the period it counts ("m:2026-11-24T10:05", "d:2026-11-24"). */
        .addColumn("scope", key, (column) => column.notNull())
        .addColumn("period", key, (column) => column.notNull())
        .addColumn("count", "integer", (column) => column.notNull())
        /** When the period ends: rows past it are deleted now and then. */
        .addColumn("expires_at", key, (column) => column.notNull())
        .addPrimaryKeyConstraint("quota_counters_pk", ["scope", "period"])
        .execute();
      await db.schema.createIndex("quota_counters_expires").on("quota_counters").column("expires_at").execute();

      await db.schema
        .createTable("webhooks")
        .addColumn("id", key, (column) => column.primaryKey())
        .addColumn("owner_id", key, (column) => column.notNull().references("users.id").onDelete("cascade"))
        .addColumn("url", "text", (column) => column.notNull())
        .addColumn("secret", "text", (column) => column.notNull())
        /** WebhookEventType[] as JSON text. */
        .addColumn("events", "text", (column) => column.notNull())
        .addColumn("description", "text", (column) => column.notNull())
        .addColumn("enabled", "integer", (column) => column.notNull())
        .addColumn("created_at", key, (column) => column.notNull())
        .addColumn("updated_at", key, (column) => column.notNull())
        .execute();
      await db.schema.createIndex("webhooks_owner").on("webhooks").column("owner_id").execute();

      await db.schema
        .createTable("webhook_deliveries")
        .addColumn("id", key, (column) => column.primaryKey())
        .addColumn("webhook_id", key, (column) => column.notNull().references("webhooks.id").onDelete("cascade"))
        .addColumn("event", key, (column) => column.notNull())
        /** The JSON body exactly as signed and sent. */
        .addColumn("payload", "text", (column) => column.notNull())
        .addColumn("status", key, (column) => column.notNull())
        .addColumn("attempts", "integer", (column) => column.notNull().defaultTo(0))
        .addColumn("next_attempt_at", key)
        .addColumn("last_status", "integer")
        .addColumn("last_error", "text")
        /** A sender's claim: another sender takes over once it has run out. */
        .addColumn("lease_until", key)
        .addColumn("created_at", key, (column) => column.notNull())
        .addColumn("delivered_at", key)
        .execute();
      await db.schema.createIndex("webhook_deliveries_due").on("webhook_deliveries").columns(["status", "next_attempt_at"]).execute();
      await db.schema.createIndex("webhook_deliveries_webhook").on("webhook_deliveries").columns(["webhook_id", "created_at"]).execute();
    },
    async down(db: AnyDatabase): Promise<void> {
      await db.schema.dropTable("webhook_deliveries").execute();
      await db.schema.dropTable("webhooks").execute();
      await db.schema.dropTable("quota_counters").execute();
      await db.schema.dropTable("api_key_usage").execute();
      await db.schema.alterTable("api_keys").dropColumn("agent_ids").execute();
      await db.schema.dropIndex("visitors_external_key_unique").execute();
      await db.schema.alterTable("visitors").dropColumn("external_key").execute();
      await db.schema.alterTable("messages").dropColumn("review").execute();
      await db.schema.alterTable("messages").dropColumn("author").execute();
      await db.schema.alterTable("conversations").dropColumn("owner_read_at").execute();
      await db.schema.alterTable("conversations").dropColumn("channel").execute();
      await db.schema.alterTable("conversations").dropColumn("mode").execute();
      await db.schema.dropIndex("agents_visibility").execute();
      await db.schema.alterTable("agents").dropColumn("identity_secret").execute();
      await db.schema.alterTable("agents").dropColumn("publish_settings").execute();
      await db.schema.alterTable("agents").dropColumn("published_version").execute();
      await db.schema.alterTable("agents").dropColumn("visibility").execute();
    },
  };
}
