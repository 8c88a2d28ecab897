import type { z } from "zod";
import { AtelierError } from "../../contracts/index.js";

/**
 * Validates data read back from the database. A row that fails is reported as a typed `internal`
 * error naming the row, instead of flowing on as a half-typed object.
 */
export function parseStored<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const summary = result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ");
  throw new AtelierError("internal", `The stored ${what} is corrupted (${summary}).`, { cause: result.error });
}

/** JSON.parse for a stored column, with the same typed failure. */
export function parseStoredJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AtelierError("internal", `The stored ${what} is corrupted (not valid JSON).`, { cause: error });
  }
}
