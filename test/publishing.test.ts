import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent, ConversationWithMessages, Publication, PublicAgent, TurnResult, VisitorSession } from "../src/contracts/index.js";
import { signUserId } from "../src/runtime/auth/visitor-identity.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";
import { call as callAt } from "./support/http.js";

/* Publishing end to end: visibility, the pinned version, publish settings, signed identities, CORS and visitor quotas. */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ config: { rateLimits: { login: { max: 0 }, public: { max: 0 } } } });
});
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
});

let names = 0;
async function newAgent(overrides: Record<string, unknown> = {}): Promise<Agent> {
  const created = await server.json<Agent>("POST", "/api/agents", { name: `Pub ${++names}`, greetings: ["Hello from v1"], model: { temperature: 0.5, maxTokens: 4 }, ...overrides });
  expect(created.status).toBe(201);
  return created.body;
}

async function publish(agent: Agent, visibility?: "unlisted" | "public"): Promise<Agent> {
  const response = await server.json<Agent>("POST", `/api/agents/${agent.id}/publish`, visibility ? { visibility } : undefined);
  expect(response.status).toBe(200);
  return response.body;
}

async function newVisitor(): Promise<{ session: VisitorSession; headers: Record<string, string> }> {
  const response = await fetch(`${server.url}/api/visitors`, { method: "POST" });
  const session = (await response.json()) as VisitorSession;
  return { session, headers: { authorization: `Bearer ${session.token}` } };
}

/** A request with only the given headers (no admin key). */
function call<T = unknown>(method: string, url: string, options: { body?: unknown; headers?: Record<string, string> } = {}) {
  return callAt<T>(server.url, method, url, options);
}

async function directory(): Promise<string[]> {
  const listed = await call<{ agents: PublicAgent[] }>("GET", "/api/public/agents");
  expect(listed.status).toBe(200);
  return listed.body.agents.map((agent) => agent.id);
}

describe("visibility", () => {
  it("private: only the owner; unlisted: anyone with the link; public: also the directory", async () => {
    const agent = await newAgent();
    const visitor = await newVisitor();
    const startAsVisitor = () => call("POST", "/api/conversations", { body: { agentId: agent.handle }, headers: visitor.headers });

    expect((await call("GET", `/api/public/agents/${agent.id}`)).status).toBe(404);
    expect(await directory()).not.toContain(agent.id);
    expect((await startAsVisitor()).status).toBe(404);

    expect(await publish(agent, "unlisted")).toMatchObject({ visibility: "unlisted", publishedVersion: 1 });
    expect((await call("GET", `/api/public/agents/${agent.handle}`)).status).toBe(200);
    expect(await directory()).not.toContain(agent.id);
    const started = await startAsVisitor();
    expect(started.status).toBe(201);
    const conversationId = (started.body as ConversationWithMessages).conversation.id;

    const published = await publish(agent); // default: public
    expect(published).toMatchObject({ visibility: "public", publishedVersion: 1 });
    expect((await directory())[0]).toBe(agent.id);
    expect((await startAsVisitor()).status).toBe(201);

    const unpublished = await server.json<Agent>("POST", `/api/agents/${agent.id}/unpublish`);
    expect(unpublished.body).toMatchObject({ visibility: "private", publishedVersion: null, publishedAt: null });
    expect((await call("GET", `/api/public/agents/${agent.id}`)).status).toBe(404);
    expect(await directory()).not.toContain(agent.id);
    expect((await startAsVisitor()).status).toBe(404);
    // The visitor keeps their past conversation to read, not to continue.
    expect((await call("GET", `/api/conversations/${conversationId}`, { headers: visitor.headers })).status).toBe(200);
    const continued = await call("POST", `/api/conversations/${conversationId}/messages`, { body: { content: "Hi", stream: false }, headers: visitor.headers });
    expect(continued.status).toBe(404);
  });
});

