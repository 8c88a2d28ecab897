import type { Kysely } from "kysely";
import type { Database } from "./database.js";
import type { DialectErrors } from "./dialect-errors.js";
import type { SchemaDialect } from "../migrations/schema-dialect.js";

/** What a repository needs from its store: the database while it is open, and the dialect's error rules. */
export interface StoreContext {
  /** Throws AtelierError("disposed") once the store is closed. */
  readonly db: Kysely<Database>;
  readonly errors: DialectErrors;
  /** For the few queries with no portable SQL (full-text and vector search, row locking). */
  readonly dialect: SchemaDialect;
}
