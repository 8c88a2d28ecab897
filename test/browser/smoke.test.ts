import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { BROWSER_SERVER_CONFIG, launchBrowser, openStudio } from "../support/browser.js";
import { removeDir, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ config: BROWSER_SERVER_CONFIG }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (server) removeDir(server.dataDir);
});

test("the server serves the studio at / and for its client-side routes, and the API keeps JSON 404s", async () => {
  const { page, context, errors } = await openStudio(browser, server);
  await page.goto("/");
  await page.locator("#root *").first().waitFor();
  await page.goto("/agents/some-agent/edit");
  expect(await page.title()).toContain("Atelier");
  const api = await context.request.get("/api/nope", { headers: { accept: "text/html" } });
  expect(api.status()).toBe(404);
  expect(await api.json()).toMatchObject({ error: { code: "not_found" } });
  expect(errors).toEqual([]);
  await context.close();
});
