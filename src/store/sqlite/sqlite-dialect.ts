import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDialectConfig,
} from "kysely";

/**
 * Kysely's SqliteDialect with two changes for a database that several processes may write:
 *
 * - Transactions start with BEGIN IMMEDIATE. A deferred BEGIN that reads and then writes must
 *   upgrade its lock, and when another process wrote in between SQLite fails at once with
 *   SQLITE_BUSY, ignoring busy_timeout. Taking the write lock up front makes a second writer (the
 *   CLI beside the server) wait its turn instead.
 * - DDL is declared transactional (SQLite's is; Kysely plays safe), so the Migrator runs all
 *   pending migrations in one transaction: a crash mid-migration leaves the previous schema, and a
 *   second process opening at the same time waits, then finds nothing left to do. A future
 *   migration that must toggle foreign_keys (table rebuilds) has to do so outside this transaction.
 */
export class AtelierSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
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
