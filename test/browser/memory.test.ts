import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Agent, ConversationWithMessages, Memory, MemoryList, RememberedPeople } from "../../src/contracts/index.js";
import { openStudio, screenshot, startStudio, stopStudio } from "../support/browser.js";
import type { TestServer } from "../support/server.js";
import { accessibilityViolations } from "./axe.js";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  // Extraction off: only the memories this test writes exist, so every count is exact.
  ({ server, browser } = await startStudio({ memory: { extract: false } }));
});
afterAll(() => stopStudio({ server, browser }));

async function publishedAgent(name: string): Promise<Agent> {
  const agent = (await server.json<Agent>("POST", "/api/agents", { name, greetings: ["Hello!"], model: { maxTokens: 8 } })).body;
  expect((await server.json("POST", `/api/agents/${agent.id}/publish`, { visibility: "public" })).status).toBe(200);
  return agent;
}

async function remember(agent: Agent, participantId: string, kind: Memory["kind"], content: string): Promise<Memory> {
  const { status, body } = await server.json<Memory>("POST", `/api/agents/${agent.id}/people/${participantId}/memories`, { kind, content });
  expect(status).toBe(201);
  return body;
}

async function storedMemories(agent: Agent, participantId: string): Promise<Memory[]> {
  return (await server.json<MemoryList>("GET", `/api/agents/${agent.id}/people/${participantId}/memories`)).body.memories;
}

async function newVisitor(): Promise<string> {
  return (await server.json<{ visitorId: string }>("POST", "/api/visitors")).body.visitorId;
}

const memoryList = (page: Page) => page.getByRole("list", { name: /^Memories of / });

