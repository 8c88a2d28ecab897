/** A reply as tests read it: the parsed JSON body (or the text when it is not JSON) with status and headers. */
export interface Reply<T> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/**
 * A request with only the given headers: a visitor, a browser session, another site, or nobody (the
 * test server's own `json` always sends its admin API key). `raw` sends a body exactly as written.
 */
export async function call<T = unknown>(
  base: string,
  method: string,
  url: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(base + url, {
    method,
    headers: { ...(payload === undefined ? {} : { "content-type": "application/json" }), ...options.headers },
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (an SSE stream, a page): keep the text.
  }
  return { status: response.status, body: body as T, text, headers: response.headers };
}
