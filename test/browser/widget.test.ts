import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Agent, ConversationList, ConversationWithMessages, Publication } from "../../src/contracts/index.js";
import { screenshot, startStudio, stopStudio } from "../support/browser.js";
import type { TestServer } from "../support/server.js";
import { accessibilityViolations } from "./axe.js";

/*
 * The website widget as a business embeds it: a page on ANOTHER origin (a second HTTP server) with
 * one <script> tag pointing at the Atelier server, and CSS that tries hard to restyle everything.
 */

let server: TestServer;
let browser: Browser;
let host: Server;
/** The host site's two names: one the agent allows, one nobody allows. */
let allowedOrigin: string;
let otherOrigin: string;
let lily: Agent;

const GREETING = "Hello! I am Lily. Want a story?";
const HOSTILE_CSS = `
  * { color: rgb(255, 0, 0) !important; font-size: 40px !important; font-family: serif !important; }
  button, textarea, section, ol, li, div, p { display: none !important; }
  atelier-chat { display: none !important; opacity: 0 !important; }
  .text, .msg, .panel, h2 { padding: 33px; background: rgb(0, 0, 255); }
`;

interface PageOptions {
  agent: string;
  attributes?: string;
  hostile?: boolean;
  twice?: boolean;
}

/** The embedding site's page. It records the window's own properties before the widget runs, to find leaked globals. */
function hostPage(options: PageOptions): string {
  const tag = `<script src="${server.url}/widget.js" data-agent="${options.agent}" ${options.attributes ?? ""} async></script>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shop</title>${options.hostile === false ? "" : `<style>${HOSTILE_CSS}</style>`}
<script>window.__before = Object.getOwnPropertyNames(window);</script></head>
<body><main><h1>Our shop</h1><h2>Opening hours</h2><p class="text msg">Open until six.</p><button class="send">Host button</button></main>
${tag}${options.twice ? tag : ""}</body></html>`;
}

async function createAgent(profile: Record<string, unknown>, allowedOrigins: string[], publishing: Record<string, unknown> = {}): Promise<Agent> {
  const created = await server.json<Agent>("POST", "/api/agents", { model: { maxTokens: 24, temperature: 0.8 }, ...profile });
  expect(created.status).toBe(201);
  const settings = await server.json("PATCH", `/api/agents/${created.body.id}/publishing`, { allowedOrigins, ...publishing });
  expect(settings.status).toBe(200);
  const published = await server.json("POST", `/api/agents/${created.body.id}/publish`, { visibility: "public" });
  expect(published.status).toBe(200);
  return created.body;
}

beforeAll(async () => {
  ({ server, browser } = await startStudio());
  host = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://host");
    const options: PageOptions = {
      agent: url.searchParams.get("agent") ?? "",
      attributes: url.searchParams.get("attributes") ?? "",
      hostile: url.searchParams.get("hostile") !== "0",
      twice: url.searchParams.has("twice"),
    };
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(hostPage(options));
  });
  await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve));
  const { port } = host.address() as AddressInfo;
  allowedOrigin = `http://127.0.0.1:${port}`;
  otherOrigin = `http://localhost:${port}`;
  lily = await createAgent({ name: "Lily", tagline: "Stories on request", greetings: [GREETING], openers: ["Tell me a story"] }, [allowedOrigin]);
});

afterAll(async () => {
  await new Promise((resolve) => host?.close(resolve));
  await stopStudio({ server, browser });
});

async function openHost(options: { origin?: string; query?: Record<string, string>; viewport?: { width: number; height: number }; colorScheme?: "light" | "dark" } = {}):
Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 }, colorScheme: options.colorScheme ?? "light" });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") errors.push(`console: ${message.text()}`);
  });
  const query = new URLSearchParams({ agent: lily.handle, ...options.query });
  await page.goto(`${options.origin ?? allowedOrigin}/?${query}`);
  return { context, page, errors };
}

const bubble = (page: Page, name = "Lily") => page.getByRole("button", { name: `Chat with ${name}` });
const dialog = (page: Page, name = "Lily") => page.getByRole("dialog", { name });
const input = (page: Page) => page.getByRole("textbox", { name: "Message Lily" });
const messages = (page: Page) => page.locator("atelier-chat").locator(".msg");
const agentMessages = (page: Page) => page.locator("atelier-chat").locator(".msg.agent");

/** Sends like a visitor (Enter) and waits until the reply has streamed and Send is back. */
async function send(page: Page, text: string): Promise<Locator> {
  const before = await agentMessages(page).count();
  await input(page).fill(text);
  await input(page).press("Enter");
  await dialog(page).getByRole("button", { name: "Stop" }).waitFor({ state: "hidden" }).catch(() => undefined);
  await dialog(page).getByRole("button", { name: "Send" }).waitFor();
  // A failure shows what the visitor saw (the status line names the error).
  await expect.poll(() => agentMessages(page).count(), { message: await widgetText(page) }).toBeGreaterThan(before);
  return agentMessages(page).last();
}

