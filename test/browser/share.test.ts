import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Agent, ConversationList, ConversationWithMessages } from "../../src/contracts/index.js";
import { openStudio, screenshot, startStudio, stopStudio } from "../support/browser.js";
import type { TestServer } from "../support/server.js";

/*
 * The public share page, /a/<handle>, as visitors see it: no account, an anonymous httpOnly cookie,
 * their own conversations only, every AI message marked as AI, the owner's messages as a person's.
 */

let server: TestServer;
let browser: Browser;
let agent: Agent;

const GREETING = "Hello! I am Lily and I tell tiny stories.";
const OPENERS = ["Tell me a story", "What can you do?"];

beforeAll(async () => {
  ({ server, browser } = await startStudio());
  agent = await publishedAgent({ name: "Lily", tagline: "Stories on request", description: "A storyteller for curious people." });
});
afterAll(() => stopStudio({ server, browser }));

async function createAgent(profile: Record<string, unknown>): Promise<Agent> {
  const { status, body } = await server.json<Agent>("POST", "/api/agents", {
    greetings: [GREETING], openers: OPENERS, model: { maxTokens: 24 }, ...profile,
  });
  expect(status).toBe(201);
  return body;
}

async function publishedAgent(profile: Record<string, unknown>): Promise<Agent> {
  const created = await createAgent(profile);
  const { status, body } = await server.json<Agent>("POST", `/api/agents/${created.id}/publish`, {});
  expect(status).toBe(200);
  return body;
}

/** A visitor: a browser context with no owner session. */
async function visit(options: { viewport?: { width: number; height: number }; colorScheme?: "light" | "dark" } = {}) {
  const opened = await openStudio(browser, server, { ...options, signedIn: false });
  await opened.page.goto(`/a/${agent.handle}`);
  await opened.page.getByRole("heading", { level: 1, name: agent.name }).waitFor();
  await log(opened.page).waitFor();
  return opened;
}

const log = (page: Page) => page.getByRole("log", { name: `Conversation with ${agent.name}` });
const aiMessages = (page: Page) => log(page).getByRole("article", { name: `${agent.name} (AI) said` });
const visitorMessages = (page: Page) => log(page).getByRole("article", { name: "You said" });

/** A reply has finished when the log is no longer busy and the composer takes text again. */
async function replyFinished(page: Page): Promise<void> {
  await page.locator('[role="log"][aria-busy="false"]').waitFor();
  await page.getByRole("textbox", { name: `Message ${agent.name}` }).and(page.locator(":enabled")).waitFor();
}

/** The first visit's 401 from GET /api/visitors/me (no identity yet) is how the page learns to start one. */
function unexpected(errors: string[]): string[] {
  return errors.filter((error) => !/status of 401/.test(error));
}

async function visitorConversations(context: BrowserContext): Promise<ConversationList> {
  const response = await context.request.get(`/api/conversations?agentId=${agent.id}`);
  expect(response.status()).toBe(200);
  return (await response.json()) as ConversationList;
}

test("a visitor is greeted, sends an opener, gets a reply marked as AI, and keeps the conversation on reload", async () => {
  const { page, context, errors } = await visit();
  await page.getByText("Stories on request").waitFor();
  await page.getByText("A storyteller for curious people.").waitFor();
  await page.getByText("You are chatting with an AI", { exact: false }).waitFor();
  await aiMessages(page).filter({ hasText: GREETING }).waitFor();

  // The visitor identity is an httpOnly cookie: page scripts never see the token.
  const cookie = (await context.cookies()).find((candidate) => candidate.name === "atelier_visitor");
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });
  expect(await page.evaluate<string>("document.cookie")).not.toContain("atelier_visitor");

  await page.getByRole("group", { name: "Suggested messages" }).getByRole("button", { name: OPENERS[0] }).click();
  await visitorMessages(page).filter({ hasText: OPENERS[0] }).waitFor();
  await aiMessages(page).nth(1).waitFor();
  await replyFinished(page);
  // Once the visitor spoke, the suggestions make way for the conversation.
  expect(await page.getByRole("group", { name: "Suggested messages" }).count()).toBe(0);

  // Every message from the agent carries the AI label.
  const replies = await aiMessages(page).all();
  expect(replies).toHaveLength(2);
  for (const reply of replies) expect(await reply.getByText("AI", { exact: true }).isVisible()).toBe(true);

  // The server filed it as the visitor's, from the share page, with the reply stored.
  const { conversations } = await visitorConversations(context);
  expect(conversations).toHaveLength(1);
  const stored = (await server.json<ConversationWithMessages>("GET", `/api/conversations/${conversations[0]!.id}`)).body;
  expect(stored.conversation.channel).toBe("share");
  expect(stored.messages.map((message) => message.role)).toEqual(["assistant", "user", "assistant"]);
  const replyText = stored.messages[2]!.content;
  if (replyText.trim() !== "") expect(await aiMessages(page).nth(1).innerText()).toContain(replyText.trim().split(/\s+/)[0]);

  await page.reload();
  await visitorMessages(page).filter({ hasText: OPENERS[0] }).waitFor();
  expect(await aiMessages(page).count()).toBe(2);
  expect(await visitorConversations(context)).toEqual({ conversations });

  // A new conversation starts over with the greeting; a reload stays on it.
  await page.getByRole("button", { name: "New conversation" }).click();
  await page.getByRole("group", { name: "Suggested messages" }).waitFor();
  expect(await visitorMessages(page).count()).toBe(0);
  expect((await visitorConversations(context)).conversations).toHaveLength(2);
  await page.reload();
  await aiMessages(page).filter({ hasText: GREETING }).waitFor();
  expect(await visitorMessages(page).count()).toBe(0);

  expect(unexpected(errors)).toEqual([]);
  await context.close();
});

