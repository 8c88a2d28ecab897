import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Agent, ConversationWithMessages, InboxList, Message } from "../../src/contracts/index.js";
import { openStudio, screenshot, startStudio, stopStudio } from "../support/browser.js";
import type { TestServer } from "../support/server.js";

/*
 * The owner's inbox against a real visitor, in two browser contexts: the owner signed in to the
 * studio on /inbox, the visitor on the agent's share page. Everything the owner sees must arrive
 * live (the page is never reloaded), and everything the owner does must reach the visitor's page.
 */

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  ({ server, browser } = await startStudio());
});
afterAll(() => stopStudio({ server, browser }));

async function publishedAgent(name: string, settings: Record<string, unknown> = {}): Promise<Agent> {
  const created = await server.json<Agent>("POST", "/api/agents", { name, greetings: [], model: { maxTokens: 16, temperature: 0.7 } });
  expect(created.status).toBe(201);
  const published = await server.json<Agent>("POST", `/api/agents/${created.body.id}/publish`, { visibility: "public" });
  expect(published.status).toBe(200);
  if (Object.keys(settings).length > 0) {
    expect((await server.json("PATCH", `/api/agents/${created.body.id}/publishing`, settings)).status).toBe(200);
  }
  return published.body;
}

async function storedMessages(conversationId: string): Promise<Message[]> {
  const { status, body } = await server.json<ConversationWithMessages>("GET", `/api/conversations/${conversationId}`);
  expect(status).toBe(200);
  return body.messages.filter((message) => message.replacedBy === null);
}

/** Polls until `check` passes (server-side state that the pages reach asynchronously). */
async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
}

/** The owner on /inbox, with the live stream connected (so nothing sent after this can be missed). */
async function ownerInbox(prepare?: (page: Page) => Promise<unknown>): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const owner = await openStudio(browser, server);
  await prepare?.(owner.page);
  const connected = owner.page.waitForResponse((response) => new URL(response.url()).pathname === "/api/inbox/events");
  await owner.page.goto("/inbox");
  await owner.page.getByRole("heading", { name: "Inbox", level: 1 }).waitFor();
  expect((await connected).status()).toBe(200);
  // Set once: still there at the end only if the page was never reloaded.
  await owner.page.evaluate("window.__sameInboxPage = true");
  return owner;
}

async function visitorOn(agent: Agent): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 420, height: 860 } });
  const page = await context.newPage();
  await page.goto(`/a/${agent.handle}`);
  await composer(page).waitFor();
  return { context, page };
}

const composer = (page: Page) => page.getByRole("textbox", { name: /message/i });
const visitorLog = (page: Page) => page.getByRole("log");
const visitorAi = (page: Page, agent: Agent) => visitorLog(page).getByRole("article", { name: `${agent.name} (AI) said` });
const visitorPerson = (page: Page, agent: Agent) => visitorLog(page).getByRole("article", { name: `${agent.name} team (a person) said` });

async function visitorSays(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press("Enter");
  await visitorLog(page).getByRole("article", { name: "You said" }).filter({ hasText: text }).waitFor();
}

const rows = (page: Page) => page.getByRole("navigation", { name: "Conversations" }).getByRole("listitem");
const rowFor = (page: Page, text: string) => rows(page).filter({ hasText: text });
const ownerLog = (page: Page) => page.getByRole("log");
const squash = (text: string) => text.replace(/\s+/g, " ").trim();

async function conversationIdOf(page: Page): Promise<string> {
  await page.waitForURL(/\/inbox\/[^/]+$/);
  return decodeURIComponent(new URL(page.url()).pathname.split("/").at(-1) ?? "");
}

/** Unread rows say so to screen readers first ("Unread: Visitor …"), and show a dot. */
async function isUnread(row: Locator): Promise<boolean> {
  return (await row.getByRole("link").innerText()).trim().startsWith("Unread:");
}

