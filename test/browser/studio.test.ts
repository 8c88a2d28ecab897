import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import type { Agent, ModelsOverview } from "../../src/contracts/index.js";
import { startServer } from "../../src/server/main.js";
import { BROWSER_SERVER_CONFIG, openStudio, screenshot, startStudio, stopStudio } from "../support/browser.js";
import { testModelPath, testModelsDir, testThreads } from "../support/models.js";
import { removeDir, type TestServer } from "../support/server.js";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  // The shared models folder as the models directory, so the Models page has local files to list.
  ({ server, browser } = await startStudio({ modelsDir: testModelsDir }));
}, 120_000);
afterAll(() => stopStudio({ server, browser }));

async function createAgent(profile: Record<string, unknown>): Promise<Agent> {
  const { status, body } = await server.json<Agent>("POST", "/api/agents", profile);
  expect(status).toBe(201);
  return body;
}

async function getAgent(id: string): Promise<Agent> {
  return (await server.json<Agent>("GET", `/api/agents/${id}`)).body;
}

async function agentNames(): Promise<string[]> {
  return (await server.json<{ agents: Agent[] }>("GET", "/api/agents")).body.agents.map((agent) => agent.name);
}

async function expectNoHorizontalScroll(page: Page): Promise<void> {
  // Strings, because this file is type-checked without the DOM library.
  const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
  expect(overflow).toBeLessThanOrEqual(0);
}

function pageErrors(errors: string[]): string[] {
  return errors.filter((error) => error.startsWith("page error"));
}

test("an agent made in the editor is saved with every field and appears on the home page", async () => {
  const { page, context, errors } = await openStudio(browser, server);
  await page.goto("/agents/new");
  await screenshot(page, "create");
  await page.getByRole("button", { name: "Start blank" }).click();
  await expect.poll(() => page.getByRole("heading", { name: "New agent" }).isVisible()).toBe(true);

  // Saving without a name is refused next to the field, and nothing is created.
  await page.getByRole("button", { name: "Create agent" }).click();
  await page.getByText("give the agent a name").waitFor();

  await page.getByLabel("Name").first().fill("Rosie the Baker");
  await page.getByLabel("Tagline").fill("Fresh bread, friendly answers");
  await page.getByLabel("Personality", { exact: true }).fill("Warm and patient.");
  await page.getByLabel("Traits").fill("cheerful");
  await page.getByLabel("Traits").press("Enter");
  await page.getByLabel("Interests").fill("sourdough");
  await page.getByRole("button", { name: "Add interest" }).click();
  await page.getByRole("button", { name: "Add greeting" }).click();
  await page.getByLabel("Greeting 1").fill("Hello! What can I bake for you?");
  await page.getByRole("button", { name: "Add example dialogue" }).click();
  await page.getByLabel("Example 1: someone says").fill("Do you sell rye?");
  await page.getByLabel("Example 1: the agent replies").fill("Every Friday!");
  await page.getByLabel("Topics to avoid").fill("politics");
  await page.getByLabel("Topics to avoid").press("Enter");
  await page.getByLabel("Temperature").fill("0.5");
  await page.getByRole("button", { name: "Create agent" }).click();

  await page.waitForURL(/\/agents\/[^/]+\/edit$/);
  await page.getByRole("heading", { name: "Edit Rosie the Baker" }).waitFor();
  await page.getByRole("heading", { name: "Try it" }).waitFor();
  await screenshot(page, "editor");
  const id = decodeURIComponent(new URL(page.url()).pathname.split("/")[2] ?? "");
  expect(await getAgent(id)).toMatchObject({
    name: "Rosie the Baker",
    tagline: "Fresh bread, friendly answers",
    personality: "Warm and patient.",
    traits: ["cheerful"],
    interests: ["sourdough"],
    greetings: ["Hello! What can I bake for you?"],
    exampleDialogues: [{ user: "Do you sell rye?", agent: "Every Friday!" }],
    avoidTopics: ["politics"],
    model: { temperature: 0.5 },
    version: 1,
  });

  await page.getByRole("link", { name: "Agents" }).click();
  await page.getByRole("heading", { name: "Rosie the Baker" }).waitFor();
  await page.getByText("Fresh bread, friendly answers").waitFor();
  await screenshot(page, "home");
  expect(pageErrors(errors)).toEqual([]);
  await context.close();
});

