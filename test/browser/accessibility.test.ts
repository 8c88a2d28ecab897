import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Agent } from "../../src/contracts/index.js";
import { BROWSER_SERVER_CONFIG, launchBrowser, openStudio } from "../support/browser.js";
import { accessibilityViolations } from "./axe.js";
import { removeDir, startTestServer, type TestServer } from "../support/server.js";

/*
 * Every main page, in both themes, through axe-core's WCAG 2.1 A/AA rules: labels, names, contrast,
 * landmarks, ARIA use. A page that regresses fails here with the rule and the element.
 */

let server: TestServer;
let browser: Browser;
let agent: Agent;
let conversationId: string;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ config: BROWSER_SERVER_CONFIG }), launchBrowser()]);
  agent = (await server.json<Agent>("POST", "/api/agents", {
    name: "Lily", tagline: "Stories on request", greetings: ["Hello! Want a story?"], traits: ["kind"], model: { maxTokens: 24 },
  })).body;
  conversationId = (await server.json<{ conversation: { id: string } }>("POST", "/api/conversations", { agentId: agent.id })).body.conversation.id;
  await server.json("POST", `/api/conversations/${conversationId}/messages`, { content: "Tell me a *short* story", stream: false });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (server) removeDir(server.dataDir);
});

const PAGES: Array<{ name: string; path: () => string; ready: (page: Page) => Promise<unknown> }> = [
  { name: "home", path: () => "/", ready: (page) => page.getByRole("heading", { name: "Lily" }).waitFor() },
  { name: "create", path: () => "/agents/new", ready: (page) => page.getByRole("button", { name: "Draft my agent" }).waitFor() },
  { name: "editor", path: () => `/agents/${agent.id}/edit`, ready: (page) => page.getByRole("log").getByText("Want a story?").waitFor() },
  { name: "chat", path: () => `/agents/${agent.id}/chat/${conversationId}`, ready: (page) => page.getByRole("button", { name: "Regenerate" }).waitFor() },
  { name: "models", path: () => "/models", ready: (page) => page.getByRole("heading", { name: "Model per agent" }).waitFor() },
];

describe.each(["light", "dark"] as const)("%s theme", (colorScheme) => {
  test.each(PAGES)("$name has no WCAG 2.1 A/AA violations", async ({ path, ready }) => {
    const { page, context, errors } = await openStudio(browser, server, { colorScheme });
    await page.goto(path());
    await ready(page);
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  test("sign-in has no WCAG 2.1 A/AA violations", async () => {
    const { page, context } = await openStudio(browser, server, { colorScheme, signedIn: false });
    await page.goto("/signin");
    await page.getByLabel("Password").waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await context.close();
  });
});
