import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { openStudio, startStudio, stopStudio } from "../support/browser.js";
import { startModelHost, type ModelHost } from "../support/model-host.js";
import type { TestServer } from "../support/server.js";

/* Downloads land in the test server's own models folder (inside its temp data dir), never in ../shared. */

let server: TestServer;
let browser: Browser;
let host: ModelHost;

beforeAll(async () => {
  [{ server, browser }, host] = await Promise.all([startStudio(), startModelHost()]);
});
afterAll(async () => {
  await host?.close();
  await stopStudio({ server, browser });
});

test("the models page downloads a model with a progress bar, lists it when done, and cancels a download", async () => {
  const { page, context, errors } = await openStudio(browser, server);
  await page.goto("/models");
  const uri = page.getByLabel("Model to download");

  await uri.fill(`${host.url}/models/slow.gguf`);
  await page.getByRole("button", { name: "Download", exact: true }).click();
  const progress = page.getByRole("progressbar", { name: `Downloading ${host.url}/models/slow.gguf` });
  await progress.waitFor();
  await page.getByText(/Downloading… \d+% \(.+ of 10 MB\)/).waitFor();
  await page.getByRole("button", { name: `Cancel download of ${host.url}/models/slow.gguf` }).click();
  await page.getByText("Cancelled.").waitFor();
  await progress.waitFor({ state: "detached" });

  await uri.fill(`${host.url}/models/stories.gguf`);
  await page.getByRole("button", { name: "Download", exact: true }).click();
  await page.getByText("Done: available as stories.gguf.").waitFor();
  // The new file shows up among the local models without a reload, ready to pick for an agent.
  await page.getByRole("cell", { name: "stories.gguf", exact: true }).waitFor();
  expect(errors).toEqual([]);
  await context.close();
});
