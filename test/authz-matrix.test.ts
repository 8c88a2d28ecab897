import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUserId } from "../src/runtime/auth/visitor-identity.js";
import { routeTable } from "../src/server/app.js";
import { buildWorld, CALLERS, PASSWORD, type Caller, type World } from "./support/route-fixtures.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";

/*
 * Every route x every kind of caller, each request in a fresh world, against the expected status.
 * The routes come from the live route table: a route added without an entry below fails the test,
 * so nobody can add an endpoint without deciding who may call it.
 */

type Expectation = Record<Caller, number>;
interface Sample {
  request(world: World, server: TestServer): Promise<{ url: string; body?: unknown }> | { url: string; body?: unknown };
  expect: Expectation;
}

const all = (status: number): Expectation => ({ none: status, visitor: status, other: status, owner: status, admin: status });
/** Any signed-in account; visitors are not accounts. */
const accounts = (ok: number): Expectation => ({ none: 401, visitor: 403, other: ok, owner: ok, admin: ok });
/** The owner's own resource: other accounts (admins too) see nothing. */
const ownerOnly = (ok: number): Expectation => ({ none: 401, visitor: 403, other: 404, owner: ok, admin: 404 });
const adminOnly = (ok: number): Expectation => ({ none: 401, visitor: 403, other: 403, owner: 403, admin: ok });
/** A visitor's conversation with a published agent: the visitor and the agent's owner (inbox). */
const visitorConversation = (ok: number): Expectation => ({ none: 401, visitor: ok, other: 404, owner: ok, admin: 404 });
/** The owner's conversation with a private agent. */
const privateConversation = (ok: number): Expectation => ({ none: 401, visitor: 404, other: 404, owner: ok, admin: 404 });

/** A source on the world's private agent, added straight through the service. */
async function knowledgeSource(server: TestServer, world: World): Promise<string> {
  const { sources } = await server.services.knowledge.addFiles(world.privateAgent, [{ name: "hours.txt", bytes: new TextEncoder().encode("Open nine to five.") }]);
  return sources[0]!.id;
}

/** A reply held for the owner's review in the world's visitor conversation, written straight to the store. */
async function heldDraft(server: TestServer, world: World): Promise<string> {
  const id = `msg_draft${++unique}`;
  const now = new Date().toISOString();
  await server.services.store.conversations.appendMessage({
    id, conversationId: world.visitorConversation, role: "assistant", content: "A draft", status: "complete", createdAt: now, completedAt: now, review: "pending",
  });
  return id;
}

/** A webhook of the world's owner, written straight to the store (its documentation-range address is never reached in time to matter). */
async function ownerWebhook(server: TestServer, world: World): Promise<string> {
  const hook = await server.services.store.webhooks.create({
    id: `whk_matrix${++unique}`, ownerId: world.ownerId, url: "https://203.0.113.9/hook", secret: "whsec_matrix", events: ["message.created"], description: "", enabled: true, now: new Date().toISOString(),
  });
  return hook.id;
}

/** An identify request for one of the world's agents, signed with its identity secret as an embedding site would. */
async function identify(server: TestServer, agentId: string, userId: string): Promise<{ url: string; body: unknown }> {
  const secret = await server.services.agents.identitySecret({ id: agentId });
  return { url: "/api/visitors/identify", body: { agent: agentId, userId, signature: signUserId(secret, userId) } };
}

let unique = 0;
const email = () => `new${++unique}-${Date.now()}@example.test`;

