import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { openStudio, startStudio, stopStudio } from "../support/browser.js";
import type { TestServer } from "../support/server.js";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  ({ server, browser } = await startStudio());
});
afterAll(() => stopStudio({ server, browser }));

test("the server serves the studio at / and for its client-side routes, and the API keeps JSON 404s", async () => {
  const { page, context, errors } = await openStudio(browser, server);
  await page.goto("/");
  await page.locator("#root *").first().waitFor();
  // A deep link loads the studio too; an agent that does not exist gets a friendly page, not a blank one.
  await page.goto("/agents/no-such-agent/edit");
  expect(await page.title()).toContain("Atelier");
  await page.getByRole("heading", { name: "This page does not exist" }).waitFor();
  await page.getByRole("link", { name: "Back to your agents" }).waitFor();
  const api = await context.request.get("/api/nope", { headers: { accept: "text/html" } });
  expect(api.status()).toBe(404);
  expect(await api.json()).toMatchObject({ error: { code: "not_found" } });
  // Chromium logs the agent's 404 response itself; anything else would be a real error.
  expect(errors.filter((error) => !error.includes("status of 404"))).toEqual([]);
  expect(errors).toHaveLength(1);
  await context.close();
});
