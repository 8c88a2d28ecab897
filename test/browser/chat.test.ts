import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Agent, ConversationWithMessages, ErrorBody, Message } from "../../src/contracts/index.js";
import { openStudio, screenshot, startStudio, stopStudio } from "../support/browser.js";
import type { TestServer } from "../support/server.js";

let server: TestServer;
let browser: Browser;

const GREETING = "Hello there! I am Lily and I love stories.";

beforeAll(async () => {
  ({ server, browser } = await startStudio());
});
afterAll(() => stopStudio({ server, browser }));

async function createAgent(profile: Record<string, unknown>): Promise<Agent> {
  const { status, body } = await server.json<Agent>("POST", "/api/agents", { greetings: [], ...profile });
  expect(status).toBe(201);
  return body;
}

/** Short replies keep the tests quick; the stop test needs a long one instead. */
const storyteller = () => createAgent({ name: "Lily", greetings: [GREETING], model: { maxTokens: 40, temperature: 0.8 } });

async function storedMessages(page: Page): Promise<Message[]> {
  const conversationId = decodeURIComponent(new URL(page.url()).pathname.split("/").at(-1) ?? "");
  const { status, body } = await server.json<ConversationWithMessages>("GET", `/api/conversations/${conversationId}`);
  expect(status).toBe(200);
  return body.messages;
}

// The test project has no DOM types: page scripts are passed as source text.
const clipboard = (page: Page) => page.evaluate<string>("navigator.clipboard.readText()");
const log = (page: Page) => page.getByRole("log");
const replies = (page: Page, agentName: string) => log(page).getByRole("article", { name: `${agentName} said` });

/** A reply has finished when its Regenerate button is back (it is hidden while anything streams). */
async function sendAndWait(page: Page, agentName: string, text: string): Promise<void> {
  await page.getByLabel(`Message ${agentName}`).fill(text);
  await page.getByLabel(`Message ${agentName}`).press("Enter");
  await log(page).getByRole("button", { name: "Regenerate" }).waitFor();
}

/** Starts a conversation with the page's button and waits until the page shows that very one. */
async function startWith(page: Page, buttonName: string): Promise<void> {
  const [response] = await Promise.all([
    page.waitForResponse((candidate) => candidate.request().method() === "POST" && new URL(candidate.url()).pathname === "/api/conversations"),
    page.getByRole("button", { name: buttonName }).click(),
  ]);
  const { conversation } = (await response.json()) as ConversationWithMessages;
  await page.waitForURL(new RegExp(`/chat/${conversation.id}$`));
  await page.getByRole("textbox").and(page.locator(":enabled")).waitFor();
}

async function newConversation(page: Page, agent: Agent): Promise<void> {
  await page.goto(`/agents/${agent.id}/chat`);
  await startWith(page, "New conversation");
}

