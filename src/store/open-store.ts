import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Config } from "../contracts/index.js";
import type { Store } from "./store.js";

/** The SQLite file of a data directory: the server, backup and restore must all agree on it. */
export function sqliteFileOf(config: Pick<Config, "dataDir">): string {
  return path.join(config.dataDir, "atelier.db");
}

/**
 * Opens and migrates the configured store: PostgreSQL when a database URL is set (several processes
 * can share it), else the embedded SQLite file in the data directory. Shared by the server and by
 * CLI commands that work on the database directly (headless setup needs no running server).
 */
export async function openStore(config: Pick<Config, "dataDir" | "databaseUrl">): Promise<Store> {
  // Each store's modules load only when chosen: the pg driver is not part of an SQLite server's start-up.
  if (config.databaseUrl !== undefined) {
    const { openPostgresStore } = await import("./postgres/postgres-store.js");
    return openPostgresStore({ connectionString: config.databaseUrl });
  }
  mkdirSync(config.dataDir, { recursive: true });
  const { openSqliteStore } = await import("./sqlite/sqlite-store.js");
  return openSqliteStore({ file: sqliteFileOf(config) });
}
