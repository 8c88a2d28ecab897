import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/**
 * Where `npm run build` writes the studio: dist/public. This module runs from src/server (tests) or
 * from dist/src/server (the built CLI), so both neighbours are tried.
 */
export function defaultWebRoot(): string | undefined {
  const candidates = [new URL("../../public/", import.meta.url), new URL("../../dist/public/", import.meta.url)];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

/** Paths the API owns: never answered with the studio's page. */
const API_PREFIXES = ["/api/", "/v1/", "/media/", "/healthz", "/readyz", "/openapi.json"];

export function isApiPath(url: string): boolean {
  const path = url.split("?")[0] ?? "";
  return path === "/api" || API_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/** The embeddable website widget (web/widget), loaded by other sites with a <script> tag. */
export const WIDGET_FILE = "widget.js";

/**
 * Headers for /widget.js: other sites load it, so helmet's same-origin resource policy must not
 * apply; its name has no content hash, so it is cached only briefly and a new build reaches sites soon.
 */
export const WIDGET_HEADERS = {
  "cross-origin-resource-policy": "cross-origin",
  "content-type": "text/javascript; charset=utf-8",
  "cache-control": "public, max-age=300",
} as const;

/**
 * Serves the built studio. Hashed assets are cached for a year; index.html is revalidated so a new
 * build shows up at once. Any other GET that wants HTML gets index.html: the studio routes itself.
 */
export async function registerStaticWeb(app: FastifyInstance, root: string): Promise<void> {
  await app.register(fastifyStatic, {
    root,
    prefix: "/",
    wildcard: false,
    index: false,
    // Left to setHeaders: the plugin's own "public, max-age=0" would replace it otherwise.
    cacheControl: false,
    setHeaders: (response, filePath) => {
      const immutable = /[\\/]assets[\\/]/.test(filePath);
      response.setHeader("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
    },
  });
  app.get("/", (_request, reply) => sendIndex(reply));
  // After the static plugin wrote its own type and cache headers, which would otherwise win.
  app.addHook("onSend", async (request, reply, payload) => {
    if (request.routeOptions.url === `/${WIDGET_FILE}` && reply.statusCode === 200) void reply.headers(WIDGET_HEADERS);
    return payload;
  });
}

export function wantsStudioPage(request: FastifyRequest): boolean {
  return (request.method === "GET" || request.method === "HEAD") && !isApiPath(request.url) &&
    (request.headers.accept ?? "").includes("text/html");
}

export function sendIndex(reply: FastifyReply): FastifyReply {
  return reply.header("cache-control", "no-cache").sendFile("index.html");
}
