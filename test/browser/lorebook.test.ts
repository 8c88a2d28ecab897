import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Agent, Lorebook, LorebookEntryInput } from "../../src/contracts/index.js";
import { openStudio, screenshot, startStudio, stopStudio } from "../support/browser.js";
import type { TestServer } from "../support/server.js";
import { accessibilityViolations } from "./axe.js";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  ({ server, browser } = await startStudio());
});
afterAll(() => stopStudio({ server, browser }));

async function storedLorebook(agent: Agent): Promise<Lorebook> {
  const { status, body } = await server.json<Lorebook>("GET", `/api/agents/${agent.id}/lorebook`);
  expect(status).toBe(200);
  return body;
}

const entries = (page: Page) => page.getByRole("list", { name: "Entries", exact: true }).getByRole("listitem");
const tryMessage = async (page: Page, text: string) => {
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.getByRole("button", { name: "Try it" }).click();
};

test("the lorebook page adds an entry, saves it, shows it firing, and refuses a stale save", async () => {
  const agent = (await server.json<Agent>("POST", "/api/agents", { name: "Wren", greetings: [], model: { maxTokens: 8 } })).body;
  const { page, context, errors } = await openStudio(browser, server);

  // Reached from the editor; an empty book explains what entries are.
  await page.goto(`/agents/${agent.id}/edit`);
  await page.getByRole("link", { name: "Lorebook", exact: true }).click();
  await page.waitForURL(new RegExp(`/agents/${agent.id}/lorebook$`));
  await page.getByRole("heading", { name: "No entries yet" }).waitFor();

  // Book settings and one entry, typed into the page.
  await page.getByLabel("Scan depth").fill("2");
  await page.getByRole("button", { name: "Add entry" }).click();
  await page.getByLabel("Name", { exact: true }).fill("The old castle");
  await page.getByLabel("Keys", { exact: true }).fill("castle, ruins");
  await page.getByLabel("Content").fill("The castle is empty.");
  await page.getByRole("status").filter({ hasText: "Unsaved changes" }).waitFor();
  await page.getByRole("button", { name: "Save lorebook" }).click();
  await page.getByRole("status").filter({ hasText: "Lorebook saved." }).waitFor();

  const saved = await storedLorebook(agent);
  expect(saved).toMatchObject({ revision: 1, scanDepth: 2 });
  expect(saved.entries).toHaveLength(1);
  expect(saved.entries[0]).toMatchObject({ name: "The old castle", keys: ["castle", "ruins"], content: "The castle is empty.", enabled: true });

  // "Try a message": the entry fires on its key, with the reason and its tokens; nothing fires on other words.
  await tryMessage(page, "Have you ever been to the Castle?");
  const fired = page.getByRole("list", { name: "Entries that fire" });
  await fired.waitFor();
  expect(await fired.innerText()).toMatch(/The old castle · matched key "castle" · \d+ tokens?/);
  expect(await page.getByRole("region", { name: "Try a message" }).getByRole("status").innerText()).toMatch(
    /^1 entry fires, using \d+ of 512 tokens\.$/,
  );
  await tryMessage(page, "Tell me about the sea.");
  await page.getByText("No entry fires for this message.").waitFor();
  expect(await fired.count()).toBe(0);

  // Someone else saves meanwhile (a second, long entry, and a budget too small for both); this page's save is refused, not merged.
  const bell: LorebookEntryInput = {
    id: "bell", name: "The bell", keys: ["castle"], priority: 1,
    content: "At midnight the bell of the castle rings thirteen times, and everyone who hears it remembers a forgotten name. ".repeat(3),
  };
  const theirs = await server.json<Lorebook>("PUT", `/api/agents/${agent.id}/lorebook`, {
    lorebook: { ...bookOf(saved), tokenBudget: 100, entries: [...saved.entries, bell] }, expectedRevision: 1,
  });
  expect(theirs.status).toBe(200);
  await page.getByLabel("Enabled: The old castle").uncheck();
  await page.getByRole("button", { name: "Save lorebook" }).click();
  const conflict = page.getByRole("alert").filter({ hasText: "Someone else changed this lorebook since you opened it." });
  await conflict.waitFor();
  expect(await storedLorebook(agent)).toMatchObject({ revision: 2, tokenBudget: 100 });
  expect((await storedLorebook(agent)).entries.map((entry) => entry.enabled)).toEqual([true, true]);
  expect(await accessibilityViolations(page)).toEqual([]);

  // Reloading shows their version; the budget leaves the lower-priority entry out (tokens of the agent's own model).
  await page.getByRole("button", { name: "Reload the lorebook" }).click();
  await conflict.waitFor({ state: "detached" });
  await page.getByRole("heading", { name: "The bell" }).waitFor();
  expect(await entries(page).count()).toBe(2);
  expect(await page.getByLabel("Token budget").inputValue()).toBe("100");
  await tryMessage(page, "the castle");
  const leftOut = page.getByRole("list", { name: "Entries left out for the budget" });
  await leftOut.waitFor();
  expect(await leftOut.innerText()).toContain("The bell");
  expect(await page.getByRole("list", { name: "Entries that fire" }).innerText()).toContain("The old castle");
  await screenshot(page, "lorebook");

  // Turning an entry off and deleting the other, saved on the fresh revision.
  await page.getByLabel("Enabled: The old castle").uncheck();
  await page.getByRole("button", { name: "Delete The bell" }).click();
  await page.getByRole("button", { name: "Save lorebook" }).click();
  await page.getByRole("status").filter({ hasText: "Lorebook saved." }).waitFor();
  const after = await storedLorebook(agent);
  expect(after.revision).toBe(3);
  expect(after.entries.map((entry) => [entry.name, entry.enabled])).toEqual([["The old castle", false]]);

  // On a phone nothing scrolls sideways, with an entry open.
  await page.setViewportSize({ width: 375, height: 740 });
  await page.getByRole("button", { name: "Edit The old castle" }).click();
  await page.getByLabel("Content").waitFor();
  expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
  await screenshot(page, "lorebook-phone");
  // The refused save is the one failed request, and it was meant to fail.
  expect(errors.filter((error) => !/status of 409/.test(error))).toEqual([]);
  await context.close();
});

