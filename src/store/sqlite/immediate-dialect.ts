import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from "kysely";

/**
 * SqliteDialect whose transactions start with BEGIN IMMEDIATE. A plain (deferred) BEGIN that reads
 * and then writes must upgrade its lock, and when another process wrote in between SQLite fails
 * at once with SQLITE_BUSY, ignoring busy_timeout. Taking the write lock up front makes a second
 * writer (the CLI next to the server) wait its turn instead.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}
