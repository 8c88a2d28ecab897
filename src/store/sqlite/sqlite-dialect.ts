import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type SqliteStatement,
} from "kysely";
import { LRUCache } from "lru-cache";

/** Distinct statements kept prepared; a query built with a variable-length IN list is a new text per length. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SqliteDialect with three changes, two for a database that several processes may write:
 *
 * - Transactions start with BEGIN IMMEDIATE. A deferred BEGIN that reads and then writes must
 *   upgrade its lock, and when another process wrote in between SQLite fails at once with
 *   SQLITE_BUSY, ignoring busy_timeout. Taking the write lock up front makes a second writer (the
 *   CLI beside the server) wait its turn instead.
 * - DDL is declared transactional (SQLite's is; Kysely plays safe), so the Migrator runs all
 *   pending migrations in one transaction: a crash mid-migration leaves the previous schema, and a
 *   second process opening at the same time waits, then finds nothing left to do. A future
 *   migration that must toggle foreign_keys (table rebuilds) has to do so outside this transaction.
 * - Prepared statements are kept and reused by SQL text. Kysely's driver prepares every query
 *   afresh, and SQLite's parse and plan was a quarter of a chat turn's store time (server-overhead
 *   benchmark). Reuse is safe: the driver runs one query at a time on its single connection, and
 *   SQLite re-prepares a kept statement by itself after a schema change.
 */
export class AtelierSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    const database = config.database;
    const cached = { ...config, database: typeof database === "function" ? async () => new StatementCache(await database()) : new StatementCache(database) };
    super(cached);
    this.#config = cached;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** A connection whose prepare() returns the statement it prepared before for the same text (LRU). */
class StatementCache implements SqliteDatabase {
  readonly #database: SqliteDatabase;
  readonly #statements = new LRUCache<string, SqliteStatement>({ max: STATEMENT_CACHE_SIZE });

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  prepare(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#database.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  close(): void {
    this.#statements.clear();
    this.#database.close();
  }
}
