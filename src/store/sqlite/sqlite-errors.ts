import type { DialectErrors } from "../kysely/dialect-errors.js";

/** better-sqlite3 raises SqliteError with SQLite's extended result code as a string. */
export const sqliteErrors: DialectErrors = {
  isUniqueViolation: (error) => hasCode(error, "SQLITE_CONSTRAINT_UNIQUE") || hasCode(error, "SQLITE_CONSTRAINT_PRIMARYKEY"),
  isForeignKeyViolation: (error) => hasCode(error, "SQLITE_CONSTRAINT_FOREIGNKEY"),
};

function hasCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === code;
}
