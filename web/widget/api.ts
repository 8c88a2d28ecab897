/**
 * The widget's HTTP layer: cross-origin fetches to the Atelier server the script came from, with
 * the visitor's bearer token (never cookies, which other sites' pages must not carry), and errors
 * turned into one shape the UI can explain.
 */

export type Failure = "offline" | "rate-limited" | "not-allowed" | "not-found" | "unauthorized" | "server";

export class WidgetError extends Error {
  constructor(
    readonly kind: Failure,
    message: string,
    readonly status = 0,
    /** Seconds until a rate-limited visitor may try again, from Retry-After. */
    readonly retryAfter?: number,
    /** The server's own words, for the site's developer (the console), when they differ from `message`. */
    readonly detail = message,
  ) {
    super(message);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/** The server's `{ error: { code, message } }` body, when there is one. */
function serverMessage(body: unknown): { code: string; message: string } | undefined {
  const error = isObject(body) ? body.error : undefined;
  if (isObject(error) && typeof error.code === "string" && typeof error.message === "string") return { code: error.code, message: error.message };
  return undefined;
}

function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(1, Math.ceil((date - Date.now()) / 1000));
}

async function toError(response: Response): Promise<WidgetError> {
  const body: unknown = await response.json().catch(() => undefined);
  const found = serverMessage(body);
  const { status } = response;
  if (status === 429) {
    return new WidgetError("rate-limited", found?.message ?? "You have sent a lot of messages.", status, retryAfterSeconds(response.headers.get("retry-after")));
  }
  if (status === 403 && found?.code !== "csrf_failed") {
    return new WidgetError("not-allowed", "This chat is not available on this website.", status, undefined, found?.message);
  }
  if (status === 404) return new WidgetError("not-found", found?.message ?? "Not found.", status);
  if (status === 401) return new WidgetError("unauthorized", found?.message ?? "Your chat session ended.", status);
  return new WidgetError("server", found?.message ?? `The chat server answered ${status}.`, status);
}

export class Api {
  token: string | undefined;

  /** `scriptUrl`: where widget.js came from; fetching it again tells a refused site from a server that is down. */
  constructor(readonly base: string, readonly scriptUrl: string) {}

  /** Sends a request and returns the response when it is 2xx; anything else throws a WidgetError. */
  async request(method: string, path: string, options: { body?: unknown; signal?: AbortSignal; accept?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: options.accept ?? "application/json" };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        credentials: "omit",
        mode: "cors",
        signal: options.signal ?? null,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (await this.#reachable()) throw new WidgetError("not-allowed", "This chat is not available on this website.");
      throw new WidgetError("offline", "The chat server could not be reached.");
    }
    if (!response.ok) throw await toError(response);
    return response;
  }

  /**
   * A browser hides why a cross-origin request failed. The server answers a site that no agent
   * allows without CORS headers, which looks like a network error; but if the widget's own script
   * (served to every site) still loads, the server is up and it is this site that was refused.
   */
  async #reachable(): Promise<boolean> {
    try {
      await fetch(this.scriptUrl, { mode: "no-cors", cache: "no-store", credentials: "omit" });
      return true;
    } catch {
      return false;
    }
  }

  async json(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await this.request(method, path, { body });
    return response.status === 204 ? undefined : response.json();
  }
}