test("a visitor's conversation arrives live; the owner takes over, writes as a person, and hands back to the AI", async () => {
  const agent = await publishedAgent("Harbour Guide");
  const owner = await ownerInbox();
  const visitor = await visitorOn(agent);
  const { page } = owner;

  // The visitor's first message: the AI answers them, and the owner's list gains an unread row, live.
  await visitorSays(visitor.page, "Where can I park my boat?");
  await visitorAi(visitor.page, agent).first().waitFor();
  const row = rowFor(page, agent.name);
  await row.waitFor();
  expect(await row.getByRole("link").getAttribute("aria-current")).toBeNull();
  await eventually(async () => expect(await isUnread(row)).toBe(true));
  expect(await row.locator(".inbox-row__dot").count()).toBe(1);
  await row.getByText("Share page").waitFor();

  // Opening it clears the unread mark (on screen and on the server) and shows both sides, labelled.
  await row.getByRole("link").click();
  const conversationId = await conversationIdOf(page);
  await ownerLog(page).getByRole("article", { name: "Visitor said" }).filter({ hasText: "Where can I park my boat?" }).waitFor();
  await ownerLog(page).getByRole("article", { name: "AI said" }).first().waitFor();
  await eventually(async () => expect(await isUnread(row)).toBe(false));
  await eventually(async () => {
    const inbox = await server.json<InboxList>("GET", `/api/inbox?agentId=${agent.id}`);
    expect(inbox.body.conversations.find((conversation) => conversation.id === conversationId)?.unread).toBe(false);
  });
  // The preview is the latest message: the AI's reply, as stored once finished.
  await eventually(async () => expect((await storedMessages(conversationId)).at(-1)).toMatchObject({ role: "assistant", status: "complete" }));
  const reply = (await storedMessages(conversationId)).at(-1)!;
  await eventually(async () => expect(squash(await row.innerText())).toContain(squash(reply.content).slice(0, 12)));

  // Take over: the AI is paused, and a composer for the owner appears.
  await page.getByRole("button", { name: "Take over" }).click();
  await page.getByText("You have taken over.").waitFor();
  await row.getByText("Taken over").waitFor();
  const ownerComposer = page.getByLabel("Reply as yourself");
  await ownerComposer.waitFor();

  // The visitor writes again: the owner sees it live, and no AI reply follows.
  const aiRepliesBefore = await visitorAi(visitor.page, agent).count();
  await visitorSays(visitor.page, "Hello? Is anyone there?");
  await ownerLog(page).getByRole("article", { name: "Visitor said" }).filter({ hasText: "Is anyone there?" }).waitFor();
  await page.waitForTimeout(1_500);
  const afterQuestion = await storedMessages(conversationId);
  expect(afterQuestion.at(-1)).toMatchObject({ role: "user", content: "Hello? Is anyone there?" });
  expect(await visitorAi(visitor.page, agent).count()).toBe(aiRepliesBefore);

  // The owner answers as themself: the visitor's page shows it live, as a person, not as the AI.
  await ownerComposer.fill("Yes, I am the harbour master. Berth 4 is free.");
  await ownerComposer.press("Enter");
  await ownerLog(page).getByRole("article", { name: "You said" }).filter({ hasText: "Berth 4 is free" }).waitFor();
  const personal = visitorPerson(visitor.page, agent).filter({ hasText: "Berth 4 is free" });
  await personal.waitFor();
  expect(await personal.innerText()).not.toMatch(/\bAI\b/);
  expect(await visitorAi(visitor.page, agent).filter({ hasText: "Berth 4 is free" }).count()).toBe(0);
  await screenshot(page, "inbox-taken-over");

  // Hand back: the banner and composer go, and the visitor's next message gets an AI reply again.
  await page.getByRole("button", { name: "Hand back to AI" }).click();
  await page.getByRole("button", { name: "Take over" }).waitFor();
  expect(await page.getByText("You have taken over.").count()).toBe(0);
  expect(await page.getByLabel("Reply as yourself").count()).toBe(0);
  // The AI's reply streams into the owner's open conversation too, followed as it is written.
  const followed = page.waitForRequest((request) => /\/replies\/[^/]+\/events$/.test(new URL(request.url()).pathname));
  await visitorSays(visitor.page, "Thanks! And the fuel dock?");
  await followed;
  await eventually(async () => expect(await visitorAi(visitor.page, agent).count()).toBe(aiRepliesBefore + 1), 30_000);
  await eventually(async () => expect((await storedMessages(conversationId)).at(-1)).toMatchObject({ role: "assistant", author: "agent", status: "complete" }), 30_000);
  await ownerLog(page).getByRole("article", { name: "Visitor said" }).filter({ hasText: "fuel dock" }).waitFor();
  await eventually(async () => expect(await ownerLog(page).getByRole("article", { name: "AI said" }).count()).toBe(aiRepliesBefore + 1));

  expect(await page.evaluate<unknown>("window.__sameInboxPage")).toBe(true);
  expect(owner.errors).toEqual([]);
  await visitor.context.close();
  await owner.context.close();
});

