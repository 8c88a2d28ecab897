/**
 * Turns what the `openai` client throws into AtelierErrors with messages a user can act on.
 *
 * The client (v6) throws: APIConnectionError / APIConnectionTimeoutError (no HTTP answer),
 * APIUserAbortError (our signal fired before the response arrived), APIError subclasses with a
 * `status` for HTTP errors, and an APIError with no status for an `{"error":...}` event inside a
 * stream. A connection that breaks mid-stream surfaces as the fetch implementation's own error
 * (undici: `TypeError: terminated`), not as an APIError.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { AtelierError } from "../../contracts/index.js";

export interface UpstreamContext {
  baseUrl: string;
  model: string;
  /** Redacted from anything the upstream says, since some servers echo the key they were sent. */
  apiKey: string;
  timeoutMs: number;
}

const CONTEXT_OVERFLOW = /context[ _-]?(length|size|window)|maximum context|too many tokens|exceeds? the (available )?context/i;
const MODEL_MISSING = /model/i;
const MAX_DETAIL_LENGTH = 300;

/** For failures before the response started: the request could not be made or was refused. */
export function mapRequestError(error: unknown, context: UpstreamContext): AtelierError {
  if (error instanceof AtelierError) return error;
  if (error instanceof APIConnectionTimeoutError) {
    return unavailable(context, `no answer within ${context.timeoutMs} ms`, error);
  }
  if (error instanceof APIConnectionError) return unavailable(context, describeNetworkError(error), error);
  if (error instanceof APIError) return mapApiError(error, context);
  return new AtelierError("engine_error", `The request to the model server at ${context.baseUrl} failed unexpectedly.`, {
    cause: error,
  });
}

/** For failures after the response started streaming. */
export function mapStreamError(error: unknown, context: UpstreamContext): AtelierError {
  if (error instanceof AtelierError) return error;
  if (error instanceof APIError) return mapApiError(error, context);
  return new AtelierError(
    "upstream_error",
    `The connection to the model server at ${context.baseUrl} broke off during the reply (${describeNetworkError(error)}). ` +
      "Check that the server is still running, then try again.",
    { cause: error },
  );
}

export function streamTimeoutError(context: UpstreamContext): AtelierError {
  return new AtelierError(
    "upstream_error",
    `The model server at ${context.baseUrl} stopped sending the reply for ${context.timeoutMs} ms. ` +
      "It may be overloaded; try again, or raise ATELIER_ENGINE_TIMEOUT_MS.",
  );
}

function mapApiError(apiError: APIError, context: UpstreamContext): AtelierError {
  const status = apiError.status;
  const detail = upstreamDetail(apiError, context.apiKey);
  const said = detail ? ` The server said: ${detail}` : "";
  const where = `The model server at ${context.baseUrl}`;
  // Causes get logged; one whose message echoes the key (OpenAI's 401 does) must not travel on.
  const error = containsKey(apiError.message, context.apiKey) ? undefined : apiError;

  if (status === 401 || status === 403) {
    return new AtelierError(
      "upstream_error",
      `${where} rejected the API key (HTTP ${status}). Check ATELIER_ENGINE_API_KEY.${said}`,
      { cause: error },
    );
  }
  if (detail && CONTEXT_OVERFLOW.test(detail) && (status === undefined || status === 400 || status === 413 || status === 422)) {
    return new AtelierError(
      "context_overflow",
      `The conversation is too long for the model's context window.${said}`,
      { cause: error },
    );
  }
  if (status === 404) {
    // A 404 naming a model is about the model; one that does not (e.g. `{"detail":"Not Found"}`) means the URL is wrong.
    if (detail && MODEL_MISSING.test(detail)) {
      return new AtelierError(
        "model_not_found",
        `${where} has no model named "${context.model}". Check the model name (ATELIER_MODEL or the agent's model) ` +
          `against ${context.baseUrl}/models.${said}`,
        { cause: error },
      );
    }
    return new AtelierError(
      "upstream_error",
      `${where} has no chat completions endpoint (HTTP 404). Check ATELIER_ENGINE_URL; it usually ends in /v1.`,
      { cause: error },
    );
  }
  if (status === 429) {
    return new AtelierError("upstream_error", `${where} is busy or rate limited (HTTP 429). Try again shortly.${said}`, {
      cause: error,
    });
  }
  if (status !== undefined && status >= 500) {
    return new AtelierError("upstream_error", `${where} failed (HTTP ${status}). Try again.${said}`, { cause: error });
  }
  if (status === undefined) {
    return new AtelierError("upstream_error", `${where} reported an error during the reply.${said}`, { cause: error });
  }
  return new AtelierError("upstream_error", `${where} rejected the request (HTTP ${status}).${said}`, { cause: error });
}

function unavailable(context: UpstreamContext, reason: string, cause: unknown): AtelierError {
  return new AtelierError(
    "engine_unavailable",
    `Could not reach the model server at ${context.baseUrl}: ${reason}. ` +
      "Check ATELIER_ENGINE_URL and that the server is running.",
    { cause },
  );
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_SOCKET: "the server closed the connection",
  CERT_HAS_EXPIRED: "the server's TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's TLS certificate is self-signed",
};

/** Walks the `cause` chain (client error -> fetch TypeError -> system error) for a known code. */
function describeNetworkError(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string" && NETWORK_CODES[code]) return NETWORK_CODES[code];
    if (typeof message === "string" && message !== "") messages.push(message);
    current = cause;
  }
  return messages.at(-1) ?? "unknown network error";
}

function containsKey(text: string, apiKey: string): boolean {
  return apiKey.length >= 4 && text.includes(apiKey);
}

/** The upstream's own error message, without the API key and kept short. */
function upstreamDetail(error: APIError, apiKey: string): string {
  const body = error.error as { message?: unknown } | undefined;
  const raw = typeof body?.message === "string" ? body.message : "";
  const redacted = containsKey(raw, apiKey) ? raw.split(apiKey).join("[redacted]") : raw;
  return redacted.length > MAX_DETAIL_LENGTH ? `${redacted.slice(0, MAX_DETAIL_LENGTH)}...` : redacted;
}

/**
 * A `fetch` wrapper that rewrites non-OpenAI error bodies into OpenAI's `{ error: { message } }`.
 * The client keeps only `body.error` of a failed response, so vLLM's flat
 * `{ object: "error", message }` and FastAPI's `{ detail }` would otherwise lose the server's
 * explanation (which we need to tell a missing model from a wrong URL, or spot a context overflow).
 */
export function withNormalizedErrorBodies(fetchImpl: typeof globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    if (response.ok || !response.headers.get("content-type")?.includes("json")) return response;
    const text = await response.text();
    const body = parseJsonObject(text);
    const message = typeof body?.message === "string" ? body.message : typeof body?.detail === "string" ? body.detail : undefined;
    const normalized = body && body.error === undefined && message !== undefined
      ? JSON.stringify({ error: { message, type: body.type, code: body.code ?? null } })
      : text;
    const headers = new Headers(response.headers);
    headers.delete("content-length");
    return new Response(normalized, { status: response.status, statusText: response.statusText, headers });
  };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