const SAMPLES: Record<string, Sample[]> = {
  "GET /healthz": [{ request: () => ({ url: "/healthz" }), expect: all(200) }],
  "GET /readyz": [{ request: () => ({ url: "/readyz" }), expect: all(200) }],
  "GET /openapi.json": [{ request: () => ({ url: "/openapi.json" }), expect: all(200) }],

  "GET /api/auth/status": [{ request: () => ({ url: "/api/auth/status" }), expect: all(200) }],
  "POST /api/auth/signup": [{ request: () => ({ url: "/api/auth/signup", body: { email: email(), name: "New", password: PASSWORD } }), expect: all(201) }],
  "POST /api/auth/login": [{ request: (w) => ({ url: "/api/auth/login", body: { email: w.ownerEmail, password: PASSWORD } }), expect: all(200) }],
  "POST /api/auth/logout": [{ request: () => ({ url: "/api/auth/logout" }), expect: accounts(204) }],
  "GET /api/auth/session": [{ request: () => ({ url: "/api/auth/session" }), expect: accounts(200) }],
  "POST /api/account/password": [{ request: () => ({ url: "/api/account/password", body: { currentPassword: PASSWORD, newPassword: "a-new-password-42" } }), expect: accounts(204) }],
  "GET /api/account/audit": [{ request: () => ({ url: "/api/account/audit" }), expect: accounts(200) }],
  "GET /api/account/export": [{ request: () => ({ url: "/api/account/export" }), expect: accounts(200) }],
  "DELETE /api/account": [{ request: () => ({ url: "/api/account", body: { password: PASSWORD } }), expect: accounts(204) }],

  "GET /api/keys": [{ request: () => ({ url: "/api/keys" }), expect: accounts(200) }],
  "POST /api/keys": [{ request: () => ({ url: "/api/keys", body: { name: "ci", scopes: ["agents:read"] } }), expect: accounts(201) }],
  "DELETE /api/keys/:id": [{ request: (w) => ({ url: `/api/keys/${w.ownerKeyId}` }), expect: ownerOnly(204) }],
  "GET /api/keys/:id/usage": [{ request: (w) => ({ url: `/api/keys/${w.ownerKeyId}/usage` }), expect: ownerOnly(200) }],

  // Webhooks: a person's own (never an API key's); 203.0.113.0/24 is a public, documentation-only range.
  "GET /api/webhooks": [{ request: () => ({ url: "/api/webhooks" }), expect: accounts(200) }],
  "POST /api/webhooks": [{ request: () => ({ url: "/api/webhooks", body: { url: "https://203.0.113.9/hook", events: ["message.created"] } }), expect: accounts(201) }],
  "PATCH /api/webhooks/:id": [{ request: async (w, server) => ({ url: `/api/webhooks/${await ownerWebhook(server, w)}`, body: { enabled: false } }), expect: ownerOnly(200) }],
  "DELETE /api/webhooks/:id": [{ request: async (w, server) => ({ url: `/api/webhooks/${await ownerWebhook(server, w)}` }), expect: ownerOnly(204) }],
  "POST /api/webhooks/:id/rotate-secret": [{ request: async (w, server) => ({ url: `/api/webhooks/${await ownerWebhook(server, w)}/rotate-secret` }), expect: ownerOnly(200) }],
  "POST /api/webhooks/:id/test": [{ request: async (w, server) => ({ url: `/api/webhooks/${await ownerWebhook(server, w)}/test` }), expect: ownerOnly(202) }],
  "GET /api/webhooks/:id/deliveries": [{ request: async (w, server) => ({ url: `/api/webhooks/${await ownerWebhook(server, w)}/deliveries` }), expect: ownerOnly(200) }],

  "GET /api/admin/users": [{ request: () => ({ url: "/api/admin/users" }), expect: adminOnly(200) }],
  "POST /api/admin/users": [{ request: () => ({ url: "/api/admin/users", body: { email: email(), name: "Made" } }), expect: adminOnly(201) }],
  "POST /api/admin/users/:id/password": [{ request: (w) => ({ url: `/api/admin/users/${w.otherId}/password`, body: {} }), expect: adminOnly(200) }],
  "DELETE /api/admin/users/:id": [{ request: (w) => ({ url: `/api/admin/users/${w.otherId}` }), expect: adminOnly(204) }],
  "GET /api/admin/settings": [{ request: () => ({ url: "/api/admin/settings" }), expect: adminOnly(200) }],
  "PATCH /api/admin/settings": [{ request: () => ({ url: "/api/admin/settings", body: { signupMode: "open" } }), expect: adminOnly(200) }],
  "GET /api/admin/invites": [{ request: () => ({ url: "/api/admin/invites" }), expect: adminOnly(200) }],
  "POST /api/admin/invites": [{ request: () => ({ url: "/api/admin/invites", body: {} }), expect: adminOnly(201) }],
  "GET /api/admin/audit": [{ request: () => ({ url: "/api/admin/audit" }), expect: adminOnly(200) }],

  "POST /api/visitors": [{ request: () => ({ url: "/api/visitors" }), expect: all(201) }],
  "GET /api/visitors/me": [{ request: () => ({ url: "/api/visitors/me" }), expect: { none: 401, visitor: 200, other: 403, owner: 403, admin: 403 } }],
  "DELETE /api/visitors/me": [{ request: () => ({ url: "/api/visitors/me" }), expect: { none: 401, visitor: 204, other: 403, owner: 403, admin: 403 } }],
  "POST /api/visitors/identify": [
    { request: (w, server) => identify(server, w.publishedAgent, "user-1"), expect: all(200) },
    { request: (w) => ({ url: "/api/visitors/identify", body: { agent: w.publishedAgent, userId: "user-1", signature: "0".repeat(64) } }), expect: all(403) },
    // A private agent signs nobody in, whoever asks (its owner included: identities are for visitors).
    { request: (w, server) => identify(server, w.privateAgent, "user-1"), expect: all(404) },
  ],

  "POST /api/agents": [{ request: () => ({ url: "/api/agents", body: { name: "Fresh" } }), expect: accounts(201) }],
  "GET /api/agents": [{ request: () => ({ url: "/api/agents" }), expect: accounts(200) }],
  "GET /api/agents/:id": [
    { request: (w) => ({ url: `/api/agents/${w.privateAgent}` }), expect: ownerOnly(200) },
    { request: (w) => ({ url: `/api/agents/${w.publishedAgent}` }), expect: ownerOnly(200) },
  ],
  "PATCH /api/agents/:id": [{ request: (w) => ({ url: `/api/agents/${w.privateAgent}`, body: { tagline: "edited" } }), expect: ownerOnly(200) }],
  "DELETE /api/agents/:id": [{ request: (w) => ({ url: `/api/agents/${w.publishedAgent}` }), expect: ownerOnly(204) }],
  "POST /api/agents/:id/publish": [{ request: (w) => ({ url: `/api/agents/${w.privateAgent}/publish` }), expect: ownerOnly(200) }],
  "POST /api/agents/:id/unpublish": [{ request: (w) => ({ url: `/api/agents/${w.publishedAgent}/unpublish` }), expect: ownerOnly(200) }],
  "GET /api/agents/:id/publishing": [{ request: (w) => ({ url: `/api/agents/${w.publishedAgent}/publishing` }), expect: ownerOnly(200) }],
  "PATCH /api/agents/:id/publishing": [{ request: (w) => ({ url: `/api/agents/${w.publishedAgent}/publishing`, body: { reviewReplies: true } }), expect: ownerOnly(200) }],
  "POST /api/agents/:id/publishing/rotate-secret": [{ request: (w) => ({ url: `/api/agents/${w.publishedAgent}/publishing/rotate-secret` }), expect: ownerOnly(200) }],
  "GET /api/agents/:id/versions": [{ request: (w) => ({ url: `/api/agents/${w.privateAgent}/versions` }), expect: ownerOnly(200) }],
  "GET /api/agents/:id/versions/:version": [{ request: (w) => ({ url: `/api/agents/${w.privateAgent}/versions/1` }), expect: ownerOnly(200) }],
  "POST /api/agents/:id/versions/:version/restore": [{ request: (w) => ({ url: `/api/agents/${w.privateAgent}/versions/1/restore` }), expect: ownerOnly(200) }],
  "POST /api/agents/draft": [{ request: () => ({ url: "/api/agents/draft", body: { description: "A cheerful baker" } }), expect: accounts(200) }],
  "POST /api/agents/:id/duplicate": [{ request: (w) => ({ url: `/api/agents/${w.privateAgent}/duplicate`, body: {} }), expect: ownerOnly(201) }],

  "GET /api/agents/:id/knowledge": [{ request: (w) => ({ url: `/api/agents/${w.privateAgent}/knowledge` }), expect: ownerOnly(200) }],
  // Authorisation comes before the body is read: the owner gets as far as "send multipart".
  "POST /api/agents/:id/knowledge": [{ request: (w) => ({ url: `/api/agents/${w.privateAgent}/knowledge`, body: {} }), expect: ownerOnly(415) }],
  "POST /api/agents/:id/knowledge/url": [{ request: (w) => ({ url: `/api/agents/${w.privateAgent}/knowledge/url`, body: { url: "http://127.0.0.1:9/page.html" } }), expect: ownerOnly(400) }],
  "GET /api/agents/:id/knowledge/search": [{ request: (w) => ({ url: `/api/agents/${w.privateAgent}/knowledge/search?q=hours` }), expect: ownerOnly(200) }],
  "GET /api/agents/:id/knowledge/:sourceId": [{ request: async (w, server) => ({ url: `/api/agents/${w.privateAgent}/knowledge/${await knowledgeSource(server, w)}` }), expect: ownerOnly(200) }],
  "DELETE /api/agents/:id/knowledge/:sourceId": [{ request: async (w, server) => ({ url: `/api/agents/${w.privateAgent}/knowledge/${await knowledgeSource(server, w)}` }), expect: ownerOnly(204) }],
  "POST /api/agents/:id/knowledge/:sourceId/reindex": [{ request: async (w, server) => ({ url: `/api/agents/${w.privateAgent}/knowledge/${await knowledgeSource(server, w)}/reindex` }), expect: ownerOnly(202) }],

  "GET /api/agents/:id/lorebook": [{ request: (w) => ({ url: `/api/agents/${w.privateAgent}/lorebook` }), expect: ownerOnly(200) }],
  "PUT /api/agents/:id/lorebook": [{ request: (w) => ({ url: `/api/agents/${w.privateAgent}/lorebook`, body: { lorebook: { entries: [{ id: "1", keys: ["forest"], content: "Old trees." }] } } }), expect: ownerOnly(200) }],
  // Authorisation comes before the upload is read: the owner gets as far as "send multipart".
  "POST /api/agents/:id/lorebook/import": [{ request: (w) => ({ url: `/api/agents/${w.privateAgent}/lorebook/import?mode=replace`, body: {} }), expect: ownerOnly(415) }],
  "GET /api/agents/:id/lorebook/export": [{ request: (w) => ({ url: `/api/agents/${w.privateAgent}/lorebook/export` }), expect: ownerOnly(200) }],
  "POST /api/agents/:id/lorebook/test": [{ request: (w) => ({ url: `/api/agents/${w.privateAgent}/lorebook/test`, body: { messages: ["the forest"] } }), expect: ownerOnly(200) }],

  // Interchange: agents as files, avatars. Authorisation comes before the upload is read.
  "POST /api/agents/import": [{ request: () => ({ url: "/api/agents/import", body: {} }), expect: accounts(415) }],
  "GET /api/agents/:id/export": [
    { request: (w) => ({ url: `/api/agents/${w.privateAgent}/export?format=bundle` }), expect: ownerOnly(200) },
    { request: (w) => ({ url: `/api/agents/${w.publishedAgent}/export?format=card-v2-json` }), expect: ownerOnly(200) },
  ],
  "PUT /api/agents/:id/avatar": [{ request: (w) => ({ url: `/api/agents/${w.privateAgent}/avatar` }), expect: ownerOnly(415) }],
  // Avatars are public (share pages, other sites' widgets); unknown names are simply not there.
  "GET /media/:name": [
    { request: (w) => ({ url: `/media/${w.mediaName}` }), expect: all(200) },
    { request: (w) => ({ url: `/media/${w.mediaName.replace(".png", ".gif")}` }), expect: all(404) },
    { request: () => ({ url: `/media/${"0".repeat(64)}.png` }), expect: all(404) },
  ],

  // Memory: the owner per person; each person (visitor or account) only their own, with agents they can reach.
  "GET /api/agents/:id/people": [{ request: (w) => ({ url: `/api/agents/${w.publishedAgent}/people` }), expect: ownerOnly(200) }],
  "GET /api/agents/:id/people/:participantId/memories": [{ request: (w) => ({ url: `/api/agents/${w.publishedAgent}/people/${w.visitorId}/memories` }), expect: ownerOnly(200) }],
  "POST /api/agents/:id/people/:participantId/memories": [{
    request: (w) => ({ url: `/api/agents/${w.publishedAgent}/people/${w.visitorId}/memories`, body: { kind: "fact", content: "Lives by the sea" } }), expect: ownerOnly(201),
  }],
  "DELETE /api/agents/:id/people/:participantId/memories": [{ request: (w) => ({ url: `/api/agents/${w.publishedAgent}/people/${w.visitorId}/memories` }), expect: ownerOnly(200) }],
  "PATCH /api/agents/:id/memories/:memoryId": [{ request: (w) => ({ url: `/api/agents/${w.publishedAgent}/memories/${w.visitorMemory}`, body: { content: "Likes black tea" } }), expect: ownerOnly(200) }],
  "DELETE /api/agents/:id/memories/:memoryId": [
    { request: (w) => ({ url: `/api/agents/${w.publishedAgent}/memories/${w.visitorMemory}` }), expect: ownerOnly(204) },
    // A memory of another agent is not this one's, even for its owner.
    { request: (w) => ({ url: `/api/agents/${w.privateAgent}/memories/${w.visitorMemory}` }), expect: { ...ownerOnly(404), owner: 404 } },
  ],
  "GET /api/memories": [
    { request: (w) => ({ url: `/api/memories?agentId=${w.publishedAgent}` }), expect: { ...all(200), none: 401 } },
    { request: (w) => ({ url: `/api/memories?agentId=${w.privateAgent}` }), expect: privateConversation(200) },
  ],
  "DELETE /api/memories": [
    { request: (w) => ({ url: `/api/memories?agentId=${w.publishedAgent}` }), expect: { ...all(200), none: 401 } },
    { request: (w) => ({ url: `/api/memories?agentId=${w.privateAgent}` }), expect: privateConversation(200) },
  ],

  "GET /api/models": [{ request: () => ({ url: "/api/models" }), expect: accounts(200) }],
  // Port 9 (discard) refuses at once: the download fails in the background, never touching the network.
  "POST /api/models/downloads": [{ request: () => ({ url: "/api/models/downloads", body: { uri: "http://127.0.0.1:9/tiny.gguf" } }), expect: adminOnly(202) }],
  "GET /api/models/downloads": [{ request: () => ({ url: "/api/models/downloads" }), expect: adminOnly(200) }],
  "DELETE /api/models/downloads/:id": [{
    request: async (_w, server) => {
      const started = await server.json<{ id: string }>("POST", "/api/models/downloads", { uri: "http://127.0.0.1:9/other.gguf" });
      if (started.status !== 202) throw new Error(`could not start a download to cancel: ${started.status}`);
      return { url: `/api/models/downloads/${started.body.id}` };
    },
    expect: adminOnly(200),
  }],

  "GET /api/public/agents/:id": [
    { request: (w) => ({ url: `/api/public/agents/${w.publishedAgent}` }), expect: all(200) },
    // Its owner sees a private agent's public face (the share page's preview); nobody else does.
    { request: (w) => ({ url: `/api/public/agents/${w.privateAgent}` }), expect: { ...all(404), owner: 200 } },
  ],
  "GET /api/public/agents": [{ request: () => ({ url: "/api/public/agents" }), expect: all(200) }],

  "POST /api/conversations": [
    { request: (w) => ({ url: "/api/conversations", body: { agentId: w.publishedAgent } }), expect: { ...all(201), none: 401 } },
    { request: (w) => ({ url: "/api/conversations", body: { agentId: w.privateAgent } }), expect: privateConversation(201) },
  ],
  "GET /api/conversations": [{ request: () => ({ url: "/api/conversations" }), expect: { ...all(200), none: 401 } }],
  "GET /api/conversations/:id": [
    { request: (w) => ({ url: `/api/conversations/${w.visitorConversation}` }), expect: visitorConversation(200) },
    { request: (w) => ({ url: `/api/conversations/${w.ownerConversation}` }), expect: privateConversation(200) },
  ],
  "DELETE /api/conversations/:id": [
    { request: (w) => ({ url: `/api/conversations/${w.visitorConversation}` }), expect: visitorConversation(204) },
    { request: (w) => ({ url: `/api/conversations/${w.ownerConversation}` }), expect: privateConversation(204) },
  ],
  "POST /api/conversations/:id/messages": [
    { request: (w) => ({ url: `/api/conversations/${w.visitorConversation}/messages`, body: { content: "Hello", stream: false } }), expect: visitorConversation(200) },
    { request: (w) => ({ url: `/api/conversations/${w.ownerConversation}/messages`, body: { content: "Hello", stream: false } }), expect: privateConversation(200) },
  ],
  "POST /api/conversations/:id/regenerate": [
    { request: (w) => ({ url: `/api/conversations/${w.visitorConversation}/regenerate`, body: { stream: false } }), expect: visitorConversation(200) },
  ],
  "GET /api/conversations/:id/replies/:messageId/events": [{
    // A finished reply stays resumable for a while: write one (as the owner, with a key) and replay it.
    request: async (w, server) => {
      const turn = await server.json<{ reply: { id: string } }>("POST", `/api/conversations/${w.visitorConversation}/messages`, { content: "Hi", stream: false }, { authorization: `Bearer ${w.ownerKey}` });
      if (turn.status !== 200) throw new Error(`could not write a reply to replay: ${turn.status}`);
      return { url: `/api/conversations/${w.visitorConversation}/replies/${turn.body.reply.id}/events` };
    },
    expect: visitorConversation(200),
  }],
  "POST /api/conversations/:id/replies/:messageId/abort": [
    { request: (w) => ({ url: `/api/conversations/${w.visitorConversation}/replies/${w.visitorGreeting}/abort` }), expect: visitorConversation(202) },
  ],
  "GET /api/conversations/:id/live": [
    { request: (w) => ({ url: `/api/conversations/${w.visitorConversation}/live` }), expect: visitorConversation(200) },
    { request: (w) => ({ url: `/api/conversations/${w.ownerConversation}/live` }), expect: privateConversation(200) },
  ],

  // The owner's inbox: every account has one (its own agents' conversations); visitors have none.
  "GET /api/inbox": [{ request: () => ({ url: "/api/inbox" }), expect: accounts(200) }],
  "GET /api/inbox/events": [{ request: () => ({ url: "/api/inbox/events" }), expect: accounts(200) }],
  "POST /api/conversations/:id/takeover": [{ request: (w) => ({ url: `/api/conversations/${w.visitorConversation}/takeover` }), expect: ownerOnly(200) }],
  "POST /api/conversations/:id/handback": [{ request: (w) => ({ url: `/api/conversations/${w.visitorConversation}/handback` }), expect: ownerOnly(200) }],
  "POST /api/conversations/:id/owner-messages": [
    { request: (w) => ({ url: `/api/conversations/${w.visitorConversation}/owner-messages`, body: { content: "Owner here" } }), expect: ownerOnly(201) },
  ],
  "POST /api/conversations/:id/read": [{ request: (w) => ({ url: `/api/conversations/${w.visitorConversation}/read` }), expect: ownerOnly(204) }],
  "POST /api/conversations/:id/messages/:messageId/approve": [{
    request: async (w, server) => ({ url: `/api/conversations/${w.visitorConversation}/messages/${await heldDraft(server, w)}/approve`, body: { content: "Edited" } }),
    expect: ownerOnly(200),
  }],
  "POST /api/conversations/:id/messages/:messageId/discard": [{
    request: async (w, server) => ({ url: `/api/conversations/${w.visitorConversation}/messages/${await heldDraft(server, w)}/discard` }),
    expect: ownerOnly(200),
  }],

  // The OpenAI-compatible API: any account, each seeing only its own agents as models.
  "GET /v1/models": [{ request: () => ({ url: "/v1/models" }), expect: accounts(200) }],
  "GET /v1/models/:model": [{ request: (w) => ({ url: `/v1/models/${w.privateAgent}` }), expect: ownerOnly(200) }],
  "POST /v1/chat/completions": [{
    request: (w) => ({ url: "/v1/chat/completions", body: { model: w.publishedAgent, messages: [{ role: "user", content: "Hi" }], max_tokens: 2 } }),
    expect: ownerOnly(200),
  }],
};

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { rateLimits: { login: { max: 0 }, public: { max: 0 } } } });
  const opened = await server.json("PATCH", "/api/admin/settings", { signupMode: "open" });
  expect(opened.status).toBe(200);
});
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
});

