import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent, ConversationWithMessages, ForgetResult, Memory, MemoryList, RememberedPeople, TurnResult, VisitorSession } from "../src/contracts/index.js";
import { seedApiKey, seedUser } from "./support/accounts.js";
import { call as callAt, type Reply } from "./support/http.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";

/* What agents remember about people, through the HTTP API: each person reaches only their own, with one agent at a time. */

type Headers_ = Record<string, string>;

let server: TestServer;
beforeAll(async () => {
  // Memories are seeded by the owner here, so nothing noted in the background can blur what each person should see.
  server = await startTestServer({ config: { rateLimits: { login: { max: 0 }, public: { max: 0 } }, memory: { extract: false } } });
});
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
});

function call<T = unknown>(method: string, url: string, options: { body?: unknown; headers?: Headers_ } = {}): Promise<Reply<T>> {
  return callAt<T>(server.url, method, url, options);
}

async function newOwner(): Promise<{ id: string; key: Headers_ }> {
  const user = await seedUser(server.services.store);
  return { id: user.id, key: { authorization: `Bearer ${await seedApiKey(server.services.store, user.id)}` } };
}

async function publishedAgent(owner: Headers_, name: string): Promise<Agent> {
  const created = await call<Agent>("POST", "/api/agents", { body: { name, greetings: ["Hello."], model: { temperature: 0.5, maxTokens: 6 } }, headers: owner });
  expect(created.status, created.text).toBe(201);
  expect((await call("POST", `/api/agents/${created.body.id}/publish`, { headers: owner })).status).toBe(200);
  return created.body;
}

/** A visitor by bearer token and, for the same identity, a cookie jar with its CSRF token. */
async function newVisitor(): Promise<{ id: string; bearer: Headers_; browser: Headers_ }> {
  const created = await call<VisitorSession>("POST", "/api/visitors");
  expect(created.status).toBe(201);
  const { token, csrfToken, visitorId } = created.body;
  return { id: visitorId, bearer: { authorization: `Bearer ${token}` }, browser: { cookie: `atelier_visitor=${token}`, "x-csrf-token": csrfToken } };
}

async function remember(owner: Headers_, agent: Agent, participantId: string, content: string, kind = "fact"): Promise<Memory> {
  const added = await call<Memory>("POST", `/api/agents/${agent.id}/people/${participantId}/memories`, { body: { kind, content }, headers: owner });
  expect(added.status, added.text).toBe(201);
  return added.body;
}

async function own(agent: Agent, headers: Headers_): Promise<string[]> {
  const list = await call<MemoryList>("GET", `/api/memories?agentId=${agent.id}`, { headers });
  expect(list.status, list.text).toBe(200);
  return list.body.memories.map((memory) => memory.content).sort();
}

async function ask(agent: Agent, headers: Headers_, content: string): Promise<string> {
  const started = await call<ConversationWithMessages>("POST", "/api/conversations", { body: { agentId: agent.id }, headers });
  expect(started.status, started.text).toBe(201);
  const turn = await call<TurnResult>("POST", `/api/conversations/${started.body.conversation.id}/messages`, { body: { content, stream: false }, headers });
  expect(turn.status, turn.text).toBe(200);
  return turn.body.reply.content;
}