describe("the pinned version", () => {
  it("keeps visitors on the published version until the owner publishes again", { timeout: 60_000 }, async () => {
    const agent = await newAgent({ name: "Pinned One" });
    await publish(agent);
    const edited = await server.json<Agent>("PATCH", `/api/agents/${agent.id}`, { name: "Pinned Two", greetings: ["Hello from v2"] });
    expect(edited.body).toMatchObject({ version: 2, publishedVersion: 1 });

    const visitor = await newVisitor();
    expect((await call<PublicAgent>("GET", `/api/public/agents/${agent.id}`)).body.name).toBe("Pinned One");
    const started = await call<ConversationWithMessages>("POST", "/api/conversations", { body: { agentId: agent.id }, headers: visitor.headers });
    expect(started.body.messages[0]).toMatchObject({ content: "Hello from v1", agentVersion: 1 });
    const url = `/api/conversations/${started.body.conversation.id}/messages`;
    const turn = await call<TurnResult>("POST", url, { body: { content: "Hi", stream: false }, headers: visitor.headers });
    expect(turn.status).toBe(200);
    expect(turn.body.reply.agentVersion).toBe(1);

    // The owner talks to the latest draft.
    const ownConversation = await server.json<ConversationWithMessages>("POST", "/api/conversations", { agentId: agent.id });
    expect(ownConversation.body.messages[0]).toMatchObject({ content: "Hello from v2", agentVersion: 2 });

    const publication = await server.json<Publication>("GET", `/api/agents/${agent.id}/publishing`);
    expect(publication.body).toMatchObject({ publishedVersion: 1, currentVersion: 2, visibility: "public", sharePath: `/a/${agent.handle}` });

    const before = await server.services.store.audit.list({ userId: server.admin.id, limit: 200 });
    const repinned = await publish(edited.body);
    expect(repinned).toMatchObject({ publishedVersion: 2, publishedAt: publication.body.publishedAt });
    await publish(repinned); // nothing changes: not audited again
    const after = await server.services.store.audit.list({ userId: server.admin.id, limit: 200 });
    const added = after.filter((event) => !before.some((old) => old.id === event.id));
    expect(added).toMatchObject([{ action: "agent.published", targetId: agent.id, detail: { version: 2, visibility: "public" } }]);

    expect((await call<PublicAgent>("GET", `/api/public/agents/${agent.id}`)).body.name).toBe("Pinned Two");
    const again = await call<TurnResult>("POST", url, { body: { content: "And now?", stream: false }, headers: visitor.headers });
    expect(again.body.reply.agentVersion).toBe(2);
  });
});

describe("publish settings", () => {
  it("reads defaults, refuses bad changes without changing anything, and merges limits key by key", async () => {
    const agent = await newAgent();
    const first = await server.json<Publication>("GET", `/api/agents/${agent.id}/publishing`);
    expect(first.status).toBe(200);
    expect(first.body.settings).toEqual({
      allowedOrigins: [], reviewReplies: false,
      limits: { visitorPerMinute: 10, visitorPerDay: 200, agentPerMinute: 120, agentPerDay: 5000 },
      limitMessage: expect.any(String),
    });
    expect(first.body.identitySecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await server.json<Publication>("GET", `/api/agents/${agent.id}/publishing`)).body.identitySecret).toBe(first.body.identitySecret);

    for (const bad of [
      { allowedOrigins: ["shop.example"] },
      { allowedOrigins: ["https://shop.example/path"] },
      { limits: { visitorPerMinute: -1 } },
      { limits: { perHour: 3 } },
      { limitMessage: "  " },
      { identitySecret: "mine" },
    ]) {
      const refused = await server.json("PATCH", `/api/agents/${agent.id}/publishing`, bad);
      expect(refused.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await server.json<Publication>("GET", `/api/agents/${agent.id}/publishing`)).body).toEqual(first.body);

    const changed = await server.json<Publication>("PATCH", `/api/agents/${agent.id}/publishing`, {
      allowedOrigins: ["HTTPS://Shop.Example"], limits: { visitorPerMinute: 5 }, reviewReplies: true,
    });
    expect(changed.status).toBe(200);
    expect(changed.body.settings).toMatchObject({
      allowedOrigins: ["https://shop.example"], reviewReplies: true,
      limits: { visitorPerMinute: 5, visitorPerDay: 200, agentPerMinute: 120, agentPerDay: 5000 },
    });
    // Settings are not versioned.
    expect((await server.json<Agent>("GET", `/api/agents/${agent.id}`)).body.version).toBe(1);
  });
});

