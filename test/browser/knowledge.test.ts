import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Agent, ConversationWithMessages, KnowledgeSource, KnowledgeSourceList } from "../../src/contracts/index.js";
import { openStudio, screenshot, startStudio, stopStudio } from "../support/browser.js";
import type { TestServer } from "../support/server.js";
import { accessibilityViolations } from "./axe.js";
import { waitForIndexing } from "../../src/knowledge/testing/wait-for-indexing.js";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  ({ server, browser } = await startStudio());
});
afterAll(() => stopStudio({ server, browser }));

const FAQ = `# Teapot Shop FAQ

## Returns

Refunds are paid back to the original card within fourteen days of the parcel reaching our warehouse in Leeds.

## Shipping

We ship to the United Kingdom and Ireland. Standard delivery takes three working days.
`;

const PRICES = "product,price,colour\nTeapot,25,blue\nMug,8,white\nKettle,40,silver\n";

/** Not a PDF at all: accepted by name at upload, refused by the parser while indexing. */
const BROKEN_PDF = Buffer.from("this is not a pdf \u0000\u0001\u0002 just junk bytes \u00ff\u00fe", "latin1");

async function createAgent(name: string): Promise<Agent> {
  const { status, body } = await server.json<Agent>("POST", "/api/agents", { name, greetings: [], model: { maxTokens: 24 } });
  expect(status).toBe(201);
  return body;
}

async function storedSources(agent: Agent): Promise<KnowledgeSource[]> {
  const { status, body } = await server.json<KnowledgeSourceList>("GET", `/api/agents/${agent.id}/knowledge`);
  expect(status).toBe(200);
  return body.sources;
}

const sourcesTable = (page: Page) => page.getByRole("region", { name: "Sources" }).getByRole("table");
const row = (page: Page, name: string) => sourcesTable(page).getByRole("row").filter({ hasText: name });