describe("memory isolation through the API", () => {
  it("gives each visitor only their own memories, per agent; the owner sees and edits everyone's; nobody else anything", async () => {
    const owner = await newOwner();
    const tavern = await publishedAgent(owner.key, "Tavern Keeper");
    const library = await publishedAgent(owner.key, "Librarian");
    const [ann, ben] = [await newVisitor(), await newVisitor()];
    const annTea = await remember(owner.key, tavern, ann.id, "Ann likes green tea", "preference");
    await remember(owner.key, tavern, ann.id, "Ann lives in Porto");
    await remember(owner.key, tavern, ben.id, "Ben collects stamps");
    await remember(owner.key, library, ann.id, "Ann asked for books on sailing", "request");

    // Two visitors, one agent: each their own, by token or by cookie.
    expect(await own(tavern, ann.bearer)).toEqual(["Ann likes green tea", "Ann lives in Porto"]);
    expect(await own(tavern, ann.browser)).toEqual(["Ann likes green tea", "Ann lives in Porto"]);
    expect(await own(tavern, ben.bearer)).toEqual(["Ben collects stamps"]);
    // One visitor, two agents: only that agent's.
    expect(await own(library, ann.bearer)).toEqual(["Ann asked for books on sailing"]);
    expect(await own(library, ben.bearer)).toEqual([]);

    // The owner's view: both people, with counts; each person's memories.
    const people = await call<RememberedPeople>("GET", `/api/agents/${tavern.id}/people`, { headers: owner.key });
    expect(people.status).toBe(200);
    expect(people.body.people.map(({ participantId, kind, memoryCount }) => ({ participantId, kind, memoryCount })).sort((a, b) => b.memoryCount - a.memoryCount))
      .toEqual([{ participantId: ann.id, kind: "visitor", memoryCount: 2 }, { participantId: ben.id, kind: "visitor", memoryCount: 1 }]);
    const annList = await call<MemoryList>("GET", `/api/agents/${tavern.id}/people/${ann.id}/memories`, { headers: owner.key });
    expect(annList.body.memories.map((memory) => memory.content).sort()).toEqual(["Ann likes green tea", "Ann lives in Porto"]);

    // The owner corrects and deletes.
    const edited = await call<Memory>("PATCH", `/api/agents/${tavern.id}/memories/${annTea.id}`, { body: { content: "Ann likes black tea" }, headers: owner.key });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.body).toMatchObject({ id: annTea.id, content: "Ann likes black tea", origin: "owner", kind: "preference" });
    expect(await own(tavern, ann.bearer)).toEqual(["Ann likes black tea", "Ann lives in Porto"]);
    // A memory is reachable through its own agent only, even for the same owner.
    expect((await call("PATCH", `/api/agents/${library.id}/memories/${annTea.id}`, { body: { content: "moved" }, headers: owner.key })).status).toBe(404);
    expect((await call("DELETE", `/api/agents/${library.id}/memories/${annTea.id}`, { headers: owner.key })).status).toBe(404);
    expect((await call("DELETE", `/api/agents/${tavern.id}/memories/${annTea.id}`, { headers: owner.key })).status).toBe(204);
    expect(await own(tavern, ann.bearer)).toEqual(["Ann lives in Porto"]);

    // Another owner: as if none of it existed.
    const other = await newOwner();
    const base = `/api/agents/${tavern.id}`;
    for (const [method, url, body] of [
      ["GET", `${base}/people`], ["GET", `${base}/people/${ann.id}/memories`], ["POST", `${base}/people/${ann.id}/memories`, { content: "planted" }],
      ["DELETE", `${base}/people/${ann.id}/memories`], ["PATCH", `${base}/memories/${annTea.id}`, { content: "x" }], ["DELETE", `${base}/memories/${annTea.id}`],
    ] as [string, string, unknown?][]) {
      const reply = await call(method, url, { headers: other.key, ...(body === undefined ? {} : { body }) });
      expect(reply.status, `${method} ${url} as another owner`).toBe(404);
      expect(reply.text).not.toContain("Porto");
      // Visitors never reach the owner's routes, not even about themselves.
      expect((await call(method, url, { headers: ann.bearer, ...(body === undefined ? {} : { body }) })).status, `${method} ${url} as a visitor`).toBe(403);
    }
    // The other owner, talking to the published agent, is a person of their own to it (their user id).
    expect(await own(tavern, other.key)).toEqual([]);
    await remember(owner.key, tavern, other.id, "The other owner prefers short answers");
    expect(await own(tavern, other.key)).toEqual(["The other owner prefers short answers"]);
    expect(await own(tavern, ann.bearer)).toEqual(["Ann lives in Porto"]);

    // A private agent is reachable by nobody but its owner.
    const hidden = (await call<Agent>("POST", "/api/agents", { body: { name: "Hidden" }, headers: owner.key })).body;
    expect((await call("GET", `/api/memories?agentId=${hidden.id}`, { headers: ann.bearer })).status).toBe(404);
    expect((await call("GET", "/api/memories", { headers: ann.bearer })).status).toBe(400);
    expect((await call("GET", `/api/memories?agentId=${tavern.id}`)).status).toBe(401);
  });

  it("answers \"what do you remember about me\" from the caller's memories only, and forgets only the caller", async () => {
    const owner = await newOwner();
    const agent = await publishedAgent(owner.key, "Memory Keeper");
    const other = await publishedAgent(owner.key, "Other Keeper");
    const [cat, dan] = [await newVisitor(), await newVisitor()];
    await remember(owner.key, agent, cat.id, "Cat is called Catherine", "name");
    await remember(owner.key, agent, cat.id, "Cat is allergic to nuts");
    await remember(owner.key, agent, dan.id, "Dan plays the cello");
    await remember(owner.key, other, cat.id, "Cat asked about opening hours", "request");

    const reply = await ask(agent, cat.bearer, "What do you remember about me?");
    expect(reply).toContain("Cat is called Catherine");
    expect(reply).toContain("Cat is allergic to nuts");
    for (const leak of ["cello", "Dan", "opening hours"]) expect(reply).not.toContain(leak);
    const danReply = await ask(agent, dan.bearer, "what do you know about me");
    expect(danReply).toContain("Dan plays the cello");
    expect(danReply).not.toContain("Cat");

    // Forgetting needs the CSRF token with a cookie, and clears the caller alone, with this agent alone.
    expect((await call("DELETE", `/api/memories?agentId=${agent.id}`, { headers: { cookie: cat.browser.cookie! } })).status).toBe(403);
    const forgot = await call<ForgetResult>("DELETE", `/api/memories?agentId=${agent.id}`, { headers: cat.browser });
    expect(forgot.status, forgot.text).toBe(200);
    expect(forgot.body).toEqual({ deleted: 2 });
    expect(await own(agent, cat.bearer)).toEqual([]);
    expect(await own(agent, dan.bearer)).toEqual(["Dan plays the cello"]);
    expect(await own(other, cat.bearer)).toEqual(["Cat asked about opening hours"]);
    expect(await ask(agent, cat.bearer, "What do you remember about me?")).toMatch(/don't remember anything/);

    // The owner forgets a person the same way.
    const forgotten = await call<ForgetResult>("DELETE", `/api/agents/${agent.id}/people/${dan.id}/memories`, { headers: owner.key });
    expect(forgotten.body).toEqual({ deleted: 1 });
    expect(await own(agent, dan.bearer)).toEqual([]);
    expect((await call<RememberedPeople>("GET", `/api/agents/${agent.id}/people`, { headers: owner.key })).body.people).toEqual([]);
  });

  it("lets people who talked to an agent see and clear its memories of them after it is unpublished; others get 404", async () => {
    const owner = await newOwner();
    const agent = await publishedAgent(owner.key, "Retired Keeper");
    const [eve, fay] = [await newVisitor(), await newVisitor()];
    await ask(agent, eve.bearer, "Hello there");
    await remember(owner.key, agent, eve.id, "Eve grows tomatoes");
    // Fay never talked to it; the owner noted something about her by hand all the same.
    await remember(owner.key, agent, fay.id, "Fay was mentioned by a friend");
    expect((await call("POST", `/api/agents/${agent.id}/unpublish`, { headers: owner.key })).status).toBe(200);

    // Eve can no longer talk to it, but can still see and erase what it noted about her, by id or handle.
    expect((await call("POST", "/api/conversations", { body: { agentId: agent.id }, headers: eve.bearer })).status).toBe(404);
    expect(await own(agent, eve.bearer)).toEqual(["Eve grows tomatoes"]);
    expect((await call<MemoryList>("GET", `/api/memories?agentId=${agent.handle}`, { headers: eve.browser })).body.memories).toHaveLength(1);
    const forgot = await call<ForgetResult>("DELETE", `/api/memories?agentId=${agent.id}`, { headers: eve.browser });
    expect(forgot.status, forgot.text).toBe(200);
    expect(forgot.body).toEqual({ deleted: 1 });
    expect(await own(agent, eve.bearer)).toEqual([]);

    // Fay learns nothing: the same 404 as for an agent that does not exist.
    const missing = await call("GET", "/api/memories?agentId=agt_does_not_exist", { headers: fay.bearer });
    for (const [method, headers] of [["GET", fay.bearer], ["DELETE", fay.browser]] as const) {
      const reply = await call(method, `/api/memories?agentId=${agent.id}`, { headers });
      expect(reply.status, `${method} as a visitor who never talked to it`).toBe(404);
      expect(reply.text).not.toContain("Fay");
      expect(reply.text.replace(agent.id, "agt_does_not_exist")).toBe(missing.text);
    }
    expect((await call<RememberedPeople>("GET", `/api/agents/${agent.id}/people`, { headers: owner.key })).body.people.map((person) => person.participantId)).toEqual([fay.id]);
  });
});