test("a second visitor sees none of the first visitor's messages", async () => {
  const first = await visit();
  const secret = "My secret word is pineapple";
  await first.page.getByRole("textbox", { name: `Message ${agent.name}` }).fill(secret);
  await first.page.getByRole("textbox", { name: `Message ${agent.name}` }).press("Enter");
  await visitorMessages(first.page).filter({ hasText: secret }).waitFor();
  await replyFinished(first.page);

  const second = await visit();
  await aiMessages(second.page).filter({ hasText: GREETING }).waitFor();
  expect(await visitorMessages(second.page).count()).toBe(0);
  expect(await second.page.getByText("pineapple").count()).toBe(0);
  expect((await visitorConversations(second.context)).conversations).toEqual([]);

  // Each visitor has their own identity.
  const cookieOf = async (context: BrowserContext) => (await context.cookies()).find((cookie) => cookie.name === "atelier_visitor")?.value;
  expect(await cookieOf(first.context)).not.toBe(await cookieOf(second.context));
  await first.context.close();
  await second.context.close();
});

test("an unpublished or unknown agent shows the not-available page", async () => {
  const hidden = await createAgent({ name: "Hidden Helper" });
  const { page, context } = await openStudio(browser, server, { signedIn: false });
  for (const handle of [hidden.handle, "no-such-agent"]) {
    await page.goto(`/a/${handle}`);
    await page.getByRole("heading", { level: 1, name: "This agent is not available" }).waitFor();
    expect(await page.getByText("Hidden Helper").count()).toBe(0);
  }
  // A dead link leaves no visitor identity behind.
  expect((await context.cookies()).some((cookie) => cookie.name === "atelier_visitor")).toBe(false);

  // Published, then private again: the page goes with it.
  const later = await publishedAgent({ name: "Brief Bot" });
  await page.goto(`/a/${later.handle}`);
  await page.getByRole("heading", { level: 1, name: "Brief Bot" }).waitFor();
  expect((await server.json("POST", `/api/agents/${later.id}/unpublish`, {})).status).toBe(200);
  await page.reload();
  await page.getByRole("heading", { level: 1, name: "This agent is not available" }).waitFor();
  await context.close();
});

test("on a phone in the dark theme the page fits the screen without sideways scrolling", async () => {
  const { page, context, errors } = await visit({ viewport: { width: 375, height: 740 }, colorScheme: "dark" });
  expect(await page.evaluate<string | undefined>("document.documentElement.dataset.theme")).toBe("dark");
  await page.getByRole("button", { name: OPENERS[1] }).click();
  await replyFinished(page);
  const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
  expect(overflow).toBeLessThanOrEqual(0);
  const composer = await page.getByRole("textbox", { name: `Message ${agent.name}` }).boundingBox();
  expect(composer && composer.x >= 0 && composer.x + composer.width <= 375).toBe(true);
  await screenshot(page, "share-phone-dark");
  expect(unexpected(errors)).toEqual([]);
  await context.close();
});

test("an owner signed in in the same browser can try their own page", async () => {
  const { page, context, errors } = await openStudio(browser, server);
  await page.goto(`/a/${agent.handle}`);
  await aiMessages(page).filter({ hasText: GREETING }).waitFor();
  await page.getByRole("textbox", { name: `Message ${agent.name}` }).fill("Hi, this is the owner testing");
  await page.getByRole("textbox", { name: `Message ${agent.name}` }).press("Enter");
  await aiMessages(page).nth(1).waitFor();
  await replyFinished(page);
  // The owner's inbox lists visitors' conversations too; the page resumes only the owner's own.
  await page.reload();
  await visitorMessages(page).filter({ hasText: "owner testing" }).waitFor();
  expect(await page.getByText("pineapple").count()).toBe(0);
  // GET /api/visitors/me answers 403 to an account: that is how the page learns it talks as the owner.
  expect(errors.filter((error) => !/status of 403/.test(error))).toEqual([]);
  await context.close();
});

/** A visitor on a fresh agent's page who has sent one message; returns the conversation id. */
async function visitorTalking(target: Agent, text: string) {
  const opened = await openStudio(browser, server, { signedIn: false });
  await opened.page.goto(`/a/${target.handle}`);
  const box = opened.page.getByRole("textbox", { name: `Message ${target.name}` });
  await box.and(opened.page.locator(":enabled")).waitFor();
  await box.fill(text);
  await box.press("Enter");
  await opened.page.getByRole("log").getByRole("article", { name: "You said" }).filter({ hasText: text }).waitFor();
  const { conversations } = (await (await opened.context.request.get(`/api/conversations?agentId=${target.id}`)).json()) as ConversationList;
  expect(conversations).toHaveLength(1);
  return { ...opened, conversationId: conversations[0]!.id };
}

