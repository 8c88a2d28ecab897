import { Kysely, PostgresDialect } from "kysely";
import type pg from "pg";
import type { Database } from "../kysely/database.js";
import { KyselyStore } from "../kysely/kysely-store.js";
import { migrateToLatest } from "../migrations/migrate.js";
import type { Store } from "../store.js";
import { postgresErrors } from "./postgres-errors.js";
import { checkConnection, createPostgresPool, waitUntilIdle } from "./postgres-pool.js";
import { parsePostgresUrl } from "./postgres-url.js";

export interface PostgresStoreOptions {
  /** postgres://user:password@host:5432/database; sslmode and other libpq-style parameters as pg reads them. */
  connectionString: string;
  /** Connections this process may hold; default DEFAULT_POOL_SIZE (10). */
  poolSize?: number;
}

/**
 * The Store over one PostgreSQL database, shared by as many Atelier processes as point at it:
 * the repositories' transactions and unique constraints keep concurrent writers consistent.
 */
export class PostgresStore extends KyselyStore implements Store {
  /** Migrations this open applied; empty when the database was already current. */
  readonly appliedMigrations: readonly string[];

  constructor(options: { db: Kysely<Database>; pool: pg.Pool; description: string; appliedMigrations: readonly string[] }) {
    const { pool } = options;
    super({ db: options.db, errors: postgresErrors, dialect: "postgres", description: options.description, drain: () => waitUntilIdle(pool) });
    this.appliedMigrations = options.appliedMigrations;
  }
}

/**
 * Connects, migrates (Kysely's advisory lock makes processes starting together migrate once) and
 * returns the store. A URL that cannot be used fails here with a `bad_request` that names host,
 * port and database, never the password.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const target = parsePostgresUrl(options.connectionString);
  const description = `PostgreSQL at ${target.where}`;
  const pool = createPostgresPool(options);
  try {
    await checkConnection(pool, target);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const report = await migrateToLatest({ db, dialect: "postgres", description });
    return new PostgresStore({ db, pool, description, appliedMigrations: report.applied });
  } catch (error) {
    // The pool is ended directly: db.destroy() does nothing before Kysely's first query.
    await pool.end();
    throw error;
  }
}
