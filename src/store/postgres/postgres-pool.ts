import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { connectionFailure } from "./postgres-errors.js";
import type { PostgresTarget } from "./postgres-url.js";

/**
 * Connections per process. pg's own default too: ten covers the few short writes of each turn
 * (append, progress saves, completion) for many conversations at once, and leaves room for about
 * nine Atelier processes under PostgreSQL's default max_connections of 100.
 */
export const DEFAULT_POOL_SIZE = 10;

/** pg waits forever by default; a host that drops packets must not hang startup. */
const CONNECT_TIMEOUT_MS = 10_000;

const IDLE_POLL_MS = 5;

export function createPostgresPool(options: { connectionString: string; poolSize?: number }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Names the connections in pg_stat_activity; an application_name in the URL wins.
    application_name: "atelier",
  });
  // An idle connection that the server drops (restart, failover, idle timeout) is reported here
  // after pg has already removed it from the pool; the next query opens a fresh one. Without a
  // listener, Node would treat the event as an uncaught error and end the process. Not logged:
  // pg attaches the client to this error, and the client holds the password.
  pool.on("error", () => undefined);
  return pool;
}

/** Opens and returns one connection, so that a wrong URL fails at startup with a clear message. */
export async function checkConnection(pool: pg.Pool, target: PostgresTarget): Promise<void> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw connectionFailure({ error, where: target.where, secret: target.password });
  }
  client.release();
}

/**
 * Resolves once no request is waiting for a connection and every connection is back in the pool:
 * the work already under way has finished. Polled, because pg-pool has no "drained" event and
 * emits "release" before the connection is idle again.
 */
export async function waitUntilIdle(pool: pg.Pool): Promise<void> {
  while (pool.waitingCount > 0 || pool.idleCount < pool.totalCount) await sleep(IDLE_POLL_MS);
}
