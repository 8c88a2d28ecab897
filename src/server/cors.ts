import type { FastifyInstance, FastifyRequest } from "fastify";
import { AtelierError } from "../contracts/index.js";
import { toErrorResponse } from "./errors.js";

/*
 * Cross-site calls: the widget on an owner's site calls /api/ with `Authorization: Bearer vis_…`,
 * and apps call /v1/ with API keys. Neither rides on cookies, so responses never allow credentials:
 * a browser then sends no cookies and reads nothing cookie-authenticated across sites.
 *
 * Two layers: here, the browser is let in when the origin is one that SOME published agent allows
 * (or the path is under /v1/, where only API keys work). Which agent a visitor from that origin may
 * reach is decided per agent by the authorisation layer (Access), from the principal's crossOrigin.
 */

const ALLOWED_HEADERS = "authorization, content-type, last-event-id";
const ALLOWED_METHODS = "GET, POST, PATCH, DELETE";
const EXPOSED_HEADERS = "retry-after, x-request-id";
/** Browsers cap this anyway (Chromium at 2 hours). */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * The origin of the other site whose page sent the request; undefined when it came from this site
 * or from no page at all (curl, servers). Compared by host, as the CSRF origin check does.
 * An unparsable Origin ("null" from sandboxed frames) counts as another site.
 */
export function crossSiteOrigin(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin;
  if (origin === undefined) return undefined;
  try {
    if (new URL(origin).host === request.host) return undefined;
  } catch {
    return origin;
  }
  return origin.toLowerCase();
}

export interface CorsOptions {
  /** Whether any published agent lets this origin embed it (cached by the caller; asked per cross-site request). */
  allowsOrigin(origin: string): Promise<boolean>;
}

export function registerCors(app: FastifyInstance, options: CorsOptions): void {
  app.addHook("onRequest", async (request, reply) => {
    const path = request.url;
    const api = path.startsWith("/api/");
    const openApi = path.startsWith("/v1/");
    if (!api && !openApi) return;
    const origin = crossSiteOrigin(request);
    if (origin === undefined) return;
    // What is answered depends on Origin: caches must keep one answer per origin.
    void reply.header("vary", "Origin");
    const preflight = request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined;
    const allowed = openApi || (await options.allowsOrigin(origin));
    if (!allowed) {
      if (!preflight) return; // no CORS headers: the browser keeps the answer from the page
      const { status, body } = toErrorResponse(new AtelierError(
        "forbidden",
        `${origin} may not call this API. An agent's owner can add it to the agent's allowed websites (publish settings).`,
      ));
      return reply.code(status).send(body);
    }
    void reply.headers({ "access-control-allow-origin": origin, "access-control-expose-headers": EXPOSED_HEADERS });
    if (!preflight) return;
    return reply.code(204).headers({
      "access-control-allow-methods": ALLOWED_METHODS,
      "access-control-allow-headers": ALLOWED_HEADERS,
      "access-control-max-age": String(PREFLIGHT_MAX_AGE_SECONDS),
    }).send();
  });
}