test("with review on, the owner edits and approves a held reply, and the visitor gets the edited text", async () => {
  const agent = await publishedAgent("Careful Clerk", { reviewReplies: true });
  const owner = await ownerInbox();
  const visitor = await visitorOn(agent);
  const { page } = owner;

  await visitorSays(visitor.page, "Can I get a refund?");
  const row = rowFor(page, agent.name);
  await row.getByText("1 to review").waitFor({ timeout: 30_000 });
  await row.getByRole("link").click();
  const conversationId = await conversationIdOf(page);

  const draft = ownerLog(page).getByRole("article", { name: "AI draft awaiting your review said" });
  await draft.getByRole("button", { name: "Approve" }).waitFor({ timeout: 30_000 });
  const held = (await storedMessages(conversationId)).at(-1)!;
  expect(held).toMatchObject({ role: "assistant", review: "pending" });
  // The visitor sees nothing of the draft.
  expect(await visitorLog(visitor.page).getByText(held.content.trim().slice(0, 12), { exact: false }).count()).toBe(0);

  await draft.getByRole("button", { name: "Edit" }).click();
  const editor = draft.getByLabel("Edit the reply before sending");
  expect(await editor.inputValue()).toBe(held.content);
  await editor.fill("Yes: refunds take three working days.");
  await draft.getByRole("button", { name: "Send edited" }).click();

  const sent = ownerLog(page).getByRole("article", { name: "AI said" }).filter({ hasText: "refunds take three working days" });
  await sent.getByText("Edited by you before sending").waitFor();
  expect(await ownerLog(page).getByRole("article", { name: "AI draft awaiting your review said" }).count()).toBe(0);
  await row.getByText("1 to review").waitFor({ state: "detached" });
  await visitorLog(visitor.page).getByRole("article").filter({ hasText: "refunds take three working days" }).waitFor();
  expect((await storedMessages(conversationId)).at(-1)).toMatchObject({ review: "edited", content: "Yes: refunds take three working days." });

  // A second held reply, discarded: it leaves the review count and never reaches the visitor.
  await visitorSays(visitor.page, "And exchanges?");
  const second = ownerLog(page).getByRole("article", { name: "AI draft awaiting your review said" });
  await second.getByRole("button", { name: "Discard" }).click({ timeout: 30_000 });
  await ownerLog(page).getByRole("article", { name: "Discarded AI draft said" }).waitFor();
  expect((await storedMessages(conversationId)).at(-1)).toMatchObject({ review: "discarded" });
  await screenshot(page, "inbox-review");

  expect(await page.evaluate<unknown>("window.__sameInboxPage")).toBe(true);
  expect(owner.errors).toEqual([]);
  await visitor.context.close();
  await owner.context.close();
});