test("the knowledge page uploads documents, shows indexing and failures, tests retrieval and deletes a source", async () => {
  const agent = await createAgent("Tess");
  const { page, context, errors } = await openStudio(browser, server);

  // Reached from the editor, and back.
  await page.goto(`/agents/${agent.id}/edit`);
  await page.getByRole("link", { name: "Knowledge", exact: true }).click();
  await page.waitForURL(new RegExp(`/agents/${agent.id}/knowledge$`));
  await page.getByRole("heading", { name: "No knowledge yet" }).waitFor();

  // One batch through the real file input: two good files and a "PDF" that is junk.
  const [upload] = await Promise.all([
    page.waitForResponse((response) => response.request().method() === "POST" && response.url().endsWith(`/api/agents/${agent.id}/knowledge`)),
    page.getByLabel("Choose files").setInputFiles([
      { name: "faq.md", mimeType: "text/markdown", buffer: Buffer.from(FAQ) },
      { name: "prices.csv", mimeType: "text/csv", buffer: Buffer.from(PRICES) },
      { name: "broken.pdf", mimeType: "application/pdf", buffer: BROKEN_PDF },
    ]),
  ]);
  expect(upload.status()).toBe(201);
  const added = (await upload.json()) as { sources: KnowledgeSource[]; rejected: unknown[] };
  expect(added.sources.map((source) => source.name).sort()).toEqual(["broken.pdf", "faq.md", "prices.csv"]);
  expect(added.rejected).toEqual([]);

  await row(page, "faq.md").getByText("Ready", { exact: true }).waitFor();
  await row(page, "prices.csv").getByText("Ready", { exact: true }).waitFor();
  await row(page, "broken.pdf").getByText("Failed", { exact: true }).waitFor();
  // Polling stops once nothing is queued or indexing: the page shows what the server stored.
  const stored = await storedSources(agent);
  const faq = stored.find((source) => source.name === "faq.md")!;
  const prices = stored.find((source) => source.name === "prices.csv")!;
  const broken = stored.find((source) => source.name === "broken.pdf")!;
  expect(faq).toMatchObject({ status: "ready", format: "markdown" });
  expect(faq.chunkCount).toBeGreaterThan(0);
  expect(broken).toMatchObject({ status: "failed", error: expect.any(String) });
  expect(await row(page, "broken.pdf").innerText()).toContain(broken.error!);
  expect(await row(page, "faq.md").innerText()).toContain(faq.chunkCount === 1 ? "1 passage" : `${faq.chunkCount} passages`);
  expect(await sourcesTable(page).getByRole("progressbar").count()).toBe(0);
  expect(await accessibilityViolations(page)).toEqual([]);

  // Test retrieval: the answer sits in the FAQ, with the question's words marked.
  await page.getByLabel("Question").fill("When are refunds paid back?");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const passages = page.getByRole("list", { name: "Retrieved passages" });
  await passages.waitFor();
  const best = passages.getByRole("listitem").first();
  expect(await best.innerText()).toContain("within fourteen days");
  expect(await best.innerText()).toContain(faq.title);
  expect((await best.locator("mark").allInnerTexts()).map((text) => text.toLowerCase())).toContain("refunds");
  expect(await page.getByRole("region", { name: "Test retrieval" }).getByRole("status").innerText()).toMatch(/passages? · (hybrid|lexical) .*search · \d+ ms/);
  await screenshot(page, "knowledge");

  // Delete asks first; Cancel keeps the source, confirming removes it here and on the server.
  await page.getByRole("button", { name: `Delete ${prices.title}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  expect(await row(page, "prices.csv").count()).toBe(1);
  await page.getByRole("button", { name: `Delete ${prices.title}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete source" }).click();
  await row(page, "prices.csv").waitFor({ state: "detached" });
  expect((await server.json("GET", `/api/agents/${agent.id}/knowledge/${prices.id}`)).status).toBe(404);
  expect((await storedSources(agent)).map((source) => source.name).sort()).toEqual(["broken.pdf", "faq.md"]);

  // Dropping a file with a name already there replaces that source (the page script builds the drop).
  const [replaced] = await Promise.all([
    page.waitForResponse((response) => response.request().method() === "POST" && response.url().endsWith(`/api/agents/${agent.id}/knowledge`)),
    page.evaluate(`(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([${JSON.stringify(`${FAQ}
The shop is closed on Sundays.
`)}], "faq.md", { type: "text/markdown" }));
      const area = document.querySelector(".knowledge-drop");
      area.dispatchEvent(new DragEvent("dragover", { bubbles: true, cancelable: true, dataTransfer: transfer }));
      area.dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: transfer }));
    })()`),
  ]);
  expect(replaced.status()).toBe(201);
  expect(((await replaced.json()) as { sources: KnowledgeSource[] }).sources.map((source) => source.id)).toEqual([faq.id]);
  await waitUntilIndexed(agent);
  await page.waitForFunction(`document.querySelectorAll("progress").length === 0`);
  await row(page, "faq.md").getByText("Ready", { exact: true }).waitFor();
  expect(await row(page, "faq.md").count()).toBe(1);
  const [sameSource] = (await storedSources(agent)).filter((source) => source.name === "faq.md");
  expect(sameSource).toMatchObject({ id: faq.id, status: "ready", bytes: faq.bytes + "\nThe shop is closed on Sundays.\n".length });

  // On a phone the table folds into stacked rows; nothing scrolls sideways.
  await page.setViewportSize({ width: 375, height: 740 });
  expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
  await screenshot(page, "knowledge-phone");

  await page.getByRole("link", { name: "Back to the editor" }).click();
  await page.waitForURL(new RegExp(`/agents/${agent.id}/edit$`));
  expect(errors).toEqual([]);
  await context.close();
});

test("a reply grounded on knowledge lists its numbered sources under it", async () => {
  const agent = await createAgent("Cite");
  const form = new FormData();
  form.append("files", new Blob([FAQ], { type: "text/markdown" }), "faq.md");
  const response = await fetch(`${server.url}/api/agents/${agent.id}/knowledge`, { method: "POST", headers: server.auth, body: form });
  expect(response.status).toBe(201);
  await waitUntilIndexed(agent);

  const { page, context, errors } = await openStudio(browser, server);
  await page.goto(`/agents/${agent.id}/chat`);
  await page.getByRole("button", { name: "Start a conversation" }).click();
  const input = page.getByLabel("Message Cite");
  await input.and(page.locator(":enabled")).waitFor();
  await input.fill("How long do refunds take?");
  await input.press("Enter");
  const log = page.getByRole("log");
  await log.getByRole("button", { name: "Regenerate" }).waitFor();

  const reply = log.getByRole("article", { name: "Cite said" }).last();
  const sources = reply.getByRole("list", { name: "Sources" });
  await sources.waitFor();
  const first = sources.getByRole("listitem").first();
  expect(await first.innerText()).toMatch(/^\[1\] Teapot Shop FAQ|^\[1\] faq\.md/);

  // The page shows what the server stored with the reply.
  const conversationId = decodeURIComponent(new URL(page.url()).pathname.split("/").at(-1) ?? "");
  const { body } = await server.json<ConversationWithMessages>("GET", `/api/conversations/${conversationId}`);
  const stored = body.messages.filter((message) => message.role === "assistant").at(-1)!;
  expect(stored.citations.length).toBeGreaterThan(0);
  expect(await sources.getByRole("listitem").count()).toBe(stored.citations.length);
  expect(await first.innerText()).toContain(stored.citations[0]!.title);

  // The excerpt opens on demand; after a reload the stored citations render the same list.
  await first.locator("summary").click();
  expect(await first.innerText()).toContain(stored.citations[0]!.excerpt.slice(0, 40));
  await page.reload();
  await page.getByRole("log").getByRole("article", { name: "Cite said" }).last().getByRole("list", { name: "Sources" }).waitFor();
  await screenshot(page, "chat-citations");
  expect(errors).toEqual([]);
  await context.close();
});

async function waitUntilIndexed(agent: Agent): Promise<void> {
  await waitForIndexing(() => storedSources(agent), { intervalMs: 100 });
}
