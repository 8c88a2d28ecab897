import type { Browser, Download, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Agent, AgentList, Lorebook } from "../../src/contracts/index.js";
import { readCard } from "../support/fixtures.js";
import { openStudio, screenshot, startStudio, stopStudio } from "../support/browser.js";
import type { TestServer } from "../support/server.js";
import { accessibilityViolations } from "./axe.js";

const card = readCard;

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  ({ server, browser } = await startStudio());
});
afterAll(() => stopStudio({ server, browser }));

async function agentNow(id: string): Promise<Agent> {
  return (await server.json<Agent>("GET", `/api/agents/${id}`)).body;
}

async function agentCount(): Promise<number> {
  return (await server.json<AgentList>("GET", "/api/agents")).body.agents.length;
}

/** The agent id from /agents/:id/edit, once the editor opened. */
async function openedAgent(page: Page): Promise<Agent> {
  await page.waitForURL(/\/agents\/[^/]+\/edit$/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split("/")[2]!);
  return agentNow(id);
}

async function bytesOf(download: Download): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

test("a card PNG dropped on the home page becomes an agent with its greeting and lorebook, and exports as a PNG card", async () => {
  const { page, context, errors } = await openStudio(browser, server);
  await page.goto("/");
  await page.getByRole("heading", { name: "Your agents" }).waitFor();

  // Dragging a file over the window shows the drop overlay; dropping it imports (the page script builds the drag).
  const base64 = card("Seraphina.png").toString("base64");
  const drag = (type: string) => `(() => {
    const bytes = Uint8Array.from(atob(${JSON.stringify(base64)}), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], "Seraphina.png", { type: "image/png" }));
    document.querySelector("main").dispatchEvent(new DragEvent(${JSON.stringify(type)}, { bubbles: true, cancelable: true, dataTransfer: transfer }));
  })()`;
  await page.evaluate(drag("dragenter"));
  await page.evaluate(drag("dragover"));
  await page.getByText("Drop to import the character").waitFor();
  const [upload] = await Promise.all([
    page.waitForResponse((response) => response.request().method() === "POST" && response.url().endsWith("/api/agents/import")),
    page.evaluate(drag("drop")),
  ]);
  expect(upload.status()).toBe(201);
  await page.getByText("Drop to import the character").waitFor({ state: "detached" });

  // The editor opens on the new agent, with what the card said and a report of the import.
  const agent = await openedAgent(page);
  expect(agent.name).toBe("Seraphina");
  expect(agent.greetings.length).toBeGreaterThan(0);
  await page.getByRole("heading", { name: "Edit Seraphina" }).waitFor();
  expect(await page.getByRole("textbox", { name: /^Name/ }).inputValue()).toBe("Seraphina");
  expect(await page.getByLabel("Greeting 1 (the opening message)").inputValue()).toBe(agent.greetings[0]);
  expect(await page.getByLabel("Scenario").inputValue()).toBe(agent.scenario);
  const report = page.getByRole("status").filter({ hasText: "Imported Seraphina from Seraphina.png" });
  await report.waitFor();
  expect(await report.innerText()).toContain("4 lorebook entries");
  // The card's picture became the avatar, served from the instance.
  expect(agent.avatar).toMatch(/^\/media\/[0-9a-f]{64}\.png$/);
  expect(await page.locator(".avatar-upload__preview img").getAttribute("src")).toBe(agent.avatar);
  expect(await accessibilityViolations(page)).toEqual([]);
  await screenshot(page, "import-editor");

  // Export: the menu's PNG card downloads the saved agent with both card chunks.
  await page.locator(".export-menu > summary").click();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Character card (PNG)" }).click()]);
  expect(download.suggestedFilename()).toMatch(/\.png$/);
  const png = await bytesOf(download);
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.includes(Buffer.from("tEXtccv3"))).toBe(true);
  expect(png.includes(Buffer.from("tEXtchara"))).toBe(true);
  const [json] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Card JSON (V2)" }).click()]);
  expect(JSON.parse((await bytesOf(json)).toString("utf8"))).toMatchObject({ spec: "chara_card_v2", data: { name: "Seraphina" } });
  // Escape closes the menu and puts focus back on its button.
  await page.keyboard.press("Escape");
  expect(await page.locator(".export-menu").getAttribute("open")).toBeNull();
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Export");

  // The card's book is the agent's lorebook: four entries on the lorebook page.
  await page.getByRole("link", { name: "Lorebook", exact: true }).click();
  await page.waitForURL(new RegExp(`/agents/${agent.id}/lorebook$`));
  const entries = page.getByRole("list", { name: "Entries", exact: true }).getByRole("listitem");
  await entries.first().waitFor();
  expect(await entries.count()).toBe(4);
  expect((await server.json<Lorebook>("GET", `/api/agents/${agent.id}/lorebook`)).body.entries).toHaveLength(4);

  // The editor on a phone: nothing scrolls sideways.
  await page.setViewportSize({ width: 375, height: 740 });
  await page.getByRole("link", { name: "Back to the editor" }).click();
  await page.getByRole("heading", { name: "Edit Seraphina" }).waitFor();
  expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
  expect(errors).toEqual([]);
  await context.close();
});