describe("signed visitor identity", () => {
  it("gives the same visitor to every device a site signs in, and refuses a wrong signature", async () => {
    const agent = await newAgent();
    await publish(agent, "unlisted");
    const { identitySecret } = (await server.json<Publication>("GET", `/api/agents/${agent.id}/publishing`)).body;
    const body = { agent: agent.handle, userId: "customer-7", signature: signUserId(identitySecret, "customer-7") };

    const laptop = await call<VisitorSession>("POST", "/api/visitors/identify", { body });
    expect(laptop.status).toBe(200);
    expect(laptop.headers.get("set-cookie")).toMatch(/^atelier_visitor=vis_/);
    const phone = await call<VisitorSession>("POST", "/api/visitors/identify", { body: { ...body, agent: agent.id, signature: body.signature.toUpperCase() } });
    expect(phone.body.visitorId).toBe(laptop.body.visitorId);

    // A conversation started on one device is there on the other, and both stay signed in.
    const laptopHeaders = { authorization: `Bearer ${laptop.body.token}` };
    const phoneHeaders = { authorization: `Bearer ${phone.body.token}` };
    const started = await call<ConversationWithMessages>("POST", "/api/conversations", { body: { agentId: agent.id }, headers: laptopHeaders });
    expect(started.status).toBe(201);
    expect((await call("GET", `/api/conversations/${started.body.conversation.id}`, { headers: phoneHeaders })).status).toBe(200);
    expect((await call("GET", "/api/visitors/me", { headers: laptopHeaders })).status).toBe(200);

    const other = await call<VisitorSession>("POST", "/api/visitors/identify", { body: { ...body, userId: "customer-8", signature: signUserId(identitySecret, "customer-8") } });
    expect(other.body.visitorId).not.toBe(laptop.body.visitorId);

    const forged = await call<{ error: { message: string } }>("POST", "/api/visitors/identify", { body: { ...body, userId: "customer-8" } });
    expect(forged.status).toBe(403);
    expect(forged.body.error.message).toMatch(/signature does not match/);
    expect((await call("POST", "/api/visitors/identify", { body: { ...body, signature: "zz" } })).status).toBe(400);

    // A new secret: old signatures and the tokens made with them stop working; the visitor stays.
    const rotated = await server.json<Publication>("POST", `/api/agents/${agent.id}/publishing/rotate-secret`);
    expect(rotated.body.identitySecret).not.toBe(identitySecret);
    expect((await call("POST", "/api/visitors/identify", { body })).status).toBe(403);
    expect((await call("GET", "/api/visitors/me", { headers: laptopHeaders })).status).toBe(401);
    const renewed = await call<VisitorSession>("POST", "/api/visitors/identify", { body: { ...body, signature: signUserId(rotated.body.identitySecret, "customer-7") } });
    expect(renewed.body.visitorId).toBe(laptop.body.visitorId);
    expect(renewed.body.token).not.toBe(laptop.body.token);
  });

  it("signs nobody in to a private or unknown agent", async () => {
    const agent = await newAgent();
    const secret = (await server.json<Publication>("GET", `/api/agents/${agent.id}/publishing`)).body.identitySecret;
    const body = { agent: agent.id, userId: "u", signature: signUserId(secret, "u") };
    expect((await call("POST", "/api/visitors/identify", { body })).status).toBe(404);
    expect((await call("POST", "/api/visitors/identify", { body: { ...body, agent: "no-such-agent" } })).status).toBe(404);
  });
});

