import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CreatedWebhook, WebhookDelivery, WebhookDeliveryList, WebhookEventType } from "../src/contracts/index.js";
import { seedSession, seedUser } from "./support/accounts.js";
import { freePort } from "./support/ports.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";
import { call } from "./support/http.js";

/*
 * Webhooks end to end: the real server sends to a receiver on 127.0.0.1 (allowed by config here),
 * which checks every signature itself, the way a customer's endpoint would, with nothing from Atelier.
 */

const WEBHOOKS = { allowPrivateUrls: true, baseDelayMs: 50, maxDelayMs: 200, maxAttempts: 3, timeoutMs: 2_000 };

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: { id: string; type: string; createdAt: string; data: Record<string, any> };
  answered: number;
}

/** An HTTP endpoint that records every request; per path, answers the listed statuses in turn, then 200. */
async function startReceiver() {
  const received: Received[] = [];
  const plans = new Map<string, number[]>();
  const server: Server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => {
      const path = request.url ?? "/";
      const answered = plans.get(path)?.shift() ?? 200;
      const raw = Buffer.concat(parts).toString("utf8");
      received.push({ path, headers: request.headers, raw, body: JSON.parse(raw), answered });
      response.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path: string) => base + path,
    answer: (path: string, statuses: number[]) => plans.set(path, [...statuses]),
    at: (path: string) => received.filter((entry) => entry.path === path),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The check a receiver makes, written from the documented scheme: HMAC-SHA256(secret, "<t>.<raw body>"), hex. */
function verifies(secret: string, header: unknown, raw: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(header));
  if (!match) return false;
  const expected = createHmac("sha256", secret).update(`${match[1]}.${raw}`).digest();
  return timingSafeEqual(Buffer.from(match[2]!, "hex"), expected) && Math.abs(Date.now() / 1000 - Number(match[1])) < 300;
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The owner's browser: webhooks take a signed-in person, never an API key. */
async function ownerOf(server: TestServer) {
  const headers = await seedSession(server.services.store, server.admin.id);
  return <T = any>(method: string, url: string, body?: unknown) => call<T>(server.url, method, url, { body, headers });
}

type Owner = Awaited<ReturnType<typeof ownerOf>>;

async function createWebhook(owner: Owner, url: string, events: WebhookEventType[] = ["conversation.created", "message.created", "conversation.taken_over", "conversation.handed_back"]) {
  const created = await owner<CreatedWebhook>("POST", "/api/webhooks", { url, events, description: "test receiver" });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

async function deliveries(owner: Owner, webhookId: string): Promise<WebhookDelivery[]> {
  const listed = await owner<WebhookDeliveryList>("GET", `/api/webhooks/${webhookId}/deliveries`);
  expect(listed.status).toBe(200);
  return listed.body.deliveries;
}

let server: TestServer;
let owner: Owner;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const extraServers: TestServer[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({ config: { webhooks: WEBHOOKS } });
  owner = await ownerOf(server);
});
afterEach(async () => {
  for (const extra of extraServers.splice(0)) {
    await extra.close();
    removeDir(extra.dataDir);
  }
});
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
  await receiver?.close();
});