test("a new conversation greets, streams a reply with details, copies it and regenerates it", async () => {
  const agent = await storyteller();
  const { page, context, errors } = await openStudio(browser, server);
  await newConversation(page, agent);

  await replies(page, "Lily").filter({ hasText: GREETING }).waitFor();
  expect(await page.getByRole("link", { name: /Chat with Lily/ }).count()).toBe(1);
  expect(await page.getByRole("link", { name: /Chat with Lily/ }).getAttribute("aria-current")).toBe("page");

  // Enter sends; the reply streams into the log and ends with its actions.
  await sendAndWait(page, "Lily", "Tell me a story about a cat.");
  const reply = replies(page, "Lily").last();
  const [, stored] = (await storedMessages(page)).filter((message) => message.role === "assistant");
  expect(stored).toMatchObject({ status: "complete", usage: { completionTokens: expect.any(Number) } });
  expect((await reply.innerText()).length).toBeGreaterThan(0);

  await reply.getByRole("button", { name: "Details" }).click();
  const details = reply.getByRole("definition");
  expect(await details.nth(0).innerText()).toBe(stored!.model);
  expect(await details.nth(1).innerText()).toBe(String(agent.version));
  expect(await details.nth(2).innerText()).toMatch(/^\d+(\.\d+)? m?s$/);
  expect(await details.nth(3).innerText()).toMatch(/^\d+(\.\d+)? m?s$/);
  expect(await details.nth(4).innerText()).toMatch(/^\d+ written/);

  await reply.getByRole("button", { name: "Copy" }).click();
  await reply.getByRole("button", { name: "Copied" }).waitFor();
  expect(await clipboard(page)).toBe(stored!.content);
  await screenshot(page, "chat");

  // Regenerate swaps the reply for a new one, in place; the old one leaves the server's history.
  await reply.getByRole("button", { name: "Regenerate" }).click();
  await log(page).getByRole("button", { name: "Regenerate" }).waitFor();
  const after = await storedMessages(page);
  expect(after.map((message) => message.id)).not.toContain(stored!.id);
  const current = after.filter((message) => message.role === "assistant");
  expect(current).toHaveLength(2);
  expect(current[1]).toMatchObject({ status: "complete" });
  await replies(page, "Lily").nth(1).getByRole("button", { name: "Copy" }).click();
  expect(await clipboard(page)).toBe(current[1]!.content);
  expect(await replies(page, "Lily").count()).toBe(2);
  expect(errors).toEqual([]);
  await context.close();
});

test("Stop keeps the partial reply, marked stopped, and the server stores it as incomplete", async () => {
  // stories260K rarely ends a story by itself: a long budget gives seconds of streaming to stop.
  const agent = await createAgent({ name: "Long Talker", model: { maxTokens: 4000, temperature: 1 } });
  const { page, context, errors } = await openStudio(browser, server);
  await page.goto(`/agents/${agent.id}/chat`);
  await startWith(page, "Start a conversation");
  await page.getByText("Say hello to Long Talker").waitFor();

  const input = page.getByLabel("Message Long Talker");
  await input.fill("Once upon a time");
  await input.press("Enter");
  // Focus moves to Stop, so the keyboard can stop the reply; wait for some text first.
  await page.locator("button:focus", { hasText: "Stop" }).waitFor();
  await replies(page, "Long Talker").locator(".chat-markdown").waitFor();
  expect(await input.isDisabled()).toBe(true);
  await page.keyboard.press("Enter");

  const reply = replies(page, "Long Talker").last();
  await reply.getByText("Stopped", { exact: true }).waitFor();
  const stored = (await storedMessages(page)).at(-1)!;
  expect(stored).toMatchObject({ role: "assistant", status: "incomplete", finishReason: "aborted" });
  expect(stored.content.length).toBeGreaterThan(0);
  // The composer is back, focused, for the next message.
  await page.locator("textarea:focus").waitFor();
  await reply.getByRole("button", { name: "Copy" }).click();
  expect(await clipboard(page)).toBe(stored.content);
  expect(errors).toEqual([]);
  await context.close();
});

test("a reply still being written when the page reloads carries on streaming after the reload", async () => {
  // About a thousand tokens take stories260K 2-3 s: the reload lands well inside the reply.
  const agent = await createAgent({ name: "Long Talker", model: { maxTokens: 4000, temperature: 1 } });
  const { page, context, errors } = await openStudio(browser, server);
  await page.goto(`/agents/${agent.id}/chat`);
  await startWith(page, "Start a conversation");
  const input = page.getByLabel("Message Long Talker");
  await input.fill("Once upon a time");
  await input.press("Enter");
  await page.locator("button:focus", { hasText: "Stop" }).waitFor();

  const reattached = page.waitForRequest((request) => /\/replies\/[^/]+\/events$/.test(request.url()));
  await page.reload();
  await reattached;
  await page.getByRole("button", { name: "Stop" }).waitFor();
  const reply = replies(page, "Long Talker").last();
  await reply.getByRole("button", { name: "Regenerate" }).waitFor();
  const stored = (await storedMessages(page)).at(-1)!;
  expect(stored).toMatchObject({ role: "assistant", status: "complete" });
  // Replayed from its first event: the text on screen is the stored reply, once.
  await reply.getByRole("button", { name: "Copy" }).click();
  expect(await clipboard(page)).toBe(stored.content);
  expect(await replies(page, "Long Talker").count()).toBe(1);
  expect(errors).toEqual([]);
  await context.close();
});