function widgetText(page: Page): Promise<string> {
  return page.evaluate(() => (document.querySelector("atelier-chat")?.shadowRoot?.querySelector(".root") as HTMLElement | null)?.innerText ?? "(no widget)");
}

/** Computed styles of an element inside the widget's shadow root. */
function widgetStyle(page: Page, selector: string, properties: string[]): Promise<Record<string, string>> {
  return page.evaluate(({ selector, properties }) => {
    const element = document.querySelector("atelier-chat")?.shadowRoot?.querySelector(selector);
    if (!element) throw new Error(`no ${selector} in the widget`);
    const style = getComputedStyle(element);
    return Object.fromEntries(properties.map((property) => [property, style.getPropertyValue(property)]));
  }, { selector, properties });
}

function hostStyle(page: Page, selector: string, properties: string[]): Promise<Record<string, string>> {
  return page.evaluate(({ selector, properties }) => {
    const style = getComputedStyle(document.querySelector(selector)!);
    return Object.fromEntries(properties.map((property) => [property, style.getPropertyValue(property)]));
  }, { selector, properties });
}

async function conversationsOf(agent: Agent): Promise<ConversationList["conversations"]> {
  const { body } = await server.json<ConversationList>("GET", `/api/conversations?agentId=${agent.id}`);
  return body.conversations;
}