describe("authorisation matrix", () => {
  it("has a rule and expectations for every route in the route table", () => {
    const keys = routeTable(server.services).map((spec) => `${spec.method} ${spec.url}`);
    const missing = keys.filter((key) => !SAMPLES[key]);
    expect(missing, "routes without an entry in the authorisation matrix").toEqual([]);
    expect(Object.keys(SAMPLES).filter((key) => !keys.includes(key)), "matrix entries for routes that no longer exist").toEqual([]);
  });

  it("answers every route x caller with the expected status", { timeout: 240_000 }, async () => {
    const wrong: string[] = [];
    let cells = 0;
    for (const spec of routeTable(server.services)) {
      const key = `${spec.method} ${spec.url}`;
      for (const [index, sample] of (SAMPLES[key] ?? []).entries()) {
        for (const caller of CALLERS) {
          const world = await buildWorld(server.services.store);
          const { url, body } = await sample.request(world, server);
          const response = await fetch(server.url + url, {
            method: spec.method,
            headers: { ...world.headers[caller], ...(body === undefined ? {} : { "content-type": "application/json" }) },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          await response.body?.cancel();
          cells++;
          const expected = sample.expect[caller];
          if (response.status !== expected) wrong.push(`${key} #${index} as ${caller}: ${response.status}, expected ${expected}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    console.info(`authorisation matrix: ${cells} requests over ${routeTable(server.services).length} routes`);
  });
});
