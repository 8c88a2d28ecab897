import type { Kysely } from "kysely";
import type { Database } from "./database.js";
import type { DialectErrors } from "./dialect-errors.js";

/** What a repository needs from its store: the database while it is open, and the dialect's error rules. */
export interface StoreContext {
  /** Throws AtelierError("disposed") once the store is closed. */
  readonly db: Kysely<Database>;
  readonly errors: DialectErrors;
}
