import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Agent, Publication } from "../../src/contracts/index.js";
import { openStudio, screenshot, startStudio, stopStudio } from "../support/browser.js";
import type { TestServer } from "../support/server.js";
import { accessibilityViolations } from "./axe.js";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  ({ server, browser } = await startStudio());
});
afterAll(() => stopStudio({ server, browser }));

async function agentNow(id: string): Promise<Agent> {
  return (await server.json<Agent>("GET", `/api/agents/${id}`)).body;
}

test("the publish page publishes, re-pins after an edit, saves settings and rotates the secret", async () => {
  const created = await server.json<Agent>("POST", "/api/agents", { name: "Penny", greetings: ["Hi"], model: { maxTokens: 4 } });
  const agent = created.body;
  const { page, errors } = await openStudio(browser, server);

  // Reached from the editor.
  await page.goto(`/agents/${agent.id}/edit`);
  await page.getByRole("link", { name: "Publish", exact: true }).click();
  await page.waitForURL(new RegExp(`/agents/${agent.id}/publish$`));
  await page.getByRole("heading", { name: "Publish Penny" }).waitFor();
  await page.getByText("Not published: visitors cannot reach it.").waitFor();

  await page.getByRole("radio", { name: /Unlisted/ }).check();
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await page.getByText("Visitors see version 1, your latest.").waitFor();
  expect(await agentNow(agent.id)).toMatchObject({ visibility: "unlisted", publishedVersion: 1 });
  expect(await page.getByLabel("Share link", { exact: true }).textContent()).toBe(`${server.url}/a/${agent.handle}`);
  expect(await page.getByLabel("Widget snippet", { exact: true }).textContent()).toBe(
    `<script src="${server.url}/widget.js" data-agent="${agent.handle}" async></script>`,
  );
  await page.getByRole("button", { name: "Copy share link" }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${server.url}/a/${agent.handle}`);

  // An edit elsewhere: visitors stay on version 1 until the owner updates.
  await server.json("PATCH", `/api/agents/${agent.id}`, { tagline: "Now with a tagline" });
  await page.reload();
  await page.getByText("Visitors see version 1; your latest is 2.", { exact: false }).waitFor();
  await page.getByRole("button", { name: "Update to version 2" }).click();
  await page.getByText("Visitors see version 2, your latest.").waitFor();

  // Settings: a bad website is refused with the reason, a good one saved.
  const websites = page.getByLabel("Allowed websites");
  await websites.fill("shop.example");
  await websites.press("Enter");
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.getByText("Not saved").waitFor();
  await page.getByRole("button", { name: "Remove website shop.example" }).click();
  await websites.fill("https://shop.example");
  await websites.press("Enter");
  await page.getByLabel("Messages per visitor per minute").fill("3");
  await page.getByLabel("Review replies before visitors see them").check();
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.getByText("Saved. The settings apply at once.").waitFor();
  const saved = (await server.json<Publication>("GET", `/api/agents/${agent.id}/publishing`)).body;
  expect(saved.settings).toMatchObject({ allowedOrigins: ["https://shop.example"], reviewReplies: true, limits: { visitorPerMinute: 3, visitorPerDay: 200 } });

  // The secret stays hidden until asked; rotating asks first.
  expect(await page.getByLabel("Identity secret", { exact: true }).count()).toBe(0);
  await page.getByRole("button", { name: "Show" }).click();
  expect(await page.getByLabel("Identity secret", { exact: true }).textContent()).toBe(saved.identitySecret);
  await page.getByRole("button", { name: "Rotate…" }).click();
  await page.getByRole("dialog", { name: "Rotate the identity secret?" }).getByRole("button", { name: "Rotate" }).click();
  await page.getByText("A new secret is in force.", { exact: false }).waitFor();
  const rotated = (await server.json<Publication>("GET", `/api/agents/${agent.id}/publishing`)).body;
  expect(rotated.identitySecret).not.toBe(saved.identitySecret);
  expect(await page.getByLabel("Identity secret", { exact: true }).textContent()).toBe(rotated.identitySecret);

  expect(await accessibilityViolations(page)).toEqual([]);
  await screenshot(page, "publish");

  await page.getByRole("radio", { name: /Private/ }).check();
  await page.getByRole("button", { name: "Unpublish" }).click();
  await page.getByText("Not published: visitors cannot reach it.").waitFor();
  expect(await agentNow(agent.id)).toMatchObject({ visibility: "private", publishedVersion: null });
  expect(errors).toEqual([]);
});
