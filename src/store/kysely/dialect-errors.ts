/**
 * How one SQL dialect reports constraint violations. The repositories stay dialect-neutral and ask
 * this to turn driver errors into typed AtelierErrors (SQLite: SQLITE_CONSTRAINT_*; PostgreSQL:
 * SQLSTATE 23505 / 23503).
 */
export interface DialectErrors {
  isUniqueViolation(error: unknown): boolean;
  isForeignKeyViolation(error: unknown): boolean;
}
