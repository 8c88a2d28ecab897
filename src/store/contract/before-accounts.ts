import { Kysely, Migrator, sql, type Dialect } from "kysely";
import { initialSchema } from "../migrations/0001-initial-schema.js";
import type { SchemaDialect } from "../migrations/schema-dialect.js";
import { profile } from "./fixtures.js";

/** The agent a database from before accounts holds (see writeDatabaseBeforeAccounts). */
export const LEGACY_AGENT = { id: "agt_legacy", handle: "legacy", createdAt: "2029-06-01T00:00:00.000Z" } as const;

/**
 * Writes a database as the release before accounts left it: migrated to 0001 only, with one
 * agent. Raw SQL on Kysely<any>, because today's Database type describes columns it did not have.
 * Takes over `dialect`'s connection and closes it.
 */
export async function writeDatabaseBeforeAccounts(options: { dialect: Dialect; schema: SchemaDialect }): Promise<void> {
  const db = new Kysely<any>({ dialect: options.dialect });
  try {
    const migrations = { "0001-initial-schema": initialSchema(options.schema) };
    const { error } = await new Migrator({ db, provider: { getMigrations: async () => migrations }, migrationTableName: "kysely_migration" }).migrateToLatest();
    if (error !== undefined) throw error;
    const { id, handle, createdAt } = LEGACY_AGENT;
    const stored = JSON.stringify(profile({ name: "Legacy", handle }));
    await sql`insert into agents (id, handle, current_version, created_at, updated_at) values (${id}, ${handle}, 1, ${createdAt}, ${createdAt})`.execute(db);
    await sql`insert into agent_versions (agent_id, version, profile, created_at) values (${id}, 1, ${stored}, ${createdAt})`.execute(db);
  } finally {
    await db.destroy();
  }
}
