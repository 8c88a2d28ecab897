import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent, ConversationWithMessages, ErrorBody, Message, TurnResult } from "../src/contracts/index.js";
import { collectSse, readSse, replyText, type WireEvent } from "./support/sse.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";

type Conversation = ConversationWithMessages;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ config: { detachedReplyGraceMs: 3_000 } });
});
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
});

async function createAgent(overrides: Record<string, unknown> = {}): Promise<Agent> {
  const { status, body } = await server.json<Agent>("POST", "/api/agents", {
    name: "Lily the Storyteller",
    personality: "Kind and curious.",
    greetings: ["Once upon a time, I was waiting for you."],
    model: { temperature: 0.7, maxTokens: 120 },
    ...overrides,
  });
  expect(status).toBe(201);
  return body;
}

async function startConversation(agentId: string): Promise<Conversation> {
  const { status, body } = await server.json<Conversation>("POST", "/api/conversations", { agentId });
  expect(status).toBe(201);
  return body;
}

async function send(conversationId: string, content: string): Promise<WireEvent[]> {
  const response = await server.post(`/api/conversations/${conversationId}/messages`, { content });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  return collectSse(response);
}

function end(events: readonly WireEvent[]) {
  const last = events.at(-1)?.event;
  if (last?.type !== "message-end") throw new Error(`stream did not end with message-end: ${JSON.stringify(last)}`);
  return last;
}

describe("health and description", () => {
  it("is live and ready once the model is loaded", async () => {
    expect(await server.json("GET", "/healthz")).toEqual({ status: 200, body: { status: "ok" } });
    const ready = await server.json<{ status: string; checks: Record<string, { ok: boolean; detail?: string }> }>("GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body.checks.model?.detail).toContain("stories260K");
  });

  it("serves an OpenAPI description derived from the schemas", async () => {
    const { body } = await server.json<{ openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> }>("GET", "/openapi.json");
    expect(body.openapi).toBe("3.1.0");
    expect(body.paths["/api/conversations/{id}/messages"]?.post?.requestBody).toBeDefined();
    expect(Object.keys(body.paths)).toContain("/api/agents/{id}/versions/{version}/restore");
  });
});

describe("agents", () => {
  it("creates, reads by id and handle, edits into versions, restores, and deletes", async () => {
    const agent = await createAgent({ name: "Chef Béa", tagline: "Bakes bread" });
    expect(agent).toMatchObject({ handle: "chef-bea", version: 1, tagline: "Bakes bread", traits: [] });
    expect((await server.json<Agent>("GET", `/api/agents/${agent.id}`)).body.name).toBe("Chef Béa");
    expect((await server.json<Agent>("GET", "/api/agents/chef-bea")).body.id).toBe(agent.id);

    const edited = await server.json<Agent>("PATCH", `/api/agents/${agent.id}`, { tagline: "Bakes cakes", model: { temperature: 0.2 } });
    expect(edited.body).toMatchObject({ version: 2, tagline: "Bakes cakes", model: { temperature: 0.2, maxTokens: 120 } });

    const stale = await server.json<ErrorBody>("PATCH", `/api/agents/${agent.id}`, { tagline: "x" }, { "if-match": "1" });
    expect(stale.status).toBe(409);

    const versions = await server.json<{ versions: { version: number }[] }>("GET", `/api/agents/${agent.id}/versions`);
    expect(versions.body.versions.map((version) => version.version)).toEqual([2, 1]);
    expect((await server.json<Agent>("GET", `/api/agents/${agent.id}/versions/1`)).body.tagline).toBe("Bakes bread");

    const restored = await server.json<Agent>("POST", `/api/agents/${agent.id}/versions/1/restore`);
    expect(restored.body).toMatchObject({ version: 3, tagline: "Bakes bread", model: { temperature: 0.7 } });

    const second = await createAgent({ name: "Chef Béa" });
    expect(second.handle).toBe("chef-bea-2");

    expect((await server.json("DELETE", `/api/agents/${agent.id}`)).status).toBe(204);
    expect((await server.json<ErrorBody>("GET", `/api/agents/${agent.id}`)).body.error.code).toBe("not_found");
  });

  it("rejects bad input with a 4xx that says what was wrong, and stores nothing", async () => {
    const before = (await server.json<{ agents: Agent[] }>("GET", "/api/agents")).body.agents.length;
    const missing = await server.json<ErrorBody>("POST", "/api/agents", { personality: "no name" });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: "validation_failed" });
    expect(missing.body.error.issues?.[0]?.path).toBe("name");

    const wrongType = await server.json<ErrorBody>("POST", "/api/agents", { name: "X", model: { temperature: "hot" } });
    expect(wrongType.body.error.issues?.[0]?.path).toBe("model.temperature");

    const handle = await server.json<ErrorBody>("POST", "/api/agents", { name: "X", handle: "Not A Handle!" });
    expect(handle.status).toBe(400);

    const unknownField = await server.json<ErrorBody>("PATCH", "/api/agents/nope", { nmae: "typo" });
    expect(unknownField.status).toBe(400);

    const badJson = await fetch(`${server.url}/api/agents`, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as ErrorBody).error.code).toBe("bad_request");

    const tooBig = await server.post("/api/agents", { name: "X", description: "x".repeat(2 * 1024 * 1024) });
    expect(tooBig.status).toBe(413);

    const noRoute = await server.json<ErrorBody>("GET", "/api/nothing-here");
    expect(noRoute.status).toBe(404);

    expect((await server.json<{ agents: Agent[] }>("GET", "/api/agents")).body.agents.length).toBe(before);
  });
});

