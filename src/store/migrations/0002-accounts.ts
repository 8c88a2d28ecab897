import type { Kysely, Migration } from "kysely";
import { keyText, type SchemaDialect } from "./schema-dialect.js";

/*
 * Accounts, credentials, the audit log and instance settings; agents gain an owner and a
 * publication time. Same rules as 0001: portable types, `keyText` for ids, timestamps and token
 * hashes, Kysely<any> because a released migration is frozen.
 *
 * Everything a user owns hangs off users.id with ON DELETE CASCADE, so deleting the user row is
 * the whole account deletion, atomic in one statement. SQLite accepts ADD COLUMN ... REFERENCES
 * only when the column defaults to NULL, which owner_id does (agents from before accounts).
 */

type AnyDatabase = Kysely<any>;

export function accountsSchema(dialect: SchemaDialect): Migration {
  const key = keyText(dialect);
  return {
    async up(db: AnyDatabase): Promise<void> {
      await db.schema
        .createTable("users")
        .addColumn("id", key, (column) => column.primaryKey())
        .addColumn("email", key, (column) => column.notNull())
        .addColumn("name", "text", (column) => column.notNull())
        .addColumn("role", "text", (column) => column.notNull())
        .addColumn("password_hash", "text", (column) => column.notNull())
        .addColumn("created_at", key, (column) => column.notNull())
        .addColumn("updated_at", key, (column) => column.notNull())
        .addUniqueConstraint("users_email_unique", ["email"])
        .execute();

      await db.schema
        .createTable("sessions")
        .addColumn("id", key, (column) => column.primaryKey())
        .addColumn("user_id", key, (column) => column.notNull().references("users.id").onDelete("cascade"))
        .addColumn("token_hash", key, (column) => column.notNull())
        .addColumn("created_at", key, (column) => column.notNull())
        .addColumn("expires_at", key, (column) => column.notNull())
        .addColumn("last_seen_at", key, (column) => column.notNull())
        .addUniqueConstraint("sessions_token_hash_unique", ["token_hash"])
        .execute();
      await db.schema.createIndex("sessions_user_idx").on("sessions").column("user_id").execute();
      // The periodic purge of expired sessions reads by expiry, not by user.
      await db.schema.createIndex("sessions_expires_idx").on("sessions").column("expires_at").execute();

      await db.schema
        .createTable("api_keys")
        .addColumn("id", key, (column) => column.primaryKey())
        .addColumn("user_id", key, (column) => column.notNull().references("users.id").onDelete("cascade"))
        .addColumn("name", "text", (column) => column.notNull())
        .addColumn("prefix", "text", (column) => column.notNull())
        .addColumn("token_hash", key, (column) => column.notNull())
        .addColumn("scopes", "text", (column) => column.notNull())
        .addColumn("created_at", key, (column) => column.notNull())
        .addColumn("last_used_at", key)
        .addColumn("expires_at", key)
        .addColumn("revoked_at", key)
        .execute();
      await db.schema.createIndex("api_keys_user_idx").on("api_keys").column("user_id").execute();

      await db.schema
        .createTable("visitors")
        .addColumn("id", key, (column) => column.primaryKey())
        .addColumn("token_hash", key, (column) => column.notNull())
        .addColumn("created_at", key, (column) => column.notNull())
        .addColumn("last_seen_at", key, (column) => column.notNull())
        .addUniqueConstraint("visitors_token_hash_unique", ["token_hash"])
        .execute();

      await db.schema
        .createTable("invites")
        .addColumn("id", key, (column) => column.primaryKey())
        .addColumn("created_by", key, (column) => column.notNull().references("users.id").onDelete("cascade"))
        .addColumn("email", key)
        .addColumn("token_hash", key, (column) => column.notNull())
        .addColumn("created_at", key, (column) => column.notNull())
        .addColumn("expires_at", key, (column) => column.notNull())
        .addColumn("used_at", key)
        .addUniqueConstraint("invites_token_hash_unique", ["token_hash"])
        .execute();
      // Serves the cascade when the inviting user is deleted.
      await db.schema.createIndex("invites_created_by_idx").on("invites").column("created_by").execute();

      await db.schema
        .createTable("audit_events")
        .addColumn("id", key, (column) => column.primaryKey())
        .addColumn("user_id", key, (column) => column.references("users.id").onDelete("cascade"))
        .addColumn("action", "text", (column) => column.notNull())
        .addColumn("actor", key)
        .addColumn("target_type", "text")
        .addColumn("target_id", key)
        .addColumn("ip", "text")
        .addColumn("detail", "text", (column) => column.notNull())
        .addColumn("created_at", key, (column) => column.notNull())
        .execute();
      // One log per user (null: the instance's), paged newest first by (created_at, id); also serves the cascade.
      await db.schema.createIndex("audit_events_user_created_idx").on("audit_events").columns(["user_id", "created_at", "id"]).execute();

      await db.schema
        .createTable("instance_settings")
        .addColumn("key", key, (column) => column.primaryKey())
        .addColumn("value", "text", (column) => column.notNull())
        .addColumn("updated_at", key, (column) => column.notNull())
        .execute();

      // One column per statement: SQLite's ALTER TABLE adds one at a time.
      await db.schema.alterTable("agents").addColumn("owner_id", key, (column) => column.references("users.id").onDelete("cascade")).execute();
      await db.schema.alterTable("agents").addColumn("published_at", key).execute();
      await db.schema.createIndex("agents_owner_created_idx").on("agents").columns(["owner_id", "created_at", "id"]).execute();
      await db.schema
        .createIndex("conversations_participant_updated_idx")
        .on("conversations")
        .columns(["participant_id", "updated_at", "id"])
        .execute();
    },

    async down(db: AnyDatabase): Promise<void> {
      await db.schema.dropIndex("conversations_participant_updated_idx").execute();
      await db.schema.dropIndex("agents_owner_created_idx").execute();
      await db.schema.alterTable("agents").dropColumn("published_at").execute();
      await db.schema.alterTable("agents").dropColumn("owner_id").execute();
      for (const table of ["instance_settings", "audit_events", "invites", "visitors", "api_keys", "sessions", "users"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
