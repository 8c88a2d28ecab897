import BetterSqlite3 from "better-sqlite3";
import { AtelierError } from "../../contracts/index.js";
import { migrationsFor } from "../migrations/index.js";

const MIGRATION_TABLE = "kysely_migration";

/**
 * Throws `bad_request` unless `file` is an intact SQLite database with an Atelier schema this
 * version can run (older is fine: the server migrates it on start). `file` is opened read-write and
 * left in rollback-journal mode, so pass a copy; `describedAs` names the file the user gave.
 */
export function validateSqliteBackup(options: { file: string; describedAs: string }): void {
  const { describedAs } = options;
  const invalid = (reason: string, cause?: unknown) =>
    new AtelierError("bad_request", `${describedAs} is not an Atelier backup: ${reason}. Nothing was changed.`, cause === undefined ? undefined : { cause });
  let database: BetterSqlite3.Database;
  try {
    database = new BetterSqlite3(options.file, { fileMustExist: true });
  } catch (error) {
    throw invalid(`it could not be opened (${messageOf(error)})`, error);
  }
  try {
    let integrity: unknown;
    try {
      // Also folds in a write-ahead log that came with the file, so the check sees every page.
      database.pragma("journal_mode = DELETE");
      integrity = database.pragma("integrity_check", { simple: true });
    } catch (error) {
      throw invalid(`it is not an SQLite database or is damaged (${messageOf(error)})`, error);
    }
    if (integrity !== "ok") throw invalid(`SQLite's integrity check failed (${String(integrity)})`);
    const hasMigrations = database.prepare("select 1 from sqlite_schema where type = 'table' and name = ?").get(MIGRATION_TABLE);
    if (!hasMigrations) throw invalid("it has no Atelier schema (no kysely_migration table)");
    const applied = database.prepare(`select name from ${MIGRATION_TABLE}`).pluck().all() as string[];
    const known = migrationsFor("sqlite");
    const unknown = applied.filter((name) => !Object.hasOwn(known, name)).sort();
    if (unknown.length > 0) {
      throw new AtelierError(
        "bad_request",
        `${describedAs} was made by a newer version of Atelier (it has migrations this version does not know: ${unknown.join(", ")}). ` +
          "Upgrade Atelier, then restore it. Nothing was changed.",
      );
    }
  } finally {
    database.close();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
