import { AtelierError, ErrorBody, type ErrorCode } from "../contracts/index.js";

/**
 * Why "upstream_error" for an unreachable server: from the client's side the Atelier server is its
 * upstream, and the code's meaning ("a service this one depends on failed or could not be reached")
 * fits. "engine_unavailable" would be misleading: the server sends it while the model is loading, and
 * a UI that shows "the model is warming up, retry soon" for a server that is down would mislead.
 */
export function unreachableError(baseUrl: string, cause: unknown): AtelierError {
  const reason = describeNetworkFailure(cause);
  return new AtelierError(
    "upstream_error",
    `Could not reach the Atelier server at ${baseUrl}${reason ? ` (${reason})` : ""}. Is \`atelier serve\` running?`,
    { cause },
  );
}

export function abortedError(signal: AbortSignal | undefined): AtelierError {
  const reason: unknown = signal?.reason;
  if (reason instanceof AtelierError && reason.code === "aborted") return reason;
  return new AtelierError("aborted", "The request was cancelled.", { cause: reason });
}

export function malformedResponseError(what: string, cause?: unknown, issues?: AtelierError["issues"]): AtelierError {
  return new AtelierError(
    "upstream_error",
    `The server sent ${what} this client does not understand. Are the server and client the same version?`,
    { cause, ...(issues ? { issues } : {}) },
  );
}

/** Turns an error response into the server's own AtelierError, or a sensible one for a foreign body. */
export async function errorFromResponse(response: Response, request: { method: string; path: string }): Promise<AtelierError> {
  const text = await response.text().catch(() => "");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const body = ErrorBody.safeParse(json);
  const retryAfter = Number(response.headers.get("retry-after") ?? Number.NaN);
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterSeconds: retryAfter } : {};
  if (body.success) {
    const { code, message, issues } = body.data.error;
    return new AtelierError(code, message, { ...(issues ? { issues } : {}), ...retryAfterSeconds });
  }
  // Not an Atelier error body: a proxy page, or another program on that port.
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  return new AtelierError(codeForStatus(response.status), `The server answered ${status} to ${request.method} ${request.path}.`, retryAfterSeconds);
}

function codeForStatus(status: number): ErrorCode {
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 413) return "payload_too_large";
  if (status === 429) return "rate_limited";
  if (status >= 400 && status < 500) return "bad_request";
  return "upstream_error";
}

function describeNetworkFailure(error: unknown): string | undefined {
  // Node's fetch wraps the socket error (ECONNREFUSED, ENOTFOUND...) in `cause`.
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause && typeof cause === "object" && "code" in cause && typeof cause.code === "string") return cause.code;
  return undefined;
}
