import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import helmet from "@fastify/helmet";
import Fastify from "fastify";
import { build } from "vite";
import { afterAll, beforeAll, expect, test } from "vitest";
import { registerStaticWeb, WIDGET_HEADERS } from "../src/server/static-web.js";
import { removeDir } from "./support/server.js";

/** Sites pay for every byte on every page view: the widget must stay small. */
const GZIP_BUDGET_BYTES = 20 * 1024;

const configFile = fileURLToPath(new URL("../web/widget/vite.config.ts", import.meta.url));
let outDir: string;
let source: string;

beforeAll(async () => {
  // The real build config, written to a temporary folder so the test needs no `npm run build`.
  outDir = mkdtempSync(path.join(tmpdir(), "atelier-widget-"));
  await build({ configFile, logLevel: "silent", build: { outDir } });
  source = readFileSync(path.join(outDir, "widget.js"), "utf8");
});
afterAll(() => removeDir(outDir));

test("the widget bundle stays within its gzip budget", () => {
  const gzipped = gzipSync(source).length;
  console.info(`widget.js: ${source.length} bytes, ${gzipped} bytes gzipped (budget ${GZIP_BUDGET_BYTES})`);
  expect(gzipped).toBeLessThan(GZIP_BUDGET_BYTES);
});

test("the bundle is one self-running function with no framework and no runtime validation library", () => {
  // An IIFE that assigns nothing to the page's scope: the only global is the double-load guard set at runtime.
  expect(source.trimStart()).toMatch(/^\(function\(\)\{/);
  expect(source.trimEnd()).toMatch(/\}\)\(\);?$/);
  expect(source).not.toMatch(/^var \w+=/);
  expect(source).not.toMatch(/react|zod|ZodError/i);
  expect(source).toContain("__atelierWidget");
  expect(source).not.toContain("innerHTML");
});

test("/widget.js is served for other sites: cross-origin resource policy, JavaScript type, short cache", async () => {
  const webRoot = mkdtempSync(path.join(tmpdir(), "atelier-web-"));
  writeFileSync(path.join(webRoot, "widget.js"), source);
  writeFileSync(path.join(webRoot, "index.html"), "<!doctype html><title>studio</title>");
  mkdirSync(path.join(webRoot, "assets"));
  writeFileSync(path.join(webRoot, "assets", "index-abc123.js"), "export {};");
  const app = Fastify();
  try {
    // helmet as the app registers it: its same-origin resource policy must not reach the widget.
    await app.register(helmet);
    await registerStaticWeb(app, webRoot);
    const widget = await app.inject({ method: "GET", url: "/widget.js" });
    expect(widget.statusCode).toBe(200);
    expect(widget.headers).toMatchObject(WIDGET_HEADERS);
    expect(widget.body).toBe(source);
    const head = await app.inject({ method: "HEAD", url: "/widget.js" });
    expect(head.headers["cross-origin-resource-policy"]).toBe("cross-origin");
    // Everything else keeps helmet's policy and the studio's caching.
    const index = await app.inject({ method: "GET", url: "/index.html" });
    expect(index.headers["cross-origin-resource-policy"]).toBe("same-origin");
    expect(index.headers["cache-control"]).toBe("no-cache");
    const asset = await app.inject({ method: "GET", url: "/assets/index-abc123.js" });
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
  } finally {
    await app.close();
    removeDir(webRoot);
  }
});
