import { Migrator, sql, type Kysely, type Migration } from "kysely";
import { AtelierError } from "../../contracts/index.js";
import { migrationsFor } from "./index.js";
import type { SchemaDialect } from "./schema-dialect.js";

const MIGRATION_TABLE = "kysely_migration";

/** The database carries migrations this code does not know: it was written by a newer Atelier. */
export class DatabaseNewerThanCodeError extends AtelierError {
  readonly unknownMigrations: readonly string[];

  constructor(options: { description: string; unknownMigrations: readonly string[] }) {
    super(
      "internal",
      `The database (${options.description}) was written by a newer version of Atelier: it has migrations ` +
        `this version does not know (${options.unknownMigrations.join(", ")}). Upgrade Atelier, or point it at another data directory.`,
    );
    this.name = "DatabaseNewerThanCodeError";
    this.unknownMigrations = options.unknownMigrations;
  }
}

export interface MigrationReport {
  /** Migrations run by this call, in order; empty when the database was already current. */
  applied: string[];
}

/**
 * Brings the schema to the newest migration. `dialect` only picks the SQL spelling where it differs
 * (schema-dialect.ts). Kysely's Migrator takes the dialect's lock (a transaction on SQLite, an
 * advisory lock on PostgreSQL), so concurrent openers migrate once.
 */
export async function migrateToLatest<DB>(options: { db: Kysely<DB>; dialect: SchemaDialect; description: string }): Promise<MigrationReport> {
  const { db, description } = options;
  const migrations = migrationsFor(options.dialect);
  await refuseNewerDatabase({ db, description, known: migrations });
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, migrationTableName: MIGRATION_TABLE });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === "Error")?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new AtelierError("internal", `Could not migrate the database (${description})${failed ? ` at ${failed}` : ""}: ${reason}`, { cause: error });
  }
  return { applied: results.filter((result) => result.status === "Success").map((result) => result.migrationName) };
}

/** Checked before migrating so the error says "upgrade" rather than Kysely's "corrupted migrations". */
async function refuseNewerDatabase<DB>(options: { db: Kysely<DB>; description: string; known: Readonly<Record<string, Migration>> }): Promise<void> {
  const { db, description, known } = options;
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((table) => table.name === MIGRATION_TABLE)) return;
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db);
  const unknownMigrations = rows.map((row) => row.name).filter((name) => !Object.hasOwn(known, name)).sort();
  if (unknownMigrations.length > 0) throw new DatabaseNewerThanCodeError({ description, unknownMigrations });
}