test("each save is a new version, and restoring an older version brings its values back", async () => {
  const agent = await createAgent({ name: "Versioned", tagline: "First tagline" });
  const { page, context } = await openStudio(browser, server);
  await page.goto(`/agents/${agent.id}/edit`);
  const tagline = page.getByLabel("Tagline");
  await expect.poll(() => tagline.inputValue()).toBe("First tagline");

  await tagline.fill("Second tagline");
  await page.getByText("Unsaved changes").waitFor();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByText("Saved as version 2.").waitFor();
  expect(await getAgent(agent.id)).toMatchObject({ tagline: "Second tagline", version: 2 });

  // Viewing shows the old values without changing anything; Escape closes the dialog.
  await page.getByRole("button", { name: "View version 1" }).click();
  const viewer = page.getByRole("dialog", { name: "Version 1" });
  await viewer.getByText("First tagline").waitFor();
  await page.keyboard.press("Escape");
  await viewer.waitFor({ state: "hidden" });

  await page.getByRole("button", { name: "Restore version 1" }).click();
  await page.getByRole("dialog", { name: "Restore version 1?" }).getByRole("button", { name: "Restore" }).click();
  await page.getByText("Restored as version 3.").waitFor();
  expect(await tagline.inputValue()).toBe("First tagline");
  expect(await getAgent(agent.id)).toMatchObject({ tagline: "First tagline", version: 3 });
  await page.getByRole("button", { name: "View version 3" }).waitFor();
  await context.close();
});

test("a save over someone else's newer version explains the conflict and reloads theirs", async () => {
  const agent = await createAgent({ name: "Contested", tagline: "Original" });
  const { page, context } = await openStudio(browser, server);
  await page.goto(`/agents/${agent.id}/edit`);
  const tagline = page.getByLabel("Tagline");
  await expect.poll(() => tagline.inputValue()).toBe("Original");
  expect((await server.json("PATCH", `/api/agents/${agent.id}`, { tagline: "Theirs" })).status).toBe(200);

  await tagline.fill("Mine");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByText("Someone saved a newer version while you were editing.").waitFor();
  await page.getByRole("button", { name: "Reload the latest version" }).click();
  await expect.poll(() => tagline.inputValue()).toBe("Theirs");
  await page.getByText("All changes saved").waitFor();
  await context.close();
});

test("a model that is not ready shows a clear banner instead of a blank page", async () => {
  const { page, context } = await openStudio(browser, server);
  await page.route("**/readyz", (route) =>
    route.fulfill({
      status: 503,
      json: { status: "not_ready", checks: { database: { ok: true }, model: { ok: false, detail: "the model file is missing" } } },
    }),
  );
  await page.goto("/");
  await page.getByText("The AI model is not ready yet.").waitFor();
  await page.getByText("(the model file is missing)").waitFor();
  await page.getByRole("heading", { name: "Your agents" }).waitFor();
  await context.close();
});

test("describe-to-create drafts a profile into the editor, and nothing is saved until Create", async () => {
  const before = (await agentNames()).length;
  const { page, context } = await openStudio(browser, server);
  await page.goto("/agents/new");
  await page.getByLabel("Your agent in one sentence").fill("A friendly baker who answers questions about my shop.");
  await page.getByLabel("Kind of agent (optional)").selectOption({ label: "Business assistant" });
  await page.getByRole("button", { name: "Draft my agent" }).click();
  await page.getByRole("heading", { name: "New agent" }).waitFor({ timeout: 90_000 });
  await page.getByText("Started from your description.").waitFor();
  expect(await agentNames()).toHaveLength(before);

  // The tiny test model writes nonsense, but a valid profile: name it and save it.
  await page.getByLabel("Name").first().fill("Drafted Baker");
  await page.getByRole("button", { name: "Create agent" }).click();
  await page.getByRole("heading", { name: "Edit Drafted Baker" }).waitFor();
  expect(await agentNames()).toContain("Drafted Baker");
  await context.close();
});

test("a template opens the editor filled in", async () => {
  const { page, context } = await openStudio(browser, server);
  await page.goto("/agents/new");
  await page.getByRole("button", { name: "Use this template: Fictional character" }).click();
  await expect.poll(() => page.getByLabel("Name").first().inputValue()).toBe("Captain Mara");
  await page.getByRole("button", { name: "Remove trait gruff" }).waitFor();
  await context.close();
});

