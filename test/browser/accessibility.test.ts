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
let visitorId: string;

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
  const session = (await server.json<{ token: string; visitorId: string }>("POST", "/api/visitors")).body;
  visitorId = session.visitorId;
  const visitor = { authorization: `Bearer ${session.token}` };
  inboxConversationId = (await server.json<{ conversation: { id: string } }>("POST", "/api/conversations", { agentId: agent.id }, visitor)).body.conversation.id;
  await server.json("POST", `/api/conversations/${inboxConversationId}/messages`, { content: "Hello from a visitor", stream: false }, visitor);
  // A summary on both conversations (its disclosure is audited with the chat and the inbox), a lorebook and a memory.
  for (const id of [conversationId, inboxConversationId]) await addSummary(id);
  await server.json("PUT", `/api/agents/${agent.id}/lorebook`, { lorebook: { entries: [
    { id: "cat", name: "The kind cat", keys: ["cat"], content: "The cat is called Pip.", selective: true, secondaryKeys: ["ball"] },
    { id: "ball", name: "The red ball", keys: ["ball"], content: "The ball is red.", enabled: false },
  ] } });
  await server.json("POST", `/api/agents/${agent.id}/people/${visitorId}/memories`, { kind: "preference", content: "Likes stories about cats." });
});

async function addSummary(id: string): Promise<void> {
  const { body } = await server.json<{ messages: Array<{ id: string }> }>("GET", `/api/conversations/${id}`);
  await server.services.store.summaries.add({
    id: `sum_a11y_${id}`, conversationId: id, content: "They asked for a story.", throughMessageId: body.messages[0]!.id, coveredMessages: 1,
    model: "test", now: new Date().toISOString(),
  });
}

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
  { name: "lorebook", path: () => `/agents/${agent.id}/lorebook`, ready: async (page) => {
    // An entry open and a test result, so the form and the lists are audited too.
    await page.getByRole("button", { name: "Edit The kind cat" }).click();
    await page.getByLabel("Secondary keys", { exact: true }).waitFor();
    await page.getByLabel("Message", { exact: true }).fill("a cat and a ball");
    await page.getByRole("button", { name: "Try it" }).click();
    await page.getByRole("list", { name: "Entries that fire" }).waitFor();
  } },
  { name: "memory", path: () => `/agents/${agent.id}/memory`, ready: async (page) => {
    await page.getByRole("list", { name: /^Memories of / }).getByText("Likes stories about cats.").waitFor();
    await page.getByRole("button", { name: "Edit memory: Likes stories about cats." }).click();
    await page.getByRole("button", { name: "Save memory" }).waitFor();
  } },
  { name: "editor export menu", path: () => `/agents/${agent.id}/edit`, ready: async (page) => {
    await page.locator(".export-menu > summary").click();
    await page.getByRole("link", { name: "Atelier bundle" }).waitFor();
  } },
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

  test("share page memory panel has no WCAG 2.1 A/AA violations", async () => {
    const { page, context } = await openStudio(browser, server, { colorScheme, signedIn: false });
    await page.goto(`/a/${agent.handle}`);
    await page.getByRole("button", { name: "What do you remember about me?" }).click();
    await page.getByText("Lily remembers nothing about you.").waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await context.close();
  });
});