describe("CORS and allowed websites", () => {
  const shop = "https://shop.example";
  let allowing: Agent;
  let other: Agent;

  beforeAll(async () => {
    allowing = await publish(await newAgent({ name: "Shop Helper" }), "unlisted");
    other = await publish(await newAgent({ name: "Other Helper" }), "unlisted");
    const patched = await server.json("PATCH", `/api/agents/${allowing.id}/publishing`, { allowedOrigins: [shop] });
    expect(patched.status).toBe(200);
  });

  const preflight = (url: string, origin: string) => call("OPTIONS", url, {
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
  });

  it("answers preflights from allowed websites, without credentials, and refuses others", async () => {
    const allowed = await preflight("/api/conversations", shop);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(shop);
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
    expect(allowed.headers.get("access-control-allow-headers")).toMatch(/authorization/);
    expect(allowed.headers.get("access-control-allow-methods")).toMatch(/POST/);
    expect(allowed.headers.get("vary")).toMatch(/Origin/i);

    const refused = await preflight("/api/conversations", "https://evil.example");
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();

    // /v1 takes API keys only (never cookies): any website may call it.
    const openApi = await preflight("/v1/chat/completions", "https://evil.example");
    expect(openApi.status).toBe(204);
    expect(openApi.headers.get("access-control-allow-origin")).toBe("https://evil.example");

    const simple = await call("GET", `/api/public/agents/${allowing.id}`, { headers: { origin: shop } });
    expect(simple.status).toBe(200);
    expect(simple.headers.get("access-control-allow-origin")).toBe(shop);
    expect(simple.headers.get("access-control-expose-headers")).toMatch(/retry-after/);
    const notAllowed = await call("GET", `/api/public/agents/${allowing.id}`, { headers: { origin: "https://evil.example" } });
    expect(notAllowed.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("applies a settings change at once, and forgets an unpublished agent's websites", async () => {
    const fresh = "https://fresh.example";
    expect((await preflight("/api/conversations", fresh)).status).toBe(403);
    await server.json("PATCH", `/api/agents/${other.id}/publishing`, { allowedOrigins: [fresh] });
    expect((await preflight("/api/conversations", fresh)).status).toBe(204);
    await server.json("POST", `/api/agents/${other.id}/unpublish`);
    expect((await preflight("/api/conversations", fresh)).status).toBe(403);
    await publish(other, "unlisted");
  });

  it("lets a visitor on another website reach only the agents that allow that website", async () => {
    const visitor = await newVisitor();
    const fromShop = { ...visitor.headers, origin: shop };
    const refused = await call<{ error: { message: string } }>("POST", "/api/conversations", { body: { agentId: other.id }, headers: fromShop });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe(`This website is not allowed to use Other Helper. The owner can add ${shop} in the agent's publish settings.`);

    const started = await call<ConversationWithMessages>("POST", "/api/conversations", { body: { agentId: allowing.id }, headers: fromShop });
    expect(started.status).toBe(201);
    const id = started.body.conversation.id;
    expect((await call("GET", `/api/conversations/${id}`, { headers: { ...visitor.headers, origin: "https://evil.example" } })).status).toBe(403);
    // The same visitor on the agent's own share page (no other site involved) is fine.
    expect((await call("POST", "/api/conversations", { body: { agentId: other.id }, headers: visitor.headers })).status).toBe(201);

    // Identities are only signed in from websites the agent allows.
    const secret = (await server.json<Publication>("GET", `/api/agents/${other.id}/publishing`)).body.identitySecret;
    const identify = { agent: other.id, userId: "u1", signature: signUserId(secret, "u1") };
    expect((await call("POST", "/api/visitors/identify", { body: identify, headers: { origin: shop } })).status).toBe(403);
  });
});

describe("visitor quotas", () => {
  it("refuses the message over the visitor's limit with Retry-After and the owner's message, storing nothing", { timeout: 60_000 }, async () => {
    const agent = await publish(await newAgent());
    const limitMessage = "Slow down, friend: try again in a minute.";
    const patched = await server.json("PATCH", `/api/agents/${agent.id}/publishing`, { limits: { visitorPerMinute: 2 }, limitMessage });
    expect(patched.status).toBe(200);
    const visitor = await newVisitor();
    const started = await call<ConversationWithMessages>("POST", "/api/conversations", { body: { agentId: agent.id }, headers: visitor.headers });
    const url = `/api/conversations/${started.body.conversation.id}/messages`;
    // Fixed one-minute windows: start early in one so the three messages share it.
    const second = new Date().getUTCSeconds();
    if (second > 45) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));

    for (const content of ["one", "two"]) {
      expect((await call("POST", url, { body: { content, stream: false }, headers: visitor.headers })).status).toBe(200);
    }
    const refused = await call<{ error: { code: string; message: string } }>("POST", url, { body: { content: "three", stream: false }, headers: visitor.headers });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: "rate_limited", message: limitMessage });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    const stored = await call<ConversationWithMessages>("GET", `/api/conversations/${started.body.conversation.id}`, { headers: visitor.headers });
    expect(stored.body.messages.map((message) => message.content)).not.toContain("three");
    expect(stored.body.messages.filter((message) => message.role === "user")).toHaveLength(2);

    // The owner is never limited, in their own conversation or the visitor's.
    const own = await server.json<ConversationWithMessages>("POST", "/api/conversations", { agentId: agent.id });
    for (const content of ["a", "b", "c"]) {
      expect((await server.json("POST", `/api/conversations/${own.body.conversation.id}/messages`, { content, stream: false })).status).toBe(200);
    }
  });
});