test("agents can be duplicated, and deleting asks for confirmation first", async () => {
  await createAgent({ name: "Dupe Me", tagline: "Copy me" });
  const { page, context } = await openStudio(browser, server);
  await page.goto("/");
  await page.getByRole("button", { name: "Duplicate Dupe Me" }).click();
  await page.getByRole("heading", { name: "Dupe Me (copy)" }).waitFor();
  await page.getByText("Made a copy: “Dupe Me (copy)”.").waitFor();

  await page.getByRole("button", { name: "Delete Dupe Me (copy)" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete “Dupe Me (copy)”?" });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "hidden" });
  await page.getByRole("heading", { name: "Dupe Me (copy)" }).waitFor();

  await page.getByRole("button", { name: "Delete Dupe Me (copy)" }).click();
  await dialog.getByRole("button", { name: "Delete agent" }).click();
  await page.getByText("Deleted “Dupe Me (copy)”.").waitFor();
  expect(await page.getByRole("heading", { name: "Dupe Me (copy)" }).count()).toBe(0);
  const names = await agentNames();
  expect(names).toContain("Dupe Me");
  expect(names).not.toContain("Dupe Me (copy)");
  await context.close();
});

test("the models page shows the active model and local files, and switches an agent's model", async () => {
  const agent = await createAgent({ name: "Model Switcher" });
  const overview = (await server.json<ModelsOverview>("GET", "/api/models")).body;
  const local = overview.local.map((model) => model.name);
  expect(local).toContain("stories260K.gguf");
  const { page, context } = await openStudio(browser, server);
  await page.goto("/models");
  await page.getByRole("heading", { name: "Active model" }).waitFor();
  await page.getByText(overview.model, { exact: true }).waitFor();
  for (const name of local) await page.getByRole("cell", { name, exact: true }).waitFor();
  await page.getByRole("button", { name: "Download" }).waitFor();
  await screenshot(page, "models");

  await page.getByLabel("Model Switcher").selectOption("stories260K.gguf");
  await page.getByText("Model Switcher now uses stories260K.gguf.").waitFor();
  expect((await getAgent(agent.id)).model.model).toBe("stories260K.gguf");
  await page.getByLabel("Model Switcher").selectOption("");
  await page.getByText(/Model Switcher now uses the instance default/).waitFor();
  expect((await getAgent(agent.id)).model.model).toBeUndefined();
  await context.close();
});

test("signed-out visitors are sent to sign in, and come back signed in", async () => {
  const { page, context } = await openStudio(browser, server, { signedIn: false });
  await page.goto("/models");
  await page.getByRole("heading", { name: "Sign in to Atelier" }).waitFor();
  await screenshot(page, "signin");
  await page.getByLabel("Email").fill(server.admin.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").waitFor();
  await page.getByLabel("Password").fill(server.admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Models", exact: true }).waitFor();
  expect(new URL(page.url()).pathname).toBe("/models");

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in to Atelier" }).waitFor();
  await context.close();
});

test("on a phone the home page and the editor fit the screen without sideways scrolling", async () => {
  const agent = await createAgent({ name: "Phone Friend", tagline: "Small screens are fine" });
  const { page, context } = await openStudio(browser, server, { viewport: { width: 375, height: 740 } });
  await page.goto("/");
  await page.getByRole("heading", { name: "Phone Friend" }).waitFor();
  await expectNoHorizontalScroll(page);
  await screenshot(page, "home-phone");
  await page.goto(`/agents/${agent.id}/edit`);
  await page.getByRole("heading", { name: "Edit Phone Friend" }).waitFor();
  await page.getByRole("heading", { name: "Version history" }).waitFor();
  await expectNoHorizontalScroll(page);
  await screenshot(page, "editor-phone");
  await context.close();
});

test("the dark theme applies, follows the device by default and is remembered", async () => {
  const { page, context } = await openStudio(browser, server, { colorScheme: "dark" });
  await page.goto("/");
  await page.getByRole("heading", { name: "Your agents" }).waitFor();
  const theme = () => page.evaluate<string | undefined>("document.documentElement.dataset.theme");
  const background = () => page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
  expect(await theme()).toBe("dark");
  const dark = await background();
  await screenshot(page, "home-dark");

  await page.getByLabel("Theme").selectOption("light");
  expect(await theme()).toBe("light");
  expect(await background()).not.toBe(dark);
  await page.reload();
  await page.getByRole("heading", { name: "Your agents" }).waitFor();
  expect(await theme()).toBe("light");
  await context.close();
});

test("a fresh instance asks for the first account, which becomes the admin and lands on an inviting empty home", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "atelier-first-run-"));
  // startTestServer seeds an admin; this instance must start with no users at all.
  const overrides = { port: 0, dataDir, logLevel: "silent" as const, model: testModelPath(), llama: { threads: testThreads, sequences: 1 } };
  const fresh = await startServer({ config: loadConfig({ env: {}, overrides: { ...overrides, ...BROWSER_SERVER_CONFIG } }) });
  try {
    const context = await browser.newContext({ baseURL: fresh.url });
    const page = await context.newPage();
    await page.goto("/");
    await page.getByRole("heading", { name: "Welcome! Create the first account" }).waitFor();
    await page.getByLabel("Your name").fill("Ada");
    await page.getByLabel("Email").fill("ada@example.test");
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText("use at least 10 characters").waitFor();
    await page.getByLabel("Password").fill("a long enough password");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "No agents yet" }).waitFor();
    // The CSRF token was picked up: a cookie-authenticated write works.
    await page.getByRole("link", { name: "Create your first agent" }).click();
    await page.getByRole("button", { name: "Start blank" }).click();
    await page.getByLabel("Name").first().fill("First Agent");
    await page.getByRole("button", { name: "Create agent" }).click();
    await page.getByRole("heading", { name: "Edit First Agent" }).waitFor();
    await context.close();
  } finally {
    await fresh.close();
    removeDir(dataDir);
  }
}, 120_000);