test("the owner sees each person's memories, edits one, deletes one, adds one and forgets a person", async () => {
  const agent = await publishedAgent("Mira");
  const ada = await newVisitor();
  const bo = await newVisitor();
  const name = await remember(agent, ada, "name", "Their name is Ada.");
  await remember(agent, ada, "preference", "Likes short answers.");
  const request = await remember(agent, ada, "request", "Asked for a sourdough recipe.");
  await remember(agent, bo, "fact", "Lives in Oslo.");

  const { page, context, errors } = await openStudio(browser, server);
  await page.goto(`/agents/${agent.id}/edit`);
  await page.getByRole("link", { name: "Memory", exact: true }).click();
  await page.waitForURL(new RegExp(`/agents/${agent.id}/memory$`));

  // Both people, with their counts; choosing one shows theirs only.
  const people = page.getByRole("list", { name: "People" });
  const adaButton = people.getByRole("button", { name: new RegExp(`Visitor ${ada.slice(-6)}`) });
  await adaButton.waitFor();
  expect(await adaButton.innerText()).toContain("3 memories");
  expect(await people.getByRole("button", { name: new RegExp(`Visitor ${bo.slice(-6)}`) }).innerText()).toContain("1 memory");
  await adaButton.click();
  expect(await adaButton.getAttribute("aria-pressed")).toBe("true");
  await memoryList(page).getByText("Likes short answers.").waitFor();
  expect(await memoryList(page).getByRole("listitem").count()).toBe(3);
  expect(await memoryList(page).innerText()).not.toContain("Lives in Oslo.");
  expect(await memoryList(page).innerText()).toContain("Written by you");
  expect(await accessibilityViolations(page)).toEqual([]);

  // Edit in place: kind and text, saved on the server.
  await page.getByRole("button", { name: "Edit memory: Their name is Ada." }).click();
  const editForm = page.getByRole("form", { name: "Edit memory: Their name is Ada." });
  await editForm.getByLabel("What to remember").fill("Their name is Ada Lovelace.");
  await editForm.getByRole("button", { name: "Save memory" }).click();
  await memoryList(page).getByText("Their name is Ada Lovelace.").waitFor();
  expect((await storedMemories(agent, ada)).find((memory) => memory.id === name.id)).toMatchObject({ content: "Their name is Ada Lovelace.", kind: "name" });

  // Delete asks first; Cancel keeps it.
  const deleteRequest = page.getByRole("button", { name: "Delete memory: Asked for a sourdough recipe." });
  await deleteRequest.click();
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  expect(await memoryList(page).getByRole("listitem").count()).toBe(3);
  await deleteRequest.click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete memory" }).click();
  await memoryList(page).getByText("Asked for a sourdough recipe.").waitFor({ state: "detached" });
  expect((await storedMemories(agent, ada)).map((memory) => memory.id)).not.toContain(request.id);
  expect(await adaButton.innerText()).toContain("2 memories");

  // Add one by hand.
  const addForm = page.getByRole("form", { name: /^Add a memory about / });
  await addForm.getByLabel("Kind").selectOption("preference");
  await addForm.getByLabel("What to remember").fill("Prefers tea to coffee.");
  await addForm.getByRole("button", { name: "Add memory" }).click();
  await memoryList(page).getByText("Prefers tea to coffee.").waitFor();
  expect((await storedMemories(agent, ada)).at(-1)).toMatchObject({ kind: "preference", content: "Prefers tea to coffee.", origin: "owner" });
  await screenshot(page, "memory");

  // On a phone the two columns stack; nothing scrolls sideways.
  await page.setViewportSize({ width: 375, height: 740 });
  expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
  await screenshot(page, "memory-phone");
  await page.setViewportSize({ width: 1280, height: 800 });

  // Forgetting a person (confirmed) leaves the other one untouched.
  await page.getByRole("button", { name: "Forget this person" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Forget this person" }).click();
  await page.getByText(/Mira remembers nothing about Visitor/).waitFor();
  expect(await storedMemories(agent, ada)).toEqual([]);
  expect((await storedMemories(agent, bo)).map((memory) => memory.content)).toEqual(["Lives in Oslo."]);
  expect(errors).toEqual([]);
  await context.close();
});

test("an agent that remembers no one explains how memory works", async () => {
  const agent = (await server.json<Agent>("POST", "/api/agents", { name: "Nell", greetings: [] })).body;
  const { page, context, errors } = await openStudio(browser, server);
  await page.goto(`/agents/${agent.id}/memory`);
  await page.getByRole("heading", { name: "Nell remembers no one yet" }).waitFor();
  expect(await page.getByText("no one else's conversation can reach them").count()).toBe(1);
  expect(errors).toEqual([]);
  await context.close();
});

test("on the share page a visitor sees only their own memories and makes the agent forget them", async () => {
  const agent = await publishedAgent("Juno");
  const { page, context, errors } = await openStudio(browser, server, { signedIn: false, viewport: { width: 375, height: 740 } });
  await page.goto(`/a/${agent.handle}`);
  await page.getByRole("textbox", { name: "Message Juno" }).and(page.locator(":enabled")).waitFor();
  const me = (await (await context.request.get("/api/visitors/me")).json()) as { visitorId: string };
  const stranger = await newVisitor();
  await remember(agent, me.visitorId, "name", "Their name is Kit.");
  await remember(agent, stranger, "fact", "A stranger's secret.");

  const toggle = page.getByRole("button", { name: "What do you remember about me?" });
  await toggle.click();
  expect(await toggle.getAttribute("aria-expanded")).toBe("true");
  const panel = page.getByRole("region", { name: "What Juno remembers about you" });
  await panel.getByText("Their name is Kit.").waitFor();
  expect(await panel.innerText()).not.toContain("A stranger's secret.");
  expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
  expect(await accessibilityViolations(page)).toEqual([]);
  await screenshot(page, "share-memory-phone");

  // "Forget me" asks first, then clears this visitor's memories and no one else's.
  await panel.getByRole("button", { name: "Forget me" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Forget me" }).click();
  await panel.getByText("Juno remembers nothing about you.").waitFor();
  expect(await storedMemories(agent, me.visitorId)).toEqual([]);
  expect((await storedMemories(agent, stranger)).map((memory) => memory.content)).toEqual(["A stranger's secret."]);
  const people = (await server.json<RememberedPeople>("GET", `/api/agents/${agent.id}/people`)).body.people;
  expect(people.map((person) => person.participantId)).toEqual([stranger]);

  // Closing and opening again reads the store again.
  await toggle.click();
  await toggle.click();
  await panel.getByText("Juno remembers nothing about you.").waitFor();
  expect(errors.filter((error) => !/status of 401/.test(error))).toEqual([]);
  await context.close();
});

/** A summary stored as the background step would after a long conversation (the tiny model's own summaries are noise). */
async function summarise(conversationId: string, content: string): Promise<void> {
  const { body } = await server.json<ConversationWithMessages>("GET", `/api/conversations/${conversationId}`);
  const first = body.messages[0]!;
  await server.services.store.summaries.add({
    id: `sum_test_${conversationId}`, conversationId, content, throughMessageId: first.id, coveredMessages: 1, model: "test", now: new Date().toISOString(),
  });
}

async function expectSummary(page: Page, content: string): Promise<void> {
  const disclosure = page.locator("details.earlier-summary");
  await disclosure.getByText("Earlier messages summarised").waitFor();
  // Collapsed until asked for.
  expect(await disclosure.getAttribute("open")).toBeNull();
  expect(await disclosure.getByText(content).isVisible()).toBe(false);
  await disclosure.getByText("Earlier messages summarised").click();
  await disclosure.getByText(content).waitFor();
}

test("a summarised conversation shows its summary, collapsed, in the studio chat, the inbox and on the share page", async () => {
  const agent = await publishedAgent("Sage");

  // The owner's own conversation in the studio chat.
  const own = (await server.json<{ conversation: { id: string } }>("POST", "/api/conversations", { agentId: agent.id })).body.conversation.id;
  await server.json("POST", `/api/conversations/${own}/messages`, { content: "Hello there", stream: false });
  await summarise(own, "The owner said hello and asked nothing yet.");
  const studio = await openStudio(browser, server);
  await studio.page.goto(`/agents/${agent.id}/chat/${own}`);
  await expectSummary(studio.page, "The owner said hello and asked nothing yet.");
  expect(await accessibilityViolations(studio.page)).toEqual([]);

  // A visitor's conversation: on their share page, then in the owner's inbox.
  const visitor = await openStudio(browser, server, { signedIn: false, viewport: { width: 375, height: 740 } });
  await visitor.page.goto(`/a/${agent.handle}`);
  const box = visitor.page.getByRole("textbox", { name: "Message Sage" }).and(visitor.page.locator(":enabled"));
  await box.fill("Hi, I am Robin.");
  await box.press("Enter");
  await visitor.page.locator('[role="log"][aria-busy="false"]').getByRole("article", { name: "Sage (AI) said" }).nth(1).waitFor();
  const listed = (await (await visitor.context.request.get(`/api/conversations?agentId=${agent.id}`)).json()) as { conversations: Array<{ id: string }> };
  const shared = listed.conversations[0]!.id;
  await summarise(shared, "Robin introduced themself.");
  await visitor.page.reload();
  await expectSummary(visitor.page, "Robin introduced themself.");
  expect(await visitor.page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);

  await studio.page.goto(`/inbox/${shared}`);
  await expectSummary(studio.page, "Robin introduced themself.");
  expect(studio.errors).toEqual([]);
  expect(visitor.errors.filter((error) => !/status of 401/.test(error))).toEqual([]);
  await studio.context.close();
  await visitor.context.close();
});
