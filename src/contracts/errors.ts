import { z } from "zod";

/** The closed set of error codes. HTTP status mapping lives in server/errors.ts, nowhere else. */
export const ErrorCode = z.enum([
  "bad_request",
  "validation_failed",
  "unauthorized",
  "forbidden",
  "csrf_failed",
  "not_found",
  "conflict",
  "payload_too_large",
  "unsupported_media_type",
  "document_unreadable",
  "rate_limited",
  "aborted",
  "context_overflow",
  "model_not_found",
  "model_download_failed",
  "engine_unavailable",
  "engine_error",
  "upstream_error",
  "disposed",
  "internal",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export interface ErrorIssue {
  path: string;
  message: string;
}

/** The one error class. `message` is for the user: what was wrong and what to do. */
export class AtelierError extends Error {
  readonly code: ErrorCode;
  readonly issues: ErrorIssue[] | undefined;
  /** For rate_limited: when to try again (sent as Retry-After). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; issues?: ErrorIssue[]; retryAfterSeconds?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AtelierError";
    this.code = code;
    this.issues = options?.issues;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  static is(value: unknown, code?: ErrorCode): value is AtelierError {
    return value instanceof AtelierError && (code === undefined || value.code === code);
  }

  static fromZod(error: z.ZodError, what: string): AtelierError {
    const issues = error.issues.map((issue) => ({
      path: issue.path.map(String).join(".") || "(root)",
      message: issue.message,
    }));
    const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
    return new AtelierError("validation_failed", `Invalid ${what}: ${summary}`, { issues });
  }
}

/** The JSON body of every error response. */
export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Parses with a schema and turns failure into a typed validation error. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw AtelierError.fromZod(result.error, what);
  return result.data;
}