test("/widget.js is served for other sites to load", async () => {
  const response = await fetch(`${server.url}/widget.js`);
  expect(response.status).toBe(200);
  expect(response.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
  expect(response.headers.get("content-type")).toMatch(/^text\/javascript/);
  expect(response.headers.get("cache-control")).toBe("public, max-age=300");
});

test("on a hostile page: bubble, dialog, greeting, a streamed AI reply; no styles leak either way; one global", async () => {
  const { page, context, errors } = await openHost({ query: { twice: "1" } });
  await bubble(page).waitFor();
  // Loaded twice, mounted once.
  expect(await page.locator("atelier-chat").count()).toBe(1);
  expect(await bubble(page).isVisible()).toBe(true);
  expect(await widgetStyle(page, ".bubble", ["display", "color", "width"])).toMatchObject({ display: "flex", width: "60px" });

  await bubble(page).click();
  await dialog(page).waitFor();
  expect(await bubble(page).getAttribute("aria-expanded")).toBe("true");
  await messages(page).filter({ hasText: GREETING }).waitFor();
  expect(await page.evaluate(() => document.querySelector("atelier-chat")?.shadowRoot?.activeElement?.tagName)).toBe("TEXTAREA");
  const reply = await send(page, "Tell me a story about a cat.");
  expect((await reply.locator(".text").innerText()).length).toBeGreaterThan(0);
  await reply.getByText("AI", { exact: true }).waitFor();
  await messages(page).filter({ hasText: "Tell me a story about a cat." }).getByText("You").waitFor();

  // Nothing from the page reached inside, nothing from inside reached the page.
  const text = await widgetStyle(page, ".msg.agent .text", ["color", "font-size", "font-family", "padding-top", "display"]);
  expect(text["font-size"]).toBe("15px");
  expect(text.color).not.toBe("rgb(255, 0, 0)");
  expect(text["font-family"]).not.toBe("serif");
  expect(text["padding-top"]).toBe("8px");
  expect(await widgetStyle(page, "h2", ["font-size", "padding-top"])).toEqual({ "font-size": "16px", "padding-top": "0px" });
  expect(await hostStyle(page, "p.text", ["color", "font-size", "padding-top", "background-color"]))
    .toEqual({ color: "rgb(255, 0, 0)", "font-size": "40px", "padding-top": "33px", "background-color": "rgb(0, 0, 255)" });
  expect(await hostStyle(page, "button.send", ["display"])).toEqual({ display: "none" });
  expect(await hostStyle(page, "h2", ["font-size", "padding-top"])).toEqual({ "font-size": "40px", "padding-top": "33px" });

  const leaked = await page.evaluate(() => {
    const before = new Set([...(window as unknown as { __before: string[] }).__before, "__before"]);
    return Object.getOwnPropertyNames(window).filter((name) => !before.has(name));
  });
  expect(leaked).toEqual(["__atelierWidget"]);

  const [conversation] = await conversationsOf(lily);
  expect(conversation).toMatchObject({ channel: "widget" });
  await screenshot(page, "widget");
  expect(errors).toEqual([]);
  await context.close();
});

test("keyboard: Escape closes and returns focus to the bubble; Enter opens; the conversation survives a reload", async () => {
  const { page, context, errors } = await openHost({ query: { hostile: "0" } });
  await bubble(page).focus();
  await page.keyboard.press("Enter");
  await dialog(page).waitFor();
  await input(page).waitFor();
  await send(page, "Remember me, please.");
  await page.keyboard.press("Escape");
  await dialog(page).waitFor({ state: "hidden" });
  expect(await page.evaluate(() => document.querySelector("atelier-chat")?.shadowRoot?.activeElement?.className)).toBe("bubble");
  expect(await bubble(page).getAttribute("aria-expanded")).toBe("false");

  await page.reload();
  await bubble(page).click();
  await messages(page).filter({ hasText: "Remember me, please." }).waitFor();
  expect(await messages(page).first().innerText()).toContain(GREETING);
  expect(await agentMessages(page).count()).toBe(2);

  // New conversation: back to the greeting; the next message starts a second conversation.
  const before = (await conversationsOf(lily)).length;
  await dialog(page).getByRole("button", { name: "New conversation" }).click();
  await expect.poll(() => messages(page).count()).toBe(1);
  await send(page, "A fresh start.");
  expect((await conversationsOf(lily)).length).toBe(before + 1);

  const violations = await accessibilityViolations(page);
  expect(violations).toEqual([]);
  expect(errors).toEqual([]);
  await context.close();
});

test("a message with HTML in it is shown as text, never run", async () => {
  const { page, context, errors } = await openHost();
  await bubble(page).click();
  const attack = `<img src=x onerror="window.__xss = 1"><b>bold</b>`;
  await send(page, attack);
  await messages(page).filter({ hasText: attack }).waitFor();
  expect(await page.evaluate(() => document.querySelector("atelier-chat")?.shadowRoot?.querySelectorAll("img:not([alt=''])").length)).toBe(0);
  expect(await page.evaluate(() => document.querySelector("atelier-chat")?.shadowRoot?.querySelectorAll("b").length)).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(errors).toEqual([]);
  await context.close();
});

test("on a phone the panel fills the screen without horizontal scrolling; dark theme and left position apply", async () => {
  const { page, context, errors } = await openHost({
    viewport: { width: 375, height: 740 }, colorScheme: "dark", query: { attributes: `data-position="left" data-title="Ask Lily" data-open` },
  });
  // data-open: opened by the page itself.
  await dialog(page, "Ask Lily").waitFor();
  const box = await dialog(page, "Ask Lily").boundingBox();
  expect(box).toEqual({ x: 0, y: 0, width: 375, height: 740 });
  expect(await bubble(page, "Ask Lily").isVisible()).toBe(false);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  expect(await widgetStyle(page, ".panel", ["background-color"])).toEqual({ "background-color": "rgb(29, 28, 33)" });
  await screenshot(page, "widget-phone-dark");
  await dialog(page, "Ask Lily").getByRole("button", { name: "Close chat" }).click();
  await bubble(page, "Ask Lily").waitFor();
  const bubbleBox = await bubble(page, "Ask Lily").boundingBox();
  expect(bubbleBox!.x).toBeLessThan(100);
  expect(errors).toEqual([]);
  await context.close();
});

test("a website the agent does not allow gets a friendly refusal, whether another agent allows it or none does", async () => {
  const refused = async () => {
    const { page, context } = await openHost({ origin: otherOrigin });
    await bubble(page).or(page.getByRole("button", { name: "Open chat" })).click();
    await page.getByRole("status").getByText("This chat is not available on this website.").waitFor();
    expect(await input(page).or(page.getByRole("textbox")).isDisabled()).toBe(true);
    await context.close();
  };
  await refused();
  // Now the site may call the server (another agent allows it), but still not Lily.
  await createAgent({ name: "Other" }, [otherOrigin]);
  await refused();
});

test("the owner's messages after a takeover arrive live, labelled as a person; held replies say a person will answer", async () => {
  const { page, context, errors } = await openHost();
  await bubble(page).click();
  await send(page, "Can I talk to a person?");
  const [conversation] = await conversationsOf(lily);
  const owner = await server.json("POST", `/api/conversations/${conversation!.id}/owner-messages`, { content: "Hi, this is Sam from the shop." });
  expect(owner.status).toBeLessThan(300);
  const fromOwner = messages(page).filter({ hasText: "Hi, this is Sam from the shop." });
  await fromOwner.waitFor();
  await fromOwner.getByText("Lily team").waitFor();
  expect(await fromOwner.getByText("AI", { exact: true }).count()).toBe(0);

  // Taken over: the visitor's next message gets no AI reply.
  await input(page).fill("Thanks Sam!");
  await input(page).press("Enter");
  await page.locator("atelier-chat").getByText("A person will answer here shortly.").waitFor();
  const { body } = await server.json<ConversationWithMessages>("GET", `/api/conversations/${conversation!.id}`);
  expect(body.messages.at(-1)).toMatchObject({ role: "user", content: "Thanks Sam!" });
  expect(errors).toEqual([]);
  await context.close();
});

test("a visitor over the agent's limit sees the owner's message and when to try again", async () => {
  const limited = await createAgent(
    { name: "Brief", greetings: ["Hi."] }, [allowedOrigin],
    { limits: { visitorPerMinute: 1 }, limitMessage: "Easy there! One question a minute." },
  );
  const { page, context } = await openHost({ query: { agent: limited.handle } });
  await bubble(page, "Brief").click();
  const field = page.getByRole("textbox", { name: "Message Brief" });
  await field.fill("First question");
  await field.press("Enter");
  await dialog(page, "Brief").getByRole("button", { name: "Send" }).waitFor();
  await page.locator("atelier-chat").locator(".msg.agent").nth(1).waitFor();
  await field.fill("Second question");
  await field.press("Enter");
  await page.getByRole("status").getByText(/Easy there! One question a minute\. You can send again in \d+ seconds?\./).waitFor();
  // The message was not sent: it is back in the field to send later.
  expect(await field.inputValue()).toBe("Second question");
  await context.close();
});

test("Stop ends a long reply and keeps what was written; an unreachable server offers Retry", async () => {
  const talker = await createAgent({ name: "Talker", greetings: ["Hi."], model: { maxTokens: 4000, temperature: 1 } }, [allowedOrigin]);
  const { page, context } = await openHost({ query: { agent: talker.handle } });
  await bubble(page, "Talker").click();
  const field = page.getByRole("textbox", { name: "Message Talker" });
  await field.fill("Once upon a time");
  await field.press("Enter");
  const reply = page.locator("atelier-chat").locator(".msg.agent").nth(1);
  await expect.poll(async () => (await reply.locator(".text").innerText()).length).toBeGreaterThan(0);
  await dialog(page, "Talker").getByRole("button", { name: "Stop" }).click();
  await reply.getByText("Stopped").waitFor();
  const [conversation] = await conversationsOf(talker);
  const { body } = await server.json<ConversationWithMessages>("GET", `/api/conversations/${conversation!.id}`);
  expect(body.messages.at(-1)).toMatchObject({ role: "assistant", status: "incomplete", finishReason: "aborted" });

  // The server goes away (its API and its script): the visitor is told, and Retry works once it is back.
  await context.route(`${server.url}/**`, (route) => route.abort("connectionrefused"));
  await field.fill("Are you there?");
  await field.press("Enter");
  await page.getByRole("status").getByText("The chat cannot be reached right now.").waitFor();
  expect(await field.inputValue()).toBe("Are you there?");
  await context.unroute(`${server.url}/**`);
  await page.getByRole("status").getByRole("button", { name: "Retry" }).click();
  await page.locator("atelier-chat").locator(".msg.user").filter({ hasText: "Are you there?" }).waitFor();
  await dialog(page, "Talker").getByRole("button", { name: "Stop" }).click();
  await context.close();
});

test("a site's signed-in user is the same visitor on every device; a bad signature falls back to anonymous", async () => {
  const { body: publication } = await server.json<Publication>("GET", `/api/agents/${lily.id}/publishing`);
  const signature = createHmac("sha256", publication.identitySecret).update("customer-42").digest("hex");
  const signedIn = { attributes: `data-user-id="customer-42" data-user-signature="${signature}"` };

  const laptop = await openHost({ query: signedIn });
  await bubble(laptop.page).click();
  await send(laptop.page, "My order number is 1234.");
  expect(laptop.errors).toEqual([]);
  await laptop.context.close();

  // Another browser (no storage in common): the same conversation comes back.
  const phone = await openHost({ query: signedIn, viewport: { width: 375, height: 740 } });
  await bubble(phone.page).click();
  await messages(phone.page).filter({ hasText: "My order number is 1234." }).waitFor();
  expect(phone.errors).toEqual([]);
  await phone.context.close();

  const forged = await openHost({ query: { attributes: `data-user-id="customer-42" data-user-signature="${"0".repeat(64)}"` } });
  await bubble(forged.page).click();
  await send(forged.page, "Who am I?");
  expect(await messages(forged.page).filter({ hasText: "My order number is 1234." }).count()).toBe(0);
  expect(forged.errors.join("\n")).toContain("data-user-signature was refused");
  await forged.context.close();
});