test("the chat page opens the newest conversation and deletes one only after confirmation", async () => {
  const agent = await storyteller();
  const older = await server.json<ConversationWithMessages>("POST", "/api/conversations", { agentId: agent.id, title: "Older chat" });
  const newer = await server.json<ConversationWithMessages>("POST", "/api/conversations", { agentId: agent.id, title: "Newer chat" });
  const { page, context, errors } = await openStudio(browser, server);
  await page.goto(`/agents/${agent.id}/chat`);
  await page.waitForURL(new RegExp(`/chat/${newer.body.conversation.id}$`));
  const links = page.getByRole("navigation", { name: "Conversations" }).getByRole("link");
  expect(await links.allInnerTexts()).toEqual([expect.stringContaining("Newer chat"), expect.stringContaining("Older chat")]);
  expect(await links.first().getAttribute("aria-current")).toBe("page");

  await page.getByRole("button", { name: /^Delete Newer chat/ }).click();
  await page.getByRole("button", { name: "Cancel" }).click();
  expect(await links.count()).toBe(2);
  await page.getByRole("button", { name: /^Delete Newer chat/ }).click();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.waitForURL(new RegExp(`/chat/${older.body.conversation.id}$`));
  expect(await links.allInnerTexts()).toEqual([expect.stringContaining("Older chat")]);
  expect((await server.json("GET", `/api/conversations/${newer.body.conversation.id}`)).status).toBe(404);
  expect(errors).toEqual([]);
  await context.close();
});

test("HTML in messages renders as text and never runs", async () => {
  const agent = await storyteller();
  const { page, context, errors } = await openStudio(browser, server);
  await newConversation(page, agent);
  const payload = `<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>`;
  await sendAndWait(page, "Lily", payload);

  const mine = log(page).getByRole("article", { name: "You said" });
  expect(await mine.innerText()).toContain(payload);
  expect(await log(page).locator("img, script").count()).toBe(0);
  expect(await page.evaluate<unknown>("window.__xss")).toBeUndefined();
  expect(errors).toEqual([]);
  await context.close();
});

test("a missing model shows the server's message in the conversation, with Retry", async () => {
  const agent = await createAgent({ name: "Lost", model: { model: "missing.gguf" } });
  const { page, context } = await openStudio(browser, server);
  await newConversation(page, agent);
  const conversationId = new URL(page.url()).pathname.split("/").at(-1)!;
  const expected = await server.json<ErrorBody>("POST", `/api/conversations/${conversationId}/messages`, { content: "Hi", stream: false });
  expect(expected.body.error.code).toBe("model_not_found");

  await page.getByLabel("Message Lost").fill("Hello?");
  await page.getByLabel("Message Lost").press("Enter");
  const alert = log(page).getByRole("alert");
  await alert.waitFor();
  expect(await alert.innerText()).toContain(expected.body.error.message);
  await log(page).getByText("Not sent").waitFor();

  // Retry sends the same message again: it fails the same way, still explained, nothing duplicated.
  const [resent] = await Promise.all([
    page.waitForResponse((response) => response.request().method() === "POST" && response.url().endsWith("/messages")),
    alert.getByRole("button", { name: "Retry" }).click(),
  ]);
  expect(resent.request().postDataJSON()).toMatchObject({ content: "Hello?" });
  await log(page).getByRole("alert").getByRole("button", { name: "Retry" }).waitFor();
  expect(await log(page).getByRole("article", { name: "You said" }).count()).toBe(1);
  await context.close();
});