describe("webhooks", () => {
  it("shows the secret once, signs every attempt, and retries a 500 with the same delivery id until a 200", async () => {
    const { webhook, secret } = await createWebhook(owner, receiver.url("/retry"));
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(webhook).toMatchObject({ url: receiver.url("/retry"), enabled: true, description: "test receiver" });
    const listed = await owner("GET", "/api/webhooks");
    expect(listed.body.webhooks.find((hook: { id: string }) => hook.id === webhook.id)).toEqual(webhook);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    receiver.answer("/retry", [500]);
    const test = await owner<WebhookDelivery>("POST", `/api/webhooks/${webhook.id}/test`);
    expect(test.status).toBe(202);
    expect(test.body).toMatchObject({ webhookId: webhook.id, event: "webhook.test", status: "pending", attempts: 0 });

    const delivered = await waitFor("the retried delivery", async () => (await deliveries(owner, webhook.id)).find((entry) => entry.id === test.body.id && entry.status === "delivered"));
    expect(delivered).toMatchObject({ attempts: 2, lastStatus: 200, lastError: null, nextAttemptAt: null });
    expect(delivered.deliveredAt).not.toBeNull();

    const attempts = receiver.at("/retry");
    expect(attempts.map((entry) => entry.answered)).toEqual([500, 200]);
    for (const attempt of attempts) {
      expect(attempt.headers["atelier-delivery"]).toBe(test.body.id);
      expect(attempt.headers["atelier-event"]).toBe("webhook.test");
      expect(attempt.headers["content-type"]).toBe("application/json");
      expect(attempt.headers["user-agent"]).toBe("Atelier-Webhooks/1");
      expect(verifies(secret, attempt.headers["atelier-signature"], attempt.raw)).toBe(true);
      // Not signed by another secret, and a changed body does not verify.
      expect(verifies(`${secret}x`, attempt.headers["atelier-signature"], attempt.raw)).toBe(false);
      expect(verifies(secret, attempt.headers["atelier-signature"], attempt.raw.replace("webhook.test", "webhook.tesT"))).toBe(false);
    }
    expect(attempts[1]!.raw, "every attempt sends the same bytes").toBe(attempts[0]!.raw);
    expect(attempts[0]!.body).toMatchObject({ type: "webhook.test", data: { webhookId: webhook.id } });
    expect(attempts[0]!.body.id).toMatch(/^evt_/);

    // A rotated secret signs from now on; the old one no longer verifies.
    const rotated = await owner<CreatedWebhook>("POST", `/api/webhooks/${webhook.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(secret);
    await owner("POST", `/api/webhooks/${webhook.id}/test`);
    const afterRotation = await waitFor("the test after rotation", () => receiver.at("/retry")[2]);
    expect(verifies(rotated.body.secret, afterRotation.headers["atelier-signature"], afterRotation.raw)).toBe(true);
    expect(verifies(secret, afterRotation.headers["atelier-signature"], afterRotation.raw)).toBe(false);
  });

  it("marks a delivery failed after maxAttempts when the receiver is down, keeping the last error", async () => {
    const port = await freePort();
    const { webhook } = await createWebhook(owner, `http://127.0.0.1:${port}/down`);
    const test = await owner<WebhookDelivery>("POST", `/api/webhooks/${webhook.id}/test`);
    const failed = await waitFor("the failed delivery", async () => (await deliveries(owner, webhook.id)).find((entry) => entry.id === test.body.id && entry.status === "failed"));
    expect(failed).toMatchObject({ attempts: WEBHOOKS.maxAttempts, lastStatus: null, nextAttemptAt: null, deliveredAt: null });
    expect(failed.lastError).toMatch(/refused/i);
  });

  it("sends conversation.created and message.created for a visitor's chat with a published agent, and takeover and hand-back", async () => {
    const { webhook, secret } = await createWebhook(owner, receiver.url("/events"));
    const agent = await server.json<{ id: string }>("POST", "/api/agents", { name: "Webhook Bea", greetings: ["Hello!"], model: { maxTokens: 4 } });
    expect(agent.status).toBe(201);
    expect((await server.json("POST", `/api/agents/${agent.body.id}/publish`, {})).status).toBe(200);

    const visitor = await fetch(`${server.url}/api/visitors`, { method: "POST" }).then((response) => response.json() as Promise<{ token: string }>);
    const asVisitor = { authorization: `Bearer ${visitor.token}` };
    const conversation = await server.json<{ conversation: { id: string } }>("POST", "/api/conversations", { agentId: agent.body.id }, asVisitor);
    expect(conversation.status).toBe(201);
    const conversationId = conversation.body.conversation.id;
    const turn = await server.json("POST", `/api/conversations/${conversationId}/messages`, { content: "Do you bake bread?", stream: false }, asVisitor);
    expect(turn.status).toBe(200);

    const messages = () => receiver.at("/events").filter((entry) => entry.body.type === "message.created" && entry.body.data.conversationId === conversationId);
    await waitFor("the visitor's message and the agent's reply", () => messages().length >= 2 || undefined);
    const created = receiver.at("/events").find((entry) => entry.body.type === "conversation.created" && entry.body.data.conversationId === conversationId);
    expect(created?.body.data).toMatchObject({ agentId: agent.body.id, conversationId, conversation: { id: conversationId, agentId: agent.body.id } });
    const [user, reply] = messages();
    expect(user!.body.data.message).toMatchObject({ role: "user", content: "Do you bake bread?", conversationId });
    expect(reply!.body.data.message).toMatchObject({ role: "assistant", author: "agent", conversationId });
    expect(reply!.body.data.message.status).not.toBe("streaming");

    // The owner takes over, writes, and hands back (the inbox routes).
    expect((await server.json("POST", `/api/conversations/${conversationId}/takeover`)).status).toBe(200);
    expect((await server.json("POST", `/api/conversations/${conversationId}/owner-messages`, { content: "The owner here." })).status).toBe(201);
    expect((await server.json("POST", `/api/conversations/${conversationId}/handback`)).status).toBe(200);
    const handedBack = await waitFor("the hand-back", () => receiver.at("/events").find((entry) => entry.body.type === "conversation.handed_back" && entry.body.data.conversationId === conversationId));
    expect(handedBack.body.data).toMatchObject({ agentId: agent.body.id, mode: "ai", by: server.admin.id });
    const takenOver = receiver.at("/events").find((entry) => entry.body.type === "conversation.taken_over" && entry.body.data.conversationId === conversationId);
    expect(takenOver?.body.data).toMatchObject({ mode: "owner", by: server.admin.id });
    await waitFor("the owner's message", () => messages().find((entry) => entry.body.data.message.author === "owner"));

    const all = receiver.at("/events");
    for (const entry of all) expect(verifies(secret, entry.headers["atelier-signature"], entry.raw), entry.body.type).toBe(true);
    expect(new Set(all.map((entry) => entry.headers["atelier-delivery"])).size, "one delivery per event").toBe(all.length);
    const history = await deliveries(owner, webhook.id);
    expect(history.every((entry) => entry.status === "delivered")).toBe(true);
    expect(history.length).toBe(all.length);
  });

  it("sends nothing to a disabled webhook, or for events it did not choose", async () => {
    const { webhook: off } = await createWebhook(owner, receiver.url("/off"));
    const { webhook: onlyMessages } = await createWebhook(owner, receiver.url("/messages-only"), ["message.created"]);
    const { webhook: on } = await createWebhook(owner, receiver.url("/on"), ["conversation.created"]);
    const patched = await owner("PATCH", `/api/webhooks/${off.id}`, { enabled: false });
    expect(patched.body).toMatchObject({ enabled: false });
    expect((await owner("POST", `/api/webhooks/${off.id}/test`)).status).toBe(409);

    const agent = await server.json<{ id: string }>("POST", "/api/agents", { name: "Quiet" });
    const made = await server.json<{ conversation: any }>("POST", "/api/conversations", { agentId: agent.body.id });
    await waitFor("the enabled webhook's delivery", () => receiver.at("/on").find((entry) => entry.body.data.conversationId === made.body.conversation.id));
    await waitFor("the enabled webhook's history", async () => (await deliveries(owner, on.id)).some((entry) => entry.status === "delivered") || undefined);
    expect(receiver.at("/off")).toEqual([]);
    expect(await deliveries(owner, off.id)).toEqual([]);
    expect(receiver.at("/messages-only").filter((entry) => entry.body.type === "conversation.created")).toEqual([]);
    expect(await deliveries(owner, onlyMessages.id)).toEqual([]);

    expect((await owner("DELETE", `/api/webhooks/${off.id}`)).status).toBe(204);
    expect((await owner("GET", `/api/webhooks/${off.id}/deliveries`)).status).toBe(404);
    const audit = await owner<{ events: Array<{ action: string; targetId: string }> }>("GET", "/api/account/audit");
    expect(audit.body.events.filter((event) => event.targetId === off.id).map((event) => event.action).sort()).toEqual(["webhook.created", "webhook.deleted"]);
  });

  it("refuses API keys, other owners' webhooks and invalid input", async () => {
    const { webhook } = await createWebhook(owner, receiver.url("/private"));
    expect((await server.json("GET", "/api/webhooks")).status, "API keys cannot manage webhooks").toBe(403);
    const other = await seedSession(server.services.store, (await seedUser(server.services.store)).id);
    const asOther = await fetch(`${server.url}/api/webhooks/${webhook.id}`, { method: "PATCH", headers: { ...other, "content-type": "application/json" }, body: JSON.stringify({ enabled: false }) });
    expect(asOther.status).toBe(404);
    expect((await owner("POST", "/api/webhooks", { url: receiver.url("/x"), events: [] })).status).toBe(400);
    expect((await owner("POST", "/api/webhooks", { url: "ftp://example.com/x", events: ["message.created"] })).status).toBe(400);
    expect((await owner("POST", "/api/webhooks", { url: receiver.url("/x"), events: ["webhook.test"] })).status, "nobody subscribes to tests").toBe(400);
  });

  it("refuses a private URL when the operator has not allowed them", async () => {
    const strict = await startTestServer({ config: { webhooks: { ...WEBHOOKS, allowPrivateUrls: false } } });
    extraServers.push(strict);
    const strictOwner = await ownerOf(strict);
    for (const url of [receiver.url("/private"), "http://localhost:9/hook", "http://169.254.169.254/latest/meta-data"]) {
      const refused = await strictOwner<{ error: { code: string; message: string } }>("POST", "/api/webhooks", { url, events: ["message.created"] });
      expect(refused.status, url).toBe(400);
      expect(refused.body.error.message).toMatch(/private network/);
      expect(refused.body.error.message).toMatch(/webhooks\.allowPrivateUrls/);
    }
    expect((await strictOwner("GET", "/api/webhooks")).body.webhooks).toEqual([]);
  });

  it("sends deliveries still pending at shutdown after a restart on the same data", async () => {
    const first = await startTestServer({ config: { webhooks: { ...WEBHOOKS, maxAttempts: 8, baseDelayMs: 300, maxDelayMs: 300 } } });
    extraServers.push(first);
    const firstOwner = await ownerOf(first);
    const { webhook, secret } = await createWebhook(firstOwner, receiver.url("/restart"));
    receiver.answer("/restart", [503, 503, 503, 503, 503, 503]);
    const test = await firstOwner<WebhookDelivery>("POST", `/api/webhooks/${webhook.id}/test`);
    await waitFor("a first failed attempt", () => receiver.at("/restart")[0]);
    await first.close();
    const triedBefore = receiver.at("/restart").length;
    receiver.answer("/restart", []);

    const again = await startTestServer({ dataDir: first.dataDir, config: { webhooks: WEBHOOKS } });
    extraServers.push(again);
    const againOwner = await ownerOf(again);
    const delivered = await waitFor("the delivery after the restart", async () => (await deliveries(againOwner, webhook.id)).find((entry) => entry.status === "delivered"));
    expect(delivered.id).toBe(test.body.id);
    // An attempt cut off by the shutdown may have reached the receiver without being recorded.
    expect(delivered.attempts).toBeGreaterThanOrEqual(2);
    expect(delivered.attempts).toBeLessThanOrEqual(triedBefore + 1);
    const last = receiver.at("/restart").at(-1)!;
    expect(last.answered).toBe(200);
    expect(last.headers["atelier-delivery"]).toBe(test.body.id);
    expect(verifies(secret, last.headers["atelier-signature"], last.raw)).toBe(true);
  });
});
