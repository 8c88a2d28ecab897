import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { openStudio, screenshot, startStudio, stopStudio } from "../support/browser.js";
import type { TestServer } from "../support/server.js";

let server: TestServer;
let browser: Browser;
let receiver: Server;
let receiverUrl: string;
const received: Array<{ headers: IncomingHttpHeaders; raw: string }> = [];
/** The first delivery is answered 500, so the page shows it pending (and retried) before delivered. */
let failNext = 1;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => {
      received.push({ headers: request.headers, raw: Buffer.concat(parts).toString("utf8") });
      response.writeHead(failNext-- > 0 ? 500 : 200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/atelier`;
  ({ server, browser } = await startStudio({ webhooks: { allowPrivateUrls: true, baseDelayMs: 1_500, maxDelayMs: 1_500 } }));
});
afterAll(async () => {
  await stopStudio({ server, browser });
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

test("the webhooks page adds a webhook, shows its secret once, follows a test delivery to delivered, disables and deletes it", { timeout: 90_000 }, async () => {
  const { page, context, errors } = await openStudio(browser, server);
  await page.goto("/");
  await page.getByRole("link", { name: "Webhooks" }).click();
  await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
  await page.getByText("No webhooks yet.").waitFor();

  await page.getByLabel("Endpoint URL").fill(receiverUrl);
  await page.getByRole("checkbox", { name: /^Handed back/ }).uncheck();
  await page.getByLabel("Description").fill("CRM sync");
  await page.getByRole("button", { name: "Add webhook" }).click();

  const secret = (await page.getByLabel("Signing secret", { exact: true }).textContent()) ?? "";
  expect(secret).toMatch(/^whsec_/);
  await page.getByRole("button", { name: "Copy", exact: true }).click();
  await page.getByRole("button", { name: "Copied", exact: true }).waitFor();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await page.getByRole("button", { name: "I have copied it" }).click();
  await expect.poll(() => page.getByLabel("Signing secret", { exact: true }).count()).toBe(0);

  const item = page.getByRole("article", { name: receiverUrl });
  expect(await item.textContent()).toContain("CRM sync");
  expect(await item.textContent()).not.toContain("Handed back");
  await page.getByRole("button", { name: `Send a test to ${receiverUrl}` }).click();
  // Shown pending, then refreshed on its own: the first attempt fails (HTTP 500), the retry succeeds.
  await item.getByRole("cell", { name: "pending" }).waitFor();
  await item.getByRole("cell", { name: "delivered" }).waitFor({ timeout: 20_000 });
  const row = item.getByRole("row").nth(1);
  expect(await row.textContent()).toContain("Test");
  expect(await row.textContent()).toContain("HTTP 200");
  expect(await row.getByRole("cell").nth(2).textContent()).toBe("2");
  expect(received).toHaveLength(2);
  await screenshot(page, "webhooks");

  // What the endpoint got verifies with the secret the page showed.
  const last = received.at(-1)!;
  const [t, v1] = String(last.headers["atelier-signature"]).split(",").map((part) => part.split("=")[1]);
  expect(createHmac("sha256", secret).update(`${t}.${last.raw}`).digest("hex")).toBe(v1);

  await page.getByRole("button", { name: `Disable ${receiverUrl}` }).click();
  await item.getByText("Disabled", { exact: true }).waitFor();
  expect(await page.getByRole("button", { name: `Send a test to ${receiverUrl}` }).isDisabled()).toBe(true);

  await page.getByRole("button", { name: `Delete ${receiverUrl}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete webhook" }).click();
  await page.getByText("No webhooks yet.").waitFor();
  expect((await server.services.webhooks.list(server.admin.id))).toEqual([]);
  expect(errors).toEqual([]);
  await context.close();
});