test("the message length limit is explained before sending", async () => {
  const agent = await storyteller();
  const { page, context, errors } = await openStudio(browser, server);
  await newConversation(page, agent);
  await page.getByLabel("Message Lily").fill("a".repeat(32_001));
  await page.getByText("This message is 1 characters too long").waitFor();
  expect(await page.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
  expect(errors).toEqual([]);
  await context.close();
});

test("on a phone the list folds behind a button and nothing scrolls sideways; dark theme uses the dark colours", async () => {
  const agent = await storyteller();
  const phone = await openStudio(browser, server, { viewport: { width: 375, height: 740 } });
  const { page } = phone;
  await page.goto(`/agents/${agent.id}/chat`);
  await startWith(page, "Start a conversation");
  await sendAndWait(page, "Lily", `A long word: ${"x".repeat(200)} and a link https://example.com/${"y".repeat(120)}`);

  const newButton = page.getByRole("button", { name: "New conversation" });
  expect(await newButton.isVisible()).toBe(false);
  await page.getByRole("button", { name: "Conversations" }).click();
  expect(await newButton.isVisible()).toBe(true);
  expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
  await page.getByRole("button", { name: "Conversations" }).click();
  await screenshot(page, "chat-phone");
  expect(phone.errors).toEqual([]);
  await phone.context.close();

  const dark = await openStudio(browser, server, { colorScheme: "dark" });
  await newConversation(dark.page, agent);
  await replies(dark.page, "Lily").filter({ hasText: GREETING }).waitFor();
  const colours = await dark.page.evaluate<{ log: string; surface: string; theme: string }>(`({
    log: getComputedStyle(document.querySelector("[role=log]")).backgroundColor,
    surface: getComputedStyle(document.documentElement).getPropertyValue("--surface").trim(),
    theme: document.documentElement.dataset.theme,
  })`);
  expect(colours.theme).toBe("dark");
  expect(colours.log).toBe(hexToRgb(colours.surface));
  await screenshot(dark.page, "chat-dark");
  expect(dark.errors).toEqual([]);
  await dark.context.close();
});

test("the editor's preview chat greets, and Start over replaces the scratch conversation", async () => {
  const agent = await storyteller();
  const { page, context, errors } = await openStudio(browser, server);
  await page.goto(`/agents/${agent.id}/edit`);
  const preview = page.getByRole("region", { name: "Preview chat with Lily" });
  await preview.getByRole("log").getByText(GREETING).waitFor();
  await preview.getByLabel("Message Lily").fill("Hi!");
  await preview.getByLabel("Message Lily").press("Enter");
  await preview.getByRole("button", { name: "Regenerate" }).waitFor();
  const previews = async () =>
    (await server.json<{ conversations: { id: string; title: string }[] }>("GET", `/api/conversations?agentId=${agent.id}`)).body.conversations;
  const [first] = await previews();
  expect(first?.title).toBe("Preview");

  // The old scratch conversation is deleted once the new one exists.
  const deleted = page.waitForResponse((response) => response.request().method() === "DELETE" && response.url().endsWith(first!.id));
  await preview.getByRole("button", { name: "Start over" }).click();
  await preview.getByRole("log").getByText(GREETING).waitFor();
  expect(await preview.getByRole("article", { name: "You said" }).count()).toBe(0);
  expect((await deleted).status()).toBe(204);
  expect((await previews()).map((conversation) => conversation.title)).toEqual(["Preview"]);

  // Opening the editor again continues the last preview rather than adding another.
  await preview.getByLabel("Message Lily").fill("Still there?");
  await preview.getByLabel("Message Lily").press("Enter");
  await preview.getByRole("button", { name: "Regenerate" }).waitFor();
  await page.reload();
  await preview.getByText("Still there?").waitFor();
  expect(await previews()).toHaveLength(1);
  expect(errors).toEqual([]);
  await context.close();
});

function hexToRgb(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}
