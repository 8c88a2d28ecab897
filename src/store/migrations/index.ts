import type { Migration } from "kysely";
import { initialSchema } from "./0001-initial-schema.js";
import { accountsSchema } from "./0002-accounts.js";
import { knowledgeSchema } from "./0003-knowledge.js";
import { publishSchema } from "./0004-publish.js";
import { memorySchema } from "./0005-memory.js";
import type { SchemaDialect } from "./schema-dialect.js";

/**
 * Every migration, by name, in code: no folder scanning, so they run the same from src/ (tests)
 * and dist/. Names sort in the order they must run; never rename or edit a released one. The same
 * names on every dialect: only the SQL spelling of a migration may differ between them.
 */
export function migrationsFor(dialect: SchemaDialect): Readonly<Record<string, Migration>> {
  return {
    "0001-initial-schema": initialSchema(dialect),
    "0002-accounts": accountsSchema(dialect),
    "0003-knowledge": knowledgeSchema(dialect),
    "0004-publish": publishSchema(dialect),
    "0005-memory": memorySchema(dialect),
  };
}
