import { sql, type ColumnDataType, type RawBuilder } from "kysely";

/** The databases the migrations write for. They branch on it only where SQL has no portable spelling. */
export type SchemaDialect = "sqlite" | "postgres";

/**
 * The column type of identifiers and ISO-8601 timestamps: text compared byte by byte.
 *
 * Lists page by keyset on (updated_at, id) and (created_at, id), so these columns must order the
 * same on every database. SQLite compares text bytewise (BINARY). PostgreSQL uses the database's
 * default collation, usually a linguistic one (en_US.UTF-8, ICU) that puts "a" before "B" and
 * weighs "_" and "-" differently, so ties would break in another order than on SQLite. "C" is
 * PostgreSQL's bytewise collation: the same order as SQLite, faster comparisons, and indexes that
 * a glibc or ICU upgrade cannot silently corrupt. Prose (titles, content) keeps the database's
 * collation. SQLite has no "C" collation and needs none, so its schema is plain text.
 */
export function keyText(dialect: SchemaDialect): ColumnDataType | RawBuilder<unknown> {
  return dialect === "postgres" ? sql`text collate "C"` : "text";
}