describe("chat", () => {
  let agent: Agent;
  beforeAll(async () => {
    agent = await createAgent();
  });

  it("greets, streams a reply as SSE with ids, and stores exactly what was streamed", async () => {
    const { conversation, messages } = await startConversation(agent.id);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ role: "assistant", content: "Once upon a time, I was waiting for you.", status: "complete" });

    const events = await send(conversation.id, "Tell me a story about a cat.");
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    const start = events[0]!.event;
    expect(start).toMatchObject({ type: "message-start", conversationId: conversation.id, agentVersion: 1 });
    expect(events.filter(({ event }) => event.type === "text-delta").length).toBeGreaterThan(1);
    const finished = end(events);
    expect(["stop", "length"]).toContain(finished.finishReason);
    expect(finished.usage.completionTokens).toBeGreaterThan(0);
    expect(finished.usage.promptTokens).toBeGreaterThan(finished.usage.completionTokens > 0 ? 10 : 0);

    const stored = (await server.json<Conversation>("GET", `/api/conversations/${conversation.id}`)).body.messages;
    expect(stored.map((message) => message.role)).toEqual(["assistant", "user", "assistant"]);
    const reply = stored[2]!;
    expect(reply).toMatchObject({ status: "complete", content: replyText(events), finishReason: finished.finishReason, agentVersion: 1 });
    expect(reply.model).toContain("stories260K");
    expect(reply.usage).toEqual(finished.usage);
    expect(reply.firstTokenMs).toBeGreaterThan(0);
  });

  it("reuses the KV cache: later turns evaluate only their new tokens", async () => {
    const { conversation } = await startConversation(agent.id);
    const usages = [];
    for (const content of ["Hello there.", "What is your name?", "Where do you live?", "Do you like dogs?", "Goodbye!"]) {
      usages.push(end(await send(conversation.id, content)).usage);
    }
    console.log("KV reuse over HTTP, turns 1..5:", JSON.stringify(usages));
    expect(usages[0]!.evaluatedPromptTokens).toBe(usages[0]!.promptTokens);
    for (let turn = 1; turn < usages.length; turn++) {
      const previous = usages[turn - 1]!;
      const current = usages[turn]!;
      const newTokens = current.promptTokens - previous.promptTokens - previous.completionTokens;
      expect(current.promptTokens).toBeGreaterThan(previous.promptTokens);
      expect(current.evaluatedPromptTokens).toBeLessThan(current.promptTokens / 2);
      // Only the new tokens, plus the last sampled token of a reply cut by maxTokens (never decoded).
      expect(current.evaluatedPromptTokens).toBeGreaterThanOrEqual(newTokens);
      expect(current.evaluatedPromptTokens).toBeLessThanOrEqual(newTokens + 1);
    }
  });

  it("answers as JSON when not streaming", async () => {
    const { conversation } = await startConversation(agent.id);
    const { status, body } = await server.json<TurnResult>("POST", `/api/conversations/${conversation.id}/messages`, { content: "Hi!", stream: false });
    expect(status).toBe(200);
    expect(body.userMessage).toMatchObject({ role: "user", content: "Hi!" });
    expect(body.reply).toMatchObject({ role: "assistant", status: "complete" });
  });

  it("stops a reply mid-stream and keeps what was written as incomplete", async () => {
    const long = await createAgent({ name: "Long Talker", greetings: [], model: { maxTokens: 4000, temperature: 1 } });
    const { conversation } = await startConversation(long.id);
    const response = await server.post(`/api/conversations/${conversation.id}/messages`, { content: "Once upon a time" });
    const events: WireEvent[] = [];
    for await (const item of readSse(response)) {
      events.push(item);
      if (item.event.type === "message-start") {
        const abort = await server.json<{ aborted: boolean }>("POST", `/api/conversations/${conversation.id}/replies/${item.event.messageId}/abort`);
        expect(abort).toEqual({ status: 202, body: { aborted: true } });
      }
    }
    expect(end(events).finishReason).toBe("aborted");
    const stored = (await server.json<Conversation>("GET", `/api/conversations/${conversation.id}`)).body.messages.at(-1)!;
    expect(stored).toMatchObject({ status: "incomplete", finishReason: "aborted", content: replyText(events) });

    // The conversation goes on after an abort.
    expect(end(await send(conversation.id, "Go on.")).finishReason).not.toBe("aborted");
  });

  it("resumes a reply from Last-Event-ID after the connection drops", async () => {
    const long = await createAgent({ name: "Resumer", greetings: [], model: { maxTokens: 300, temperature: 1 } });
    const { conversation } = await startConversation(long.id);
    const dropped = new AbortController();
    const response = await server.post(`/api/conversations/${conversation.id}/messages`, { content: "Once upon a time" }, { signal: dropped.signal });
    const firstPart: WireEvent[] = [];
    try {
      for await (const item of readSse(response)) {
        firstPart.push(item);
        if (firstPart.length === 3) dropped.abort();
      }
    } catch {
      // the connection was cut on purpose
    }
    const start = firstPart[0]!.event;
    if (start.type !== "message-start") throw new Error("expected message-start first");
    const resumed = await fetch(`${server.url}/api/conversations/${conversation.id}/replies/${start.messageId}/events`, {
      headers: { ...server.auth, "last-event-id": String(firstPart.at(-1)!.id) },
    });
    expect(resumed.status).toBe(200);
    const rest = await collectSse(resumed);
    expect(rest[0]!.id).toBe(firstPart.at(-1)!.id + 1);
    const all = [...firstPart, ...rest];
    expect(end(all).finishReason).not.toBe("aborted");
    const stored = (await server.json<Conversation>("GET", `/api/conversations/${conversation.id}`)).body.messages.at(-1)!;
    expect(stored.content).toBe(replyText(all));

    const gone = await server.json<ErrorBody>("GET", `/api/conversations/${conversation.id}/replies/msg_nope/events`);
    expect(gone.status).toBe(404);
  });

  it("regenerates the last reply; the old one leaves the history", async () => {
    const { conversation } = await startConversation(agent.id);
    const first = end(await send(conversation.id, "Tell me about the sun."));
    const regenerated = await collectSse(await server.post(`/api/conversations/${conversation.id}/regenerate`, {}));
    const second = end(regenerated);
    expect(second.messageId).not.toBe(first.messageId);
    const messages = (await server.json<Conversation>("GET", `/api/conversations/${conversation.id}`)).body.messages;
    expect(messages.map((message: Message) => message.id)).not.toContain(first.messageId);
    expect(messages.at(-1)).toMatchObject({ id: second.messageId, content: replyText(regenerated) });
    expect(messages.filter((message: Message) => message.role === "user")).toHaveLength(1);

    const fresh = await startConversation(agent.id);
    const nothing = await server.json<ErrorBody>("POST", `/api/conversations/${fresh.conversation.id}/regenerate`, {});
    expect(nothing.status).toBe(400);
  });

  it("refuses a second message while a reply is being written", async () => {
    const long = await createAgent({ name: "Busy", greetings: [], model: { maxTokens: 2000, temperature: 1 } });
    const { conversation } = await startConversation(long.id);
    const response = await server.post(`/api/conversations/${conversation.id}/messages`, { content: "Once upon a time" });
    const iterator = readSse(response);
    const first = await iterator.next();
    const clash = await server.json<ErrorBody>("POST", `/api/conversations/${conversation.id}/messages`, { content: "Hey", stream: false });
    expect(clash.status).toBe(409);
    if (!first.done && first.value.event.type === "message-start") {
      await server.json("POST", `/api/conversations/${conversation.id}/replies/${first.value.event.messageId}/abort`);
    }
    for await (const _ of { [Symbol.asyncIterator]: () => iterator }) void _;
  });

  it("refuses a message that cannot fit the context, changing nothing", async () => {
    const { conversation, messages } = await startConversation(agent.id);
    const tooLong = await server.json<ErrorBody>("POST", `/api/conversations/${conversation.id}/messages`, {
      content: "the cat sat on the mat ".repeat(1000),
      stream: false,
    });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error.code).toBe("context_overflow");
    expect((await server.json<Conversation>("GET", `/api/conversations/${conversation.id}`)).body.messages).toEqual(messages);
  });

  it("lists conversations most recent first, by agent, with a cursor, and deletes them", async () => {
    const other = await createAgent({ name: "Lister" });
    const first = await startConversation(other.id);
    const second = await startConversation(other.id);
    const listed = await server.json<{ conversations: { id: string }[] }>("GET", `/api/conversations?agentId=${other.id}`);
    expect(listed.body.conversations.map((conversation) => conversation.id)).toEqual([second.conversation.id, first.conversation.id]);
    const page = await server.json<{ conversations: { id: string }[] }>("GET", `/api/conversations?agentId=${other.id}&limit=1&before=${second.conversation.id}`);
    expect(page.body.conversations.map((conversation) => conversation.id)).toEqual([first.conversation.id]);
    expect((await server.json("GET", "/api/conversations?limit=0")).status).toBe(400);
    expect((await server.json("DELETE", `/api/conversations/${first.conversation.id}`)).status).toBe(204);
    expect((await server.json("GET", `/api/conversations/${first.conversation.id}`)).status).toBe(404);
    // Deleting the agent removes its conversations.
    expect((await server.json("DELETE", `/api/agents/${other.id}`)).status).toBe(204);
    expect((await server.json("GET", `/api/conversations/${second.conversation.id}`)).status).toBe(404);
  });

  it("404s for unknown conversations and validates message bodies", async () => {
    expect((await server.json("POST", "/api/conversations/cnv_missing/messages", { content: "hi" })).status).toBe(404);
    expect((await server.json("POST", "/api/conversations", { agentId: "agt_missing" })).status).toBe(404);
    const { conversation } = await startConversation(agent.id);
    const empty = await server.json<ErrorBody>("POST", `/api/conversations/${conversation.id}/messages`, { content: "   " });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toContain("write a message");
  });
});

describe("restart", () => {
  it("reads every conversation back after the server restarts on the same data", async () => {
    const agent = await createAgent({ name: "Persistent" });
    const { conversation } = await startConversation(agent.id);
    await send(conversation.id, "Remember this.");
    const before = (await server.json<Conversation>("GET", `/api/conversations/${conversation.id}`)).body;
    await server.close();
    server = await startTestServer({ dataDir: server.dataDir });
    const after = await server.json<Conversation>("GET", `/api/conversations/${conversation.id}`);
    expect(after.body).toEqual(before);
    expect((await server.json<Agent>("GET", `/api/agents/${agent.id}`)).body.name).toBe("Persistent");
    // And the conversation continues.
    expect(end(await send(conversation.id, "Still there?")).usage.completionTokens).toBeGreaterThan(0);
  });
});
