import path from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { Kysely } from "kysely";
import { AtelierError } from "../../contracts/index.js";
import type { Database } from "../kysely/database.js";
import { KyselyStore } from "../kysely/kysely-store.js";
import { migrateToLatest } from "../migrations/migrate.js";
import type { Store } from "../store.js";
import { AtelierSqliteDialect } from "./sqlite-dialect.js";
import { MEMORY, openSqliteDatabase, readSqliteSettings, type SqliteSettings } from "./sqlite-database.js";
import { sqliteErrors } from "./sqlite-errors.js";

export interface SqliteStoreOptions {
  /** Path of the database file (its folder is created), or ":memory:". */
  file: string;
}

/** The Store over one SQLite file, with what only SQLite can tell. */
export class SqliteStore extends KyselyStore implements Store {
  /** Migrations this open applied; empty when the file was already current. */
  readonly appliedMigrations: readonly string[];
  readonly #database: BetterSqlite3.Database;

  constructor(options: { db: Kysely<Database>; database: BetterSqlite3.Database; file: string; appliedMigrations: readonly string[] }) {
    super({ db: options.db, errors: sqliteErrors, dialect: "sqlite", description: describe(options.file) });
    this.#database = options.database;
    this.appliedMigrations = options.appliedMigrations;
  }

  /** The connection's durability settings (health checks, tests); not `settings`, which are the instance's. */
  connectionSettings(): SqliteSettings {
    this.ensureOpen();
    return readSqliteSettings(this.#database);
  }
}

/** Opens (creating if needed) and migrates the SQLite database; the default store. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const description = describe(options.file);
  let database: BetterSqlite3.Database;
  try {
    database = openSqliteDatabase({ file: options.file });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AtelierError("internal", `Could not open the database (${description}): ${reason}`, { cause: error });
  }
  const db = new Kysely<Database>({ dialect: new AtelierSqliteDialect({ database }) });
  try {
    const report = await migrateToLatest({ db, dialect: "sqlite", description });
    return new SqliteStore({ db, database, file: options.file, appliedMigrations: report.applied });
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

function describe(file: string): string {
  return file === MEMORY ? "SQLite in memory" : `SQLite file ${path.resolve(file)}`;
}
