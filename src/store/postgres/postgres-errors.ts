import pg from "pg";
import { AtelierError } from "../../contracts/index.js";
import type { DialectErrors } from "../kysely/dialect-errors.js";

/** PostgreSQL reports constraint violations as SQLSTATE codes on the `code` of pg's DatabaseError. */
export const postgresErrors: DialectErrors = {
  isUniqueViolation: (error) => sqlState(error) === "23505",
  isForeignKeyViolation: (error) => sqlState(error) === "23503",
};

/** The error's SQLSTATE when the server sent it; undefined for network errors (whose codes are Node's). */
export function sqlState(error: unknown): string | undefined {
  return error instanceof pg.DatabaseError ? error.code : undefined;
}

/** Node's network error codes that mean the server could not be reached at all. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET"]);

/**
 * A failure to connect at startup, as a `bad_request`: the fix is in the configuration (or in
 * starting the server it names). The message names host, port and database only, and `secret`
 * (the password) is scrubbed from the driver's text in case a future driver quotes it.
 */
export function connectionFailure(input: { error: unknown; where: string; secret: string }): AtelierError {
  const { error, where, secret } = input;
  const reason = redact(describeFailure(error), secret);
  const hint = hintFor(error);
  return new AtelierError(
    "bad_request",
    `Could not connect to PostgreSQL at ${where} (${reason}).${hint ? ` ${hint}` : ""} Check ATELIER_DATABASE_URL.`,
    { cause: error },
  );
}

function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Node reports a refused dual-stack connect as an AggregateError with an empty message.
  if (error.message) return error.message;
  const code = "code" in error && typeof error.code === "string" ? error.code : undefined;
  return code ?? error.name;
}

function hintFor(error: unknown): string | undefined {
  const state = sqlState(error);
  if (state?.startsWith("28")) return "Are the user name and password right?";
  if (state === "3D000") return "Create the database first (createdb), or name an existing one.";
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  const timedOut = error instanceof Error && /timeout/i.test(error.message);
  if ((typeof code === "string" && UNREACHABLE.has(code)) || timedOut) return "Is PostgreSQL running, and reachable from here?";
  return undefined;
}

function redact(text: string, secret: string): string {
  return secret ? text.replaceAll(secret, "***") : text;
}