test("the import button takes a card from the file picker; post-history instructions and an uploaded avatar land in the editor", async () => {
  const { page, context, errors } = await openStudio(browser, server);
  await page.goto("/");
  await page.getByLabel("Import a character").setInputFiles({ name: "FluxTheCat.png", mimeType: "image/png", buffer: card("FluxTheCat.png") });
  const agent = await openedAgent(page);
  expect(agent.postHistoryInstructions).not.toBe("");
  await page.getByRole("heading", { name: `Edit ${agent.name}` }).waitFor();
  // A textarea reads line breaks as \n whatever the card used.
  expect(await page.getByLabel("Said before each reply").inputValue()).toBe(agent.postHistoryInstructions.replace(/\r\n?/g, "\n"));

  // A new picture is saved at once as a new version; edits in progress stay in the form.
  await page.getByLabel("Tagline").fill("A cat of many talents");
  await page.getByLabel("Upload a picture").setInputFiles({ name: "seraphina.png", mimeType: "image/png", buffer: card("Seraphina.png") });
  await page.getByRole("status").filter({ hasText: "Unsaved changes" }).waitFor();
  await page.waitForFunction((before) => document.querySelector(".avatar-upload__preview img")?.getAttribute("src") !== before, agent.avatar);
  const uploaded = await agentNow(agent.id);
  expect(uploaded.version).toBe(agent.version + 1);
  expect(uploaded.avatar).not.toBe(agent.avatar);
  expect(uploaded.avatar).toMatch(/^\/media\/[0-9a-f]{64}\.png$/);
  expect(await page.getByLabel("Avatar image URL").inputValue()).toBe(uploaded.avatar);
  expect(await page.getByLabel("Tagline").inputValue()).toBe("A cat of many talents");
  const image = await context.request.get(uploaded.avatar);
  expect(image.status()).toBe(200);
  expect(image.headers()["content-type"]).toBe("image/png");

  // Saving the rest goes on from the new version, without a conflict.
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByRole("status").filter({ hasText: `Saved as version ${uploaded.version + 1}.` }).waitFor();
  expect(await agentNow(agent.id)).toMatchObject({ tagline: "A cat of many talents", avatar: uploaded.avatar });
  expect(errors).toEqual([]);
  await context.close();
});

test("a malformed card is refused with the server's reason and creates nothing", async () => {
  const { page, context, errors } = await openStudio(browser, server);
  await page.goto("/");
  await page.getByRole("heading", { name: "Your agents" }).waitFor();
  const before = await agentCount();
  const broken = Buffer.concat([PNG_SIGNATURE, Buffer.from("this is not really a PNG")]);
  await page.getByLabel("Import a character").setInputFiles({ name: "broken.png", mimeType: "image/png", buffer: broken });
  const alert = page.getByRole("alert").filter({ hasText: "broken.png was not imported." });
  await alert.waitFor();
  // The page shows the server's own words for what is wrong.
  const form = new FormData();
  form.append("file", new Blob([broken], { type: "image/png" }), "broken.png");
  const refused = await fetch(`${server.url}/api/agents/import`, { method: "POST", headers: server.auth, body: form });
  expect(refused.status).toBe(422);
  const { error } = (await refused.json()) as { error: { message: string } };
  expect(await alert.innerText()).toContain(error.message);
  expect(new URL(page.url()).pathname).toBe("/");
  expect(await agentCount()).toBe(before);
  expect(errors.filter((error) => !/status of 422/.test(error))).toEqual([]);
  await context.close();
});
