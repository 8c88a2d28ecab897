import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { openStudio, screenshot, startStudio, stopStudio } from "../support/browser.js";
import type { TestServer } from "../support/server.js";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  ({ server, browser } = await startStudio());
  for (const name of ["Alpha", "Beta"]) {
    const created = await server.json("POST", "/api/agents", { name, handle: name.toLowerCase(), model: { temperature: 0.5, maxTokens: 4 } });
    expect(created.status).toBe(201);
  }
});
afterAll(async () => {
  await stopStudio({ server, browser });
});

test("the API keys page creates a key for one agent, shows its token once, reports its usage and revokes it", { timeout: 90_000 }, async () => {
  const { page, context, errors } = await openStudio(browser, server);
  await page.goto("/");
  await page.getByRole("link", { name: "API keys" }).click();
  await page.getByRole("heading", { name: "API keys", level: 1 }).waitFor();

  await page.getByRole("textbox", { name: "Name" }).fill("Website helper");
  await expect.poll(() => page.getByRole("checkbox", { name: "Chat (OpenAI-compatible API)" }).isChecked()).toBe(true);
  await page.getByRole("checkbox", { name: "All my agents, including ones I create later" }).uncheck();
  await page.getByRole("checkbox", { name: /^Alpha/ }).check();
  await page.getByRole("button", { name: "Create key" }).click();

  const token = (await page.getByLabel("API key", { exact: true }).textContent()) ?? "";
  expect(token).toMatch(/^atk_/);
  await page.getByRole("button", { name: "Copy", exact: true }).click();
  await page.getByRole("button", { name: "Copied", exact: true }).waitFor();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
  expect(await page.getByLabel("curl example").textContent()).toContain(`${server.url}/v1/chat/completions`);
  expect(await page.getByLabel("Python example").textContent()).toContain('model="alpha"');
  await screenshot(page, "keys-created");
  await page.getByRole("button", { name: "I have copied it" }).click();
  await expect.poll(() => page.getByLabel("API key", { exact: true }).count()).toBe(0);

  const row = page.getByRole("row", { name: /Website helper/ });
  await expect.poll(() => row.textContent()).toContain("Alpha");
  expect(await row.textContent()).not.toContain("Beta");

  const completion = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "alpha", messages: [{ role: "user", content: "Hi" }] }),
  });
  expect(completion.status).toBe(200);
  await page.getByRole("button", { name: "Usage of Website helper" }).click();
  const usage = page.getByRole("table", { name: "Usage of Website helper" });
  await usage.waitFor();
  expect(await usage.getByRole("row").nth(1).textContent()).toContain("Alpha");

  await page.getByRole("button", { name: "Revoke Website helper" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
  await row.getByText(/^Revoked/).waitFor();
  const refused = await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
  expect(refused.status).toBe(401);
  expect(errors).toEqual([]);
  await context.close();
});