test("the owner's messages arrive live, labelled as a person, and a taken-over conversation waits for them", async () => {
  const target = await publishedAgent({ name: "Mia", greetings: [] });
  const { page, context, errors, conversationId } = await visitorTalking(target, "Hello there");
  await page.getByRole("log").getByRole("article", { name: "Mia (AI) said" }).waitFor();
  await page.locator('[role="log"][aria-busy="false"]').waitFor();

  const owner = await server.json("POST", `/api/conversations/${conversationId}/owner-messages`, { content: "Hi, Sam from the team here." });
  expect(owner.status).toBe(201);
  const fromPerson = page.getByRole("log").getByRole("article", { name: "Mia team (a person) said" });
  await fromPerson.filter({ hasText: "Sam from the team" }).waitFor();
  expect(await fromPerson.getByText("Person", { exact: true }).isVisible()).toBe(true);
  expect(await fromPerson.getByText("AI", { exact: true }).count()).toBe(0);
  await page.getByText("A person from the Mia team has joined this conversation.").waitFor();
  await page.getByRole("status").filter({ hasText: "New message from the Mia team." }).waitFor();

  // Taken over: the agent stays silent and the visitor is told a person will answer.
  const box = page.getByRole("textbox", { name: "Message Mia" });
  await box.fill("Can a person help me?");
  await box.press("Enter");
  await page.getByRole("log").getByText("A person will reply here shortly.").waitFor();
  expect(await page.getByRole("log").getByRole("article", { name: "Mia (AI) said" }).count()).toBe(1);
  await server.json("POST", `/api/conversations/${conversationId}/owner-messages`, { content: "Of course, what do you need?" });
  await fromPerson.filter({ hasText: "what do you need" }).waitFor();
  expect(await page.getByRole("log").getByText("A person will reply here shortly.").count()).toBe(0);

  // Both survive a reload, still labelled.
  await page.reload();
  await fromPerson.nth(1).waitFor();
  expect(unexpected(errors)).toEqual([]);
  await context.close();
});

test("a reply held for review shows a notice, then arrives live once the owner approves it", async () => {
  const target = await publishedAgent({ name: "Rex", greetings: [] });
  expect((await server.json("PATCH", `/api/agents/${target.id}/publishing`, { reviewReplies: true })).status).toBe(200);
  const { page, context, errors, conversationId } = await visitorTalking(target, "Is my order late?");
  await page.getByRole("log").getByText("A person will reply here shortly.").waitFor();

  await approveWhenWritten(conversationId, "It ships today.");
  const reply = page.getByRole("log").getByRole("article", { name: "Rex (AI) said" });
  await reply.filter({ hasText: "It ships today." }).waitFor();
  expect(await reply.getByText("AI", { exact: true }).isVisible()).toBe(true);
  expect(await page.getByRole("log").getByText("A person will reply here shortly.").count()).toBe(0);
  expect(unexpected(errors)).toEqual([]);
  await context.close();
});

/** Approves the held draft (with an edit) once the model has finished writing it. */
async function approveWhenWritten(conversationId: string, content: string): Promise<void> {
  let last: unknown = "no finished draft";
  for (let attempt = 0; attempt < 200; attempt++) {
    const { body } = await server.json<ConversationWithMessages>("GET", `/api/conversations/${conversationId}`);
    const draft = body.messages.find((message) => message.review === "pending" && message.status === "complete");
    if (draft) {
      const approved = await server.json("POST", `/api/conversations/${conversationId}/messages/${draft.id}/approve`, { content });
      if (approved.status === 200) return;
      last = approved;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the held draft could not be approved: ${JSON.stringify(last)}`);
}

test("a visitor over the owner's limit sees the owner's message and can send again later", async () => {
  const target = await publishedAgent({ name: "Zed", greetings: [] });
  const limitMessage = "Zed needs a short break. Please come back in a minute.";
  const patched = await server.json("PATCH", `/api/agents/${target.id}/publishing`, { limits: { visitorPerMinute: 1 }, limitMessage });
  expect(patched.status).toBe(200);
  const { page, context } = await visitorTalking(target, "First message");
  await page.locator('[role="log"][aria-busy="false"]').waitFor();
  await page.getByRole("textbox", { name: "Message Zed" }).and(page.locator(":enabled")).waitFor();

  await page.getByRole("textbox", { name: "Message Zed" }).fill("Second message");
  await page.getByRole("textbox", { name: "Message Zed" }).press("Enter");
  const alert = page.getByRole("alert");
  await alert.filter({ hasText: limitMessage }).waitFor();
  await page.getByRole("log").getByRole("article", { name: "You said" }).filter({ hasText: "Second message" }).getByText("Not sent").waitFor();
  expect(await alert.getByRole("button", { name: "Send again" }).count()).toBe(1);
  await context.close();
});