/** A visitor's conversation through the API (Bearer visitor token), with one message and its reply. */
async function visitorConversation(agent: Agent, text: string): Promise<string> {
  const { token } = (await server.json<{ token: string }>("POST", "/api/visitors")).body;
  const auth = { authorization: `Bearer ${token}` };
  const created = await server.json<ConversationWithMessages>("POST", "/api/conversations", { agentId: agent.id }, auth);
  expect(created.status).toBe(201);
  const id = created.body.conversation.id;
  expect((await server.json("POST", `/api/conversations/${id}/messages`, { content: text, stream: false }, auth)).status).toBe(200);
  return id;
}

test("filtering by agent, searching and unread-only narrow the list; the phone layout shows one pane at a time", async () => {
  const alpha = await publishedAgent("Filter Alpha");
  const beta = await publishedAgent("Filter Beta");
  const pineapple = await visitorConversation(alpha, "A question about pineapple pizza");
  await visitorConversation(beta, "A question about walnut bread");
  await visitorConversation(beta, "Another question about rye");

  const { page, context, errors } = await openStudio(browser, server, { viewport: { width: 390, height: 800 } });
  await page.goto("/inbox");
  await rowFor(page, "Filter Alpha").waitFor();
  // The navigation counts unread conversations.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /^Inbox \(\d+ unread\)$/ }).waitFor();

  await page.getByLabel("Agent", { exact: true }).selectOption({ label: "Filter Beta" });
  await eventually(async () => {
    const texts = await rows(page).allInnerTexts();
    expect(texts).toHaveLength(2);
    for (const text of texts) expect(text).toContain("Filter Beta");
  });

  await page.getByLabel("Agent", { exact: true }).selectOption({ label: "All agents" });
  await page.getByLabel("Search", { exact: true }).fill("pineapple");
  await eventually(async () => {
    const texts = await rows(page).allInnerTexts();
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain("Filter Alpha");
  });

  // Phones: opening a row shows only the conversation, with a way back to the list.
  await rowFor(page, "Filter Alpha").getByRole("link").click();
  expect(await conversationIdOf(page)).toBe(pineapple);
  await ownerLog(page).getByRole("article", { name: "Visitor said" }).filter({ hasText: "pineapple" }).waitFor();
  expect(await page.getByRole("navigation", { name: "Conversations" }).isVisible()).toBe(false);
  await screenshot(page, "inbox-phone");
  await page.getByRole("link", { name: "← All conversations" }).click();
  await page.waitForURL(/\/inbox$/);

  // Unread only: the conversation just read drops out, the walnut one (never opened) stays.
  await page.getByLabel("Search", { exact: true }).fill("question");
  await page.getByLabel("Unread only").check();
  await eventually(async () => {
    const texts = await rows(page).allInnerTexts();
    expect(texts.some((text) => text.includes("Filter Beta"))).toBe(true);
    expect(texts.some((text) => text.includes("Filter Alpha"))).toBe(false);
  });
  expect(errors).toEqual([]);
  await context.close();
});

test("when the live stream drops, the inbox says so, reconnects by itself and catches up on what it missed", async () => {
  const agent = await publishedAgent("Night Porter");
  // Until released, every live stream the page opens ends at once, as a dropped connection would.
  let dropping = true;
  const owner = await ownerInbox((page) =>
    page.route("**/api/inbox/events", (route) =>
      dropping ? route.fulfill({ status: 200, contentType: "text/event-stream", body: "" }) : route.fallback()),
  );
  const { page } = owner;
  await page.getByText("Live updates paused: reconnecting…").waitFor();
  await visitorConversation(agent, "Sent while the owner's stream was down");
  dropping = false;

  // Each attempt to reconnect fetches the list again, so the gap is caught up; then the stream is live once more.
  await rowFor(page, agent.name).waitFor({ timeout: 20_000 });
  await page.getByText("Live updates paused").waitFor({ state: "detached" });
  await visitorConversation(agent, "Sent after the reconnection");
  await eventually(async () => expect(await rowFor(page, agent.name).count()).toBe(2));

  expect(await page.evaluate<unknown>("window.__sameInboxPage")).toBe(true);
  expect(owner.errors).toEqual([]);
  await owner.context.close();
});
