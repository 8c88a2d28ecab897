import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import { AtelierError, type Agent, type ConversationWithMessages } from "../src/contracts/index.js";
import { startPostgres, type TestPostgres } from "./support/postgres.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";
import { collectSse, replyText } from "./support/sse.js";
import { AtelierClient } from "../src/client/index.js";
import { waitForIndexing } from "../src/knowledge/testing/wait-for-indexing.js";

let postgres: TestPostgres;
const servers: TestServer[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  for (const server of servers) {
    await server.close();
    removeDir(server.dataDir);
  }
  await postgres?.stop();
});

async function startOnPostgres(): Promise<TestServer> {
  const server = await startTestServer({ config: { databaseUrl: postgres.connectionString } });
  servers.push(server);
  return server;
}

describe("the server on PostgreSQL", () => {
  it("keeps agents, conversations and streamed replies across a restart, in the database rather than the data dir", async () => {
    const first = await startOnPostgres();
    const ready = await first.json<{ checks: { database: { ok: boolean } } }>("GET", "/readyz");
    expect(ready.body.checks.database.ok).toBe(true);

    const agent = (await first.json<Agent>("POST", "/api/agents", { name: "Pat the Postgres", model: { maxTokens: 24 } })).body;
    expect(agent).toMatchObject({ handle: "pat-the-postgres", version: 1 });
    const created = await first.json<ConversationWithMessages>("POST", "/api/conversations", { agentId: agent.id });
    expect(created.status).toBe(201);
    const conversationId = created.body.conversation.id;

    const response = await first.post(`/api/conversations/${conversationId}/messages`, { content: "Once upon a time" });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = await collectSse(response);
    const end = events.at(-1)?.event;
    expect(end?.type).toBe("message-end");
    const before = (await first.json<ConversationWithMessages>("GET", `/api/conversations/${conversationId}`)).body;
    expect(before.messages.at(-1)).toMatchObject({ role: "assistant", status: "complete", content: replyText(events) });
    await first.close();

    // A fresh data dir: whatever comes back must have come from PostgreSQL.
    const second = await startOnPostgres();
    expect(second.dataDir).not.toBe(first.dataDir);
    expect((await second.json<ConversationWithMessages>("GET", `/api/conversations/${conversationId}`)).body).toEqual(before);
    expect((await second.json<Agent>("GET", `/api/agents/${agent.id}`)).body.name).toBe("Pat the Postgres");
    for (const dataDir of [first.dataDir, second.dataDir]) expect(existsSync(path.join(dataDir, "atelier.db"))).toBe(false);
  });
});

describe("knowledge on PostgreSQL", () => {
  it("two servers on one database index uploads once between them, search them, and ground replies", async () => {
    const [first, second] = await Promise.all([startOnPostgres(), startOnPostgres()]);
    const client = new AtelierClient({ baseUrl: first.url, headers: first.auth });
    const agent = await client.createAgent({ name: "Kim the Knowledgeable", model: { maxTokens: 8 } });
    const files = Array.from({ length: 6 }, (_, index) => ({
      name: `guide-${index}.md`,
      data: new TextEncoder().encode(`# Guide ${index}\n\n## Parking\nVisitors park on level ${index} of the harbour garage.\n\n## Tea\nOolong number ${index} is brewed at 90 degrees.`),
    }));
    await client.addKnowledgeFiles(agent.id, files);
    // Both servers' indexers take from the same queue (FOR UPDATE SKIP LOCKED); each source is indexed once.
    const sources = await waitForIndexing(() => client.listKnowledge(agent.id), { done: (all) => all.every((source) => source.status === "ready") });
    expect(sources.map((source) => source.status)).toEqual(Array(6).fill("ready"));
    expect(sources.every((source) => source.chunkCount === 2)).toBe(true);

    const viaSecond = new AtelierClient({ baseUrl: second.url, headers: second.auth });
    const result = await viaSecond.searchKnowledge(agent.id, { q: "where do visitors park in the garage" });
    expect(result.mode).toBe("lexical");
    expect(result.passages[0]).toMatchObject({ heading: expect.stringContaining("Parking") });
    const oolong = await viaSecond.searchKnowledge(agent.id, { q: "oolong brewing degrees" });
    expect(oolong.passages[0]?.heading).toContain("Tea");

    const { conversation } = await client.createConversation({ agentId: agent.id });
    const turn = await client.sendMessage(conversation.id, "Where can I park?");
    if (!("reply" in turn)) throw new Error(`the owner's own conversation was held (${turn.held})`);
    expect(turn.reply.citations.length).toBeGreaterThan(0);
    expect(turn.reply.citations[0]?.heading).toContain("Parking");
  });
});

describe("configuration", () => {
  it("reads the database URL from ATELIER_DATABASE_URL; unset means SQLite", () => {
    expect(loadConfig({ env: { ATELIER_DATABASE_URL: postgres.connectionString } }).databaseUrl).toBe(postgres.connectionString);
    expect(loadConfig({ env: {} }).databaseUrl).toBeUndefined();
  });

  it("refuses a URL that is not postgres://, without echoing it", () => {
    const error = (() => {
      try {
        return loadConfig({ env: { ATELIER_DATABASE_URL: "mysql://root:hunter2@db/atelier" } });
      } catch (reason) {
        return reason;
      }
    })();
    expect(AtelierError.is(error, "validation_failed")).toBe(true);
    expect((error as AtelierError).message).toMatch(/databaseUrl: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect((error as AtelierError).message).not.toContain("hunter2");
  });
});
