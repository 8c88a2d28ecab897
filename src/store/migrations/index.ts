import type { Migration } from "kysely";
import { initialSchema } from "./0001-initial-schema.js";

/**
 * Every migration, by name, in code: no folder scanning, so they run the same from src/ (tests)
 * and dist/. Names sort in the order they must run; never rename or edit a released one.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  "0001-initial-schema": initialSchema,
};
