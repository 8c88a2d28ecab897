import yauzl from "yauzl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSseStream } from "../src/client/sse.js";
import type { Agent, AuditEvent, ConversationList, ConversationWithMessages, CreatedApiKey, ErrorBody, InboxList, SessionInfo, TurnResult, VisitorSession } from "../src/contracts/index.js";
import { routeTable } from "../src/server/app.js";
import { seedApiKey, seedSession, seedUser, TEST_PASSWORD, type SeededUser } from "./support/accounts.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";
import { call as callAt, type Reply } from "./support/http.js";

/* What visitors and owners can see of each other, and what leaves with an export or an account deletion. */

type Headers_ = Record<string, string>;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { rateLimits: { login: { max: 0 }, public: { max: 0 } } } });
});
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
});

function call<T = ErrorBody>(method: string, url: string, options: { body?: unknown; headers?: Headers_ } = {}): Promise<Reply<T>> {
  return callAt<T>(server.url, method, url, options);
}

const bearer = (token: string): Headers_ => ({ authorization: `Bearer ${token}` });

function cookieValue(headers: Headers, name: string): string | undefined {
  const line = headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`));
  return line === undefined ? undefined : decodeURIComponent(line.slice(name.length + 1).split(";")[0]!);
}

/** A signed-in browser of a seeded user: `cookie` for reads, `headers` (cookie + CSRF token) for writes. */
async function login(email: string, password = TEST_PASSWORD): Promise<{ cookie: Headers_; headers: Headers_ }> {
  const reply = await call<SessionInfo>("POST", "/api/auth/login", { body: { email, password } });
  expect(reply.status, reply.text).toBe(200);
  const cookie = { cookie: `atelier_session=${cookieValue(reply.headers, "atelier_session")}` };
  return { cookie, headers: { ...cookie, "x-csrf-token": reply.body.csrfToken } };
}

/** An owner with an all-scope key (for setting things up) and a browser session. */
async function owner(): Promise<SeededUser & { key: Headers_; browser: Awaited<ReturnType<typeof login>> }> {
  const user = await seedUser(server.services.store);
  return { ...user, key: bearer(await seedApiKey(server.services.store, user.id)), browser: await login(user.email) };
}

let handles = 0;
async function createAgent(key: Headers_, profile: Record<string, unknown> = {}): Promise<Agent> {
  const created = await call<Agent>("POST", "/api/agents", {
    body: { name: "Privacy Agent", handle: `privacy-${++handles}-${Date.now()}`, greetings: ["Welcome, traveller."], model: { temperature: 0.5, maxTokens: 8 }, ...profile },
    headers: key,
  });
  expect(created.status, created.text).toBe(201);
  return created.body;
}

async function startConversation(agentId: string, headers: Headers_): Promise<string> {
  const created = await call<ConversationWithMessages>("POST", "/api/conversations", { body: { agentId }, headers });
  expect(created.status, created.text).toBe(201);
  return created.body.conversation.id;
}

async function chat(conversationId: string, content: string, headers: Headers_): Promise<TurnResult> {
  const turn = await call<TurnResult>("POST", `/api/conversations/${conversationId}/messages`, { body: { content, stream: false }, headers });
  expect(turn.status, turn.text).toBe(200);
  return turn.body;
}

async function publish(agentId: string, key: Headers_): Promise<void> {
  const published = await call<Agent>("POST", `/api/agents/${agentId}/publish`, { headers: key });
  expect(published.status, published.text).toBe(200);
  expect(published.body.publishedAt).not.toBeNull();
}

const conversationIds = async (headers: Headers_) => {
  const list = await call<ConversationList>("GET", "/api/conversations?limit=200", { headers });
  expect(list.status, list.text).toBe(200);
  return list.body.conversations.map((conversation) => conversation.id);
};

async function newVisitor(): Promise<VisitorSession & { bearer: Headers_; cookie: Headers_; browser: Headers_ }> {
  const created = await call<VisitorSession>("POST", "/api/visitors");
  expect(created.status, created.text).toBe(201);
  expect(created.body.token).toMatch(/^vis_/);
  expect(cookieValue(created.headers, "atelier_visitor")).toBe(created.body.token);
  expect(created.headers.getSetCookie().find((line) => line.startsWith("atelier_visitor="))).toMatch(/;\s*HttpOnly/i);
  const cookie = { cookie: `atelier_visitor=${created.body.token}` };
  return { ...created.body, bearer: bearer(created.body.token), cookie, browser: { ...cookie, "x-csrf-token": created.body.csrfToken } };
}

describe("visitors", () => {
  it("talk to a published agent, see only their own conversations, and can forget themselves", async () => {
    const alice = await owner();
    const instructions = "Never reveal the vault code 8841-hidden.";
    const agent = await createAgent(alice.key, { name: "Ivy Public", instructions, description: "Friendly." });
    const visitor = await newVisitor();
    expect((await call("GET", `/api/public/agents/${agent.handle}`)).status, "private until published").toBe(404);
    expect((await call("POST", "/api/conversations", { body: { agentId: agent.id }, headers: visitor.bearer })).status).toBe(404);
    await publish(agent.id, alice.key);

    const profile = await call<Record<string, unknown>>("GET", `/api/public/agents/${agent.handle}`);
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({ id: agent.id, name: "Ivy Public", greetings: ["Welcome, traveller."] });
    for (const hidden of ["instructions", "model", "ownerId"]) expect(profile.body).not.toHaveProperty(hidden);
    for (const leak of [instructions, alice.id, alice.email]) expect(profile.text).not.toContain(leak);

    // By token, then by cookie (which needs the CSRF token for writes).
    const byToken = await call<ConversationWithMessages>("POST", "/api/conversations", { body: { agentId: agent.handle }, headers: visitor.bearer });
    expect(byToken.status, byToken.text).toBe(201);
    expect(byToken.body.conversation.participantId).toBe(visitor.visitorId);
    expect(byToken.body.messages[0]?.content).toBe("Welcome, traveller.");
    const first = byToken.body.conversation.id;
    const turn = await chat(first, "Hello from a visitor", visitor.bearer);
    expect(turn.userMessage?.content).toBe("Hello from a visitor");
    expect(turn.reply.role).toBe("assistant");
    const noCsrf = await call("POST", "/api/conversations", { body: { agentId: agent.id }, headers: visitor.cookie });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe("csrf_failed");
    const second = await startConversation(agent.id, visitor.browser);
    await chat(second, "Hello by cookie", visitor.browser);

    const other = await newVisitor();
    const theirs = await startConversation(agent.id, other.bearer);
    expect(new Set(await conversationIds(visitor.bearer))).toEqual(new Set([first, second]));
    expect(await conversationIds(visitor.cookie)).toHaveLength(2);
    expect((await call("GET", `/api/conversations/${theirs}`, { headers: visitor.bearer })).status).toBe(404);
    expect(await conversationIds(alice.key), "the owner's inbox").toEqual(expect.arrayContaining([first, second, theirs]));
    expect(await conversationIds((await owner()).key), "another owner's inbox").toEqual([]);

    expect((await call("DELETE", `/api/conversations/${first}`, { headers: visitor.bearer })).status).toBe(204);
    expect(await conversationIds(alice.key)).not.toContain(first);
    const audit = await call<{ events: AuditEvent[] }>("GET", "/api/account/audit", { headers: await seedSession(server.services.store, alice.id) });
    expect(audit.body.events.find((event) => event.action === "conversation.deleted" && event.targetId === first)?.actor).toBe(`visitor:${visitor.visitorId}`);

    const forgotten = await call("DELETE", "/api/visitors/me", { headers: visitor.browser });
    expect(forgotten.status, forgotten.text).toBe(204);
    expect(await conversationIds(alice.key)).not.toContain(second);
    expect(await server.services.store.conversations.get(second)).toBeUndefined();
    expect((await call("GET", "/api/visitors/me", { headers: visitor.bearer })).status).toBe(401);
    expect((await call("GET", "/api/conversations", { headers: visitor.cookie })).status).toBe(401);
    expect(await conversationIds(alice.key), "other visitors keep theirs").toContain(theirs);
    expect(await conversationIds(other.bearer)).toEqual([theirs]);
  });
});

describe("visitor isolation and the owner's inbox", () => {
  it("gives a second visitor nothing of the first one's conversation, on any route, and an owner nothing of another owner's inbox", async () => {
    const [alice, bob] = [await owner(), await owner()];
    const agent = await createAgent(alice.key, { name: "Isolated Agent" });
    await publish(agent.id, alice.key);
    const first = await newVisitor();
    const conversation = await startConversation(agent.id, first.bearer);
    const turn = await chat(conversation, "My secret order number is 5512", first.bearer);
    const greeting = (await call<ConversationWithMessages>("GET", `/api/conversations/${conversation}`, { headers: first.bearer })).body.messages[0]!.id;
    const draft = `msg_draft_${Date.now()}`;
    const now = new Date().toISOString();
    await server.services.store.conversations.appendMessage({
      id: draft, conversationId: conversation, role: "assistant", content: "held draft 5512", status: "complete", createdAt: now, completedAt: now, review: "pending",
    });

    const base = `/api/conversations/${conversation}`;
    const visitorRoutes: [string, string, unknown?][] = [
      ["GET", base], ["DELETE", base], ["POST", `${base}/messages`, { content: "hi", stream: false }], ["POST", `${base}/regenerate`, { stream: false }],
      ["GET", `${base}/live`], ["GET", `${base}/replies/${turn.reply.id}/events`], ["POST", `${base}/replies/${turn.reply.id}/abort`],
    ];
    const ownerRoutes: [string, string, unknown?][] = [
      ["POST", `${base}/takeover`], ["POST", `${base}/handback`], ["POST", `${base}/owner-messages`, { content: "hijack" }], ["POST", `${base}/read`],
      ["POST", `${base}/messages/${draft}/approve`, {}], ["POST", `${base}/messages/${draft}/discard`],
    ];
    const second = await newVisitor();
    for (const [method, url, body] of visitorRoutes) {
      const reply = await call(method, url, { headers: second.bearer, ...(body === undefined ? {} : { body }) });
      expect(reply.status, `${method} ${url} as another visitor`).toBe(404);
      expect(reply.text).not.toContain("5512");
    }
    for (const [method, url, body] of [...ownerRoutes, ["GET", "/api/inbox"], ["GET", "/api/inbox/events"]] as [string, string, unknown?][]) {
      for (const headers of [second.bearer, first.bearer]) {
        const reply = await call(method, url, { headers, ...(body === undefined ? {} : { body }) });
        expect(reply.status, `${method} ${url} as a visitor`).toBe(403);
      }
    }
    for (const [method, url, body] of ownerRoutes) {
      const reply = await call(method, url, { headers: bob.key, ...(body === undefined ? {} : { body }) });
      expect(reply.status, `${method} ${url} as another owner`).toBe(404);
    }
    // What the agent remembers about the first visitor: theirs and the owner's alone.
    const noted = await call<{ id: string }>("POST", `/api/agents/${agent.id}/people/${first.visitorId}/memories`, { body: { content: "Order 5512 goes to Elm Street" }, headers: alice.key });
    expect(noted.status, noted.text).toBe(201);
    const theirMemories = await call("GET", `/api/memories?agentId=${agent.id}`, { headers: second.bearer });
    expect(theirMemories.status).toBe(200);
    expect(theirMemories.body).toEqual({ memories: [] });
    const forgetOthers = await call("DELETE", `/api/memories?agentId=${agent.id}`, { headers: second.bearer });
    expect(forgetOthers.body).toEqual({ deleted: 0 });
    const memoryRoutes: [string, string, unknown?][] = [
      ["GET", `/api/agents/${agent.id}/people`], ["GET", `/api/agents/${agent.id}/people/${first.visitorId}/memories`],
      ["DELETE", `/api/agents/${agent.id}/people/${first.visitorId}/memories`], ["PATCH", `/api/agents/${agent.id}/memories/${noted.body.id}`, { content: "x" }],
      ["DELETE", `/api/agents/${agent.id}/memories/${noted.body.id}`],
    ];
    for (const [method, url, body] of memoryRoutes) {
      const asVisitor = await call(method, url, { headers: second.bearer, ...(body === undefined ? {} : { body }) });
      expect(asVisitor.status, `${method} ${url} as another visitor`).toBe(403);
      const asOwner = await call(method, url, { headers: bob.key, ...(body === undefined ? {} : { body }) });
      expect(asOwner.status, `${method} ${url} as another owner`).toBe(404);
      expect(asVisitor.text + asOwner.text).not.toContain("5512");
    }
    const mine = await call<{ memories: { content: string }[] }>("GET", `/api/memories?agentId=${agent.id}`, { headers: first.bearer });
    // (Alongside whatever the agent noted itself from the first visitor's turn.)
    expect(mine.body.memories.map((memory) => memory.content)).toContain("Order 5512 goes to Elm Street");

    // The held draft is the owner's alone: the visitor whose conversation it is cannot see or follow it either.
    const own = await call<ConversationWithMessages>("GET", base, { headers: first.bearer });
    expect(own.body.messages.map((message) => message.id)).not.toContain(draft);
    expect((await call("GET", `${base}/replies/${draft}/events`, { headers: first.bearer })).status).toBe(404);
    expect((await call("POST", `${base}/replies/${draft}/abort`, { headers: first.bearer })).status).toBe(404);

    const aliceInbox = await call<InboxList>("GET", "/api/inbox", { headers: alice.key });
    expect(aliceInbox.body.conversations.map((entry) => entry.id)).toEqual([conversation]);
    const bobInbox = await call<InboxList>("GET", `/api/inbox?q=5512&agentId=${agent.id}`, { headers: bob.key });
    expect(bobInbox.status).toBe(200);
    expect(bobInbox.body.conversations).toEqual([]);
    expect((await call<InboxList>("GET", "/api/inbox", { headers: bob.key })).body.conversations).toEqual([]);

    // Bob's live inbox hears nothing of Alice's conversation, only of his own agents'.
    const stop = new AbortController();
    const stream = await fetch(`${server.url}/api/inbox/events`, { headers: bob.key, signal: stop.signal });
    expect(stream.status).toBe(200);
    const bobAgent = await createAgent(bob.key, { name: "Bob Agent" });
    await publish(bobAgent.id, bob.key);
    await chat(conversation, "another secret 7781", first.bearer);
    const bobConversation = await startConversation(bobAgent.id, second.bearer);
    const received: string[] = [];
    for await (const message of readSseStream(stream.body!)) {
      received.push(message.data);
      if (message.data.includes(bobConversation)) break;
    }
    stop.abort();
    expect(received.join("\n")).not.toContain(conversation);
    expect(received.join("\n")).not.toContain("7781");
  });
});

async function unzip(buffer: Buffer): Promise<Map<string, string>> {
  const zip = await yauzl.fromBufferPromise(buffer, { lazyEntries: true });
  const files = new Map<string, string>();
  for await (const entry of zip.eachEntry()) {
    if (entry.fileName.endsWith("/")) continue;
    const chunks: Buffer[] = [];
    for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    files.set(entry.fileName, Buffer.concat(chunks).toString("utf8"));
  }
  return files;
}

describe("account export", () => {
  it("is a zip of the owner's agents and conversations, with nothing of another owner's", async (context) => {
    const routes = routeTable(server.services).map((spec) => `${spec.method} ${spec.url}`);
    if (!routes.includes("GET /api/account/export")) context.skip("GET /api/account/export is not in the route table yet");
    const [alice, bob] = [await owner(), await owner()];
    const aliceAgent = await createAgent(alice.key, { name: "Export Alpha" });
    const aliceConversation = await startConversation(aliceAgent.id, alice.key);
    await chat(aliceConversation, "alpha words for the export", alice.key);
    const bobAgent = await createAgent(bob.key, { name: "Beta Secret Agent" });
    const bobConversation = await startConversation(bobAgent.id, bob.key);
    await chat(bobConversation, "beta private words", bob.key);

    const response = await fetch(`${server.url}/api/account/export`, { headers: alice.browser.cookie });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/zip/);
    expect(response.headers.get("content-disposition")).toMatch(/^attachment/);
    const files = await unzip(Buffer.from(await response.arrayBuffer()));
    expect(files.size).toBeGreaterThan(0);
    for (const name of files.keys()) expect(name).not.toMatch(/^\/|\.\./);
    const everything = [...files.values()].join("\n");
    for (const mine of [aliceAgent.id, "Export Alpha", aliceConversation, "alpha words for the export"]) expect(everything).toContain(mine);
    for (const theirs of [bobAgent.id, "Beta Secret Agent", bobConversation, "beta private words", bob.email, bob.id]) expect(everything).not.toContain(theirs);
    for (const secret of ["$argon2", "tokenHash", "passwordHash", alice.key.authorization!.slice(7)]) expect(everything).not.toContain(secret);
  });
});

describe("account deletion", () => {
  it("needs the password, then removes the account with everything in it and nobody else's data", async () => {
    const { store } = server.services;
    const [dora, eve] = [await owner(), await owner()];
    const doraAgent = await createAgent(dora.key, { name: "Dora Agent" });
    await publish(doraAgent.id, dora.key);
    const doraConversation = await startConversation(doraAgent.id, dora.key);
    const visitorConversation = await startConversation(doraAgent.id, (await newVisitor()).bearer);
    const eveAgent = await createAgent(eve.key, { name: "Eve Agent" });
    const eveConversation = await startConversation(eveAgent.id, eve.key);
    const doraKeys = await store.apiKeys.listForUser(dora.id);
    expect(doraKeys).toHaveLength(1);

    const wrong = await call("DELETE", "/api/account", { body: { password: "not-the-password" }, headers: dora.browser.headers });
    expect(wrong.status).toBe(403);
    expect((await call("DELETE", "/api/account", { body: { password: TEST_PASSWORD }, headers: dora.browser.cookie })).body.error.code).toBe("csrf_failed");
    expect((await call("DELETE", "/api/account", { body: { password: TEST_PASSWORD }, headers: dora.key })).status, "API keys cannot").toBe(403);
    expect(await store.users.get(dora.id)).toBeDefined();
    expect(await store.agents.get(doraAgent.id)).toBeDefined();

    const deleted = await call("DELETE", "/api/account", { body: { password: TEST_PASSWORD }, headers: dora.browser.headers });
    expect(deleted.status, deleted.text).toBe(204);
    expect(await store.users.get(dora.id)).toBeUndefined();
    expect(await store.agents.get(doraAgent.id)).toBeUndefined();
    expect(await store.agents.list({ ownerId: dora.id })).toEqual([]);
    expect(await store.conversations.get(doraConversation)).toBeUndefined();
    expect(await store.conversations.get(visitorConversation)).toBeUndefined();
    expect(await store.apiKeys.listForUser(dora.id)).toEqual([]);
    expect(await store.apiKeys.findById(doraKeys[0]!.id)).toBeUndefined();
    expect(await store.audit.list({ userId: dora.id, limit: 50 })).toEqual([]);
    expect((await call("GET", "/api/agents", { headers: dora.key })).status).toBe(401);
    expect((await call("GET", "/api/auth/session", { headers: dora.browser.cookie })).status).toBe(401);
    expect((await call("POST", "/api/auth/login", { body: { email: dora.email, password: TEST_PASSWORD } })).status).toBe(401);

    expect(await store.users.get(eve.id)).toBeDefined();
    expect(await store.agents.get(eveAgent.id)).toBeDefined();
    expect(await store.conversations.get(eveConversation)).toBeDefined();
    expect((await call<{ agents: Agent[] }>("GET", "/api/agents", { headers: eve.key })).body.agents.map((agent) => agent.id)).toContain(eveAgent.id);

    const audit = await call<{ events: AuditEvent[] }>("GET", "/api/admin/audit", { headers: server.auth });
    expect(audit.body.events.find((event) => event.action === "user.deleted" && event.targetId === dora.id)).toMatchObject({ targetType: "user" });
  });
});

describe("audit log", () => {
  it("records key creation, publishing and deletions with actor and target, newest first, for that owner only", async () => {
    const [fay, gus] = [await owner(), await owner()];
    const created = await call<CreatedApiKey>("POST", "/api/keys", {
      body: { name: "audited", scopes: ["agents:read", "agents:write", "conversations:read", "conversations:write"] }, headers: fay.browser.headers,
    });
    expect(created.status, created.text).toBe(201);
    const key = bearer(created.body.token);
    const agent = await createAgent(key, { name: "Audited Agent" });
    await publish(agent.id, key);
    const conversation = await startConversation(agent.id, key);
    expect((await call("DELETE", `/api/conversations/${conversation}`, { headers: fay.browser.headers })).status).toBe(204);
    expect((await call("DELETE", `/api/agents/${agent.id}`, { headers: key })).status).toBe(204);

    const audit = await call<{ events: AuditEvent[] }>("GET", "/api/account/audit", { headers: fay.browser.cookie });
    expect(audit.status).toBe(200);
    const events = audit.body.events;
    const expected = [
      { action: "agent.deleted", targetType: "agent", targetId: agent.id },
      { action: "conversation.deleted", targetType: "conversation", targetId: conversation },
      { action: "agent.published", targetType: "agent", targetId: agent.id },
      { action: "api_key.created", targetType: "api_key", targetId: created.body.key.id },
    ] as const;
    const positions = expected.map((want) => events.findIndex((event) => event.action === want.action && event.targetId === want.targetId));
    expected.forEach((want, index) => expect(events[positions[index]!], want.action).toMatchObject({ ...want, actor: fay.id }));
    expect([...positions].sort((a, b) => a - b), "newest first").toEqual(positions);
    const times = events.map((event) => event.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(JSON.stringify(events)).not.toContain(created.body.token);

    const theirs = await call("GET", "/api/account/audit", { headers: gus.browser.cookie });
    for (const id of [agent.id, conversation, created.body.key.id]) expect(theirs.text).not.toContain(id);
  });
});
