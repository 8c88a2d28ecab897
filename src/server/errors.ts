import type { FastifyError } from "fastify";
import { AtelierError, type ErrorBody, type ErrorCode } from "../contracts/index.js";

/** The only place error codes become HTTP statuses. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  context_overflow: 422,
  document_unreadable: 422,
  rate_limited: 429,
  aborted: 499,
  internal: 500,
  engine_error: 502,
  upstream_error: 502,
  model_not_found: 503,
  model_download_failed: 503,
  engine_unavailable: 503,
  disposed: 503,
};

/** Framework errors (body parsing, limits) that are the client's fault, by Fastify error code. */
const FRAMEWORK_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: "payload_too_large", message: "The request body is too large." },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: "unsupported_media_type", message: "Send the body as application/json." },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: "bad_request", message: "The JSON body is empty; send an object or no content-type." },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: "bad_request", message: "The body is not valid JSON." },
  FST_ERR_BAD_URL: { code: "bad_request", message: "The URL is malformed: check its percent-encoding." },
  FST_ERR_MAX_PARAM_LENGTH: { code: "bad_request", message: "A path segment is too long (at most 100 characters)." },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: "bad_request", message: "The Content-Length header does not match the body." },
};

/**
 * Turns anything thrown into a status and a safe body. Unknown errors become `internal` with a
 * generic message: their details go to the log, never to the client.
 */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody; internal: boolean; headers?: Record<string, string> } {
  if (error instanceof AtelierError) {
    return {
      status: HTTP_STATUS[error.code],
      body: { error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) } },
      internal: error.code === "internal",
      ...(error.retryAfterSeconds === undefined ? {} : { headers: { "retry-after": String(Math.max(1, Math.ceil(error.retryAfterSeconds))) } }),
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  const known = fastifyError.code ? FRAMEWORK_ERRORS[fastifyError.code] : undefined;
  if (known) return { status: HTTP_STATUS[known.code], body: { error: known }, internal: false };
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return { status: 400, body: { error: { code: "bad_request", message: "The body is not valid JSON." } }, internal: false };
  }
  // Any other framework refusal of the request itself: the client's fault, said without its internals.
  if (fastifyError.code?.startsWith("FST_") && fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { status: 400, body: { error: { code: "bad_request", message: "The request could not be understood." } }, internal: false };
  }
  return {
    status: 500,
    body: { error: { code: "internal", message: "Something went wrong on the server. It has been logged; try again." } },
    internal: true,
  };
}