test("a World Info file imports into the lorebook and exports again", async () => {
  const agent = (await server.json<Agent>("POST", "/api/agents", { name: "Isla", greetings: [], model: { maxTokens: 8 } })).body;
  const { page, context, errors } = await openStudio(browser, server);
  await page.goto(`/agents/${agent.id}/lorebook`);
  await page.getByRole("heading", { name: "No entries yet" }).waitFor();

  const worldInfo = {
    entries: {
      "0": { uid: 0, key: ["harbour"], keysecondary: [], comment: "Harbour", content: "Ships leave at dawn.", constant: false, selective: false, order: 100, position: 0, disable: false },
      "1": { uid: 1, key: ["lighthouse"], keysecondary: [], comment: "Lighthouse", content: "Its keeper is blind.", constant: false, selective: false, order: 110, position: 1, disable: false },
    },
  };
  await page.getByLabel("Import a lorebook file").setInputFiles({ name: "isla.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(worldInfo)) });
  await page.getByText(/Added 2 entries/).waitFor();
  await page.getByRole("heading", { name: "Lighthouse" }).waitFor();
  expect(await entries(page).count()).toBe(2);
  expect((await storedLorebook(agent)).entries.map((entry) => entry.name)).toEqual(["Harbour", "Lighthouse"]);

  // A file that is not a lorebook: the server's reason, and nothing changes.
  await page.getByLabel("Import a lorebook file").setInputFiles({ name: "notes.json", mimeType: "application/json", buffer: Buffer.from("{ not json") });
  const refused = page.getByRole("alert").filter({ hasText: "Nothing was imported" });
  await refused.waitFor();
  expect((await refused.innerText()).length).toBeGreaterThan("Nothing was imported. ".length + 10);
  expect((await storedLorebook(agent)).entries).toHaveLength(2);

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export as World Info" }).click()]);
  const exported = JSON.parse((await readStream(await download.createReadStream())).toString("utf8")) as { entries: Record<string, { content: string }> };
  expect(Object.values(exported.entries).map((entry) => entry.content)).toEqual(["Ships leave at dawn.", "Its keeper is blind."]);
  expect(errors.filter((error) => !/status of 422/.test(error))).toEqual([]);
  await context.close();
});

function bookOf(book: Lorebook) {
  const { agentId: _agent, revision: _revision, updatedAt: _updated, ...content } = book;
  return content;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}
