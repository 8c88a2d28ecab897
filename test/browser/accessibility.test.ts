import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Agent, KnowledgeSourceList } from "../../src/contracts/index.js";
import { openStudio, startStudio, stopStudio } from "../support/browser.js";
import { accessibilityViolations } from "./axe.js";
import { waitForIndexing } from "../../src/knowledge/testing/wait-for-indexing.js";
import type { TestServer } from "../support/server.js";

/*
 * Every main page, in both themes, through axe-core's WCAG 2.1 A/AA rules: labels, names, contrast,
 * landmarks, ARIA use. A page that regresses fails here with the rule and the element.
 */

let server: TestServer;
let browser: Browser;
let agent: Agent;
let conversationId: string;
let inboxConversationId: string;

beforeAll(async () => {
  ({ server, browser } = await startStudio());
  agent = (await server.json<Agent>("POST", "/api/agents", {
    name: "Lily", tagline: "Stories on request", greetings: ["Hello! Want a story?"], traits: ["kind"], model: { maxTokens: 24 },
  })).body;
  // Knowledge first, so the stored reply carries citations (its Sources list is audited with the chat) and
  // the knowledge page lists a ready and a failed source.
  await addKnowledge(agent.id, { "stories.md": "# Story ideas\n\nA short story about a kind cat who finds a red ball.\n", "broken.pdf": "not a pdf" });
  conversationId = (await server.json<{ conversation: { id: string } }>("POST", "/api/conversations", { agentId: agent.id })).body.conversation.id;
  await server.json("POST", `/api/conversations/${conversationId}/messages`, { content: "Tell me a *short* story", stream: false });
  // A visitor's conversation with the published agent, for the owner's inbox.
  await server.json("POST", `/api/agents/${agent.id}/publish`, { visibility: "public" });
  const visitor = { authorization: `Bearer ${(await server.json<{ token: string }>("POST", "/api/visitors")).body.token}` };
  inboxConversationId = (await server.json<{ conversation: { id: string } }>("POST", "/api/conversations", { agentId: agent.id }, visitor)).body.conversation.id;
  await server.json("POST", `/api/conversations/${inboxConversationId}/messages`, { content: "Hello from a visitor", stream: false }, visitor);
});

async function addKnowledge(agentId: string, files: Record<string, string>): Promise<void> {
  const form = new FormData();
  for (const [name, text] of Object.entries(files)) form.append("files", new Blob([text]), name);
  const response = await fetch(`${server.url}/api/agents/${agentId}/knowledge`, { method: "POST", headers: server.auth, body: form });
  expect(response.status).toBe(201);
  await waitForIndexing(async () => (await server.json<KnowledgeSourceList>("GET", `/api/agents/${agentId}/knowledge`)).body.sources);
}

afterAll(() => stopStudio({ server, browser }));

const PAGES: Array<{ name: string; path: () => string; ready: (page: Page) => Promise<unknown> }> = [
  { name: "home", path: () => "/", ready: (page) => page.getByRole("heading", { name: "Lily" }).waitFor() },
  { name: "create", path: () => "/agents/new", ready: (page) => page.getByRole("button", { name: "Draft my agent" }).waitFor() },
  { name: "editor", path: () => `/agents/${agent.id}/edit`, ready: (page) => page.getByRole("log").getByText("Want a story?").waitFor() },
  { name: "chat", path: () => `/agents/${agent.id}/chat/${conversationId}`, ready: (page) => page.getByRole("button", { name: "Regenerate" }).waitFor() },
  { name: "inbox", path: () => `/inbox/${inboxConversationId}`, ready: (page) => page.getByRole("log").getByRole("article", { name: "AI said" }).first().waitFor() },
  { name: "publish", path: () => `/agents/${agent.id}/publish`, ready: (page) => page.getByRole("heading", { name: "Publish Lily" }).waitFor() },
  { name: "api keys", path: () => "/keys", ready: (page) => page.getByRole("heading", { name: "Create a key" }).waitFor() },
  { name: "webhooks", path: () => "/webhooks", ready: (page) => page.getByRole("heading", { name: "Add a webhook" }).waitFor() },
  { name: "models", path: () => "/models", ready: (page) => page.getByRole("heading", { name: "Model per agent" }).waitFor() },
  { name: "knowledge", path: () => `/agents/${agent.id}/knowledge`, ready: async (page) => {
    // A failed source and a search with marked words, so their colours are audited too.
    await page.getByText("Failed", { exact: true }).waitFor();
    await page.getByLabel("Question").fill("a short story");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("list", { name: "Retrieved passages" }).locator("mark").first().waitFor();
  } },
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

  test("share page (a visitor, an AI reply and the owner's message) has no WCAG 2.1 A/AA violations", async () => {
    const { page, context } = await openStudio(browser, server, { colorScheme, signedIn: false });
    await page.goto("/a/no-such-agent");
    await page.getByRole("heading", { name: "This agent is not available" }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.goto(`/a/${agent.handle}`);
    const box = page.getByRole("textbox", { name: "Message Lily" }).and(page.locator(":enabled"));
    await box.fill("Tell me a short story");
    await box.press("Enter");
    await page.locator('[role="log"][aria-busy="false"]').getByRole("article", { name: "Lily (AI) said" }).nth(1).waitFor();
    const { conversations } = (await (await context.request.get(`/api/conversations?agentId=${agent.id}`)).json()) as { conversations: Array<{ id: string }> };
    await server.json("POST", `/api/conversations/${conversations[0]!.id}/owner-messages`, { content: "Hi, a person from the team here." });
    await page.getByRole("article", { name: "Lily team (a person) said" }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await context.close();
  });
});
