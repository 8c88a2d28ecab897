import { mkdirSync } from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import * as sqliteVec from "sqlite-vec";

export const MEMORY = ":memory:";

/** How long a writer waits for another connection's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens a better-sqlite3 connection configured for durability:
 * - WAL lets readers run while a reply is being written;
 * - synchronous = FULL fsyncs the WAL at every commit, so a committed message survives a power cut
 *   (NORMAL, the usual WAL pairing, may lose the last commits on power loss);
 * - foreign_keys = ON makes ON DELETE CASCADE work (SQLite leaves it off per connection);
 * - sqlite-vec is loaded for knowledge's vector search.
 */
export function openSqliteDatabase(options: { file: string }): BetterSqlite3.Database {
  if (options.file !== MEMORY) mkdirSync(path.dirname(path.resolve(options.file)), { recursive: true });
  const database = new BetterSqlite3(options.file);
  try {
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // ":memory:" answers "memory": WAL needs a file, and there is nothing durable to protect there.
    const journalMode = database.pragma("journal_mode = WAL", { simple: true });
    if (options.file !== MEMORY && journalMode !== "wal") {
      throw new Error(`SQLite refused WAL mode (journal_mode is "${String(journalMode)}"); is the file on a network share?`);
    }
    database.pragma("synchronous = FULL");
    database.pragma("foreign_keys = ON");
    // Knowledge's vector tables are sqlite-vec virtual tables: every connection must know the module.
    sqliteVec.load(database);
    return database;
  } catch (error) {
    database.close();
    throw error;
  }
}

export interface SqliteSettings {
  journalMode: string;
  synchronous: "off" | "normal" | "full" | "extra";
  foreignKeys: boolean;
  busyTimeoutMs: number;
}

const SYNCHRONOUS_LEVELS = ["off", "normal", "full", "extra"] as const;

/** The settings in effect on a connection, as SQLite reports them. */
export function readSqliteSettings(database: BetterSqlite3.Database): SqliteSettings {
  const synchronous = SYNCHRONOUS_LEVELS[Number(database.pragma("synchronous", { simple: true }))];
  if (!synchronous) throw new Error("SQLite reported an unknown synchronous level.");
  return {
    journalMode: String(database.pragma("journal_mode", { simple: true })),
    synchronous,
    foreignKeys: Number(database.pragma("foreign_keys", { simple: true })) === 1,
    busyTimeoutMs: Number(database.pragma("busy_timeout", { simple: true })),
  };
}
