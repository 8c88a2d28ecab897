import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent, ConversationWithMessages, ErrorBody } from "../src/contracts/index.js";
import { startOpenAIStubServer, type OpenAIStubServer } from "./support/openai-stub-server.js";
import { collectSse, replyText } from "./support/sse.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";

/** The whole server on the openai-compatible engine, against a local server speaking OpenAI's protocol. */
let upstream: OpenAIStubServer;
let server: TestServer;

beforeAll(async () => {
  upstream = await startOpenAIStubServer({
    reply: (request) => `You said: ${request.messages?.at(-1)?.content ?? ""}`,
    models: ["tiny-chat"],
    apiKey: "sk-test",
  });
  server = await startTestServer({
    config: { engine: "openai-compatible", model: "tiny-chat", openai: { baseUrl: upstream.url, apiKey: "sk-test" } },
  });
});
afterAll(async () => {
  await server?.close();
  await upstream?.close();
  if (server) removeDir(server.dataDir);
});

describe("server on the openai-compatible engine", () => {
  it("streams the upstream's reply, sends the persona and history, and stores the turn", async () => {
    const agent = (await server.json<Agent>("POST", "/api/agents", { name: "Relay", personality: "Echoes.", model: { temperature: 0.3, maxTokens: 64 } })).body;
    const { conversation } = (await server.json<ConversationWithMessages>("POST", "/api/conversations", { agentId: agent.id })).body;
    const events = await collectSse(await server.post(`/api/conversations/${conversation.id}/messages`, { content: "hello upstream" }));
    expect(replyText(events)).toBe("You said: hello upstream");
    const end = events.at(-1)!.event;
    expect(end).toMatchObject({ type: "message-end", finishReason: "stop" });

    const sent = upstream.requests.at(-1)!.body as { model: string; temperature: number; max_tokens: number; messages: { role: string; content: string }[] };
    expect(sent).toMatchObject({ model: "tiny-chat", temperature: 0.3, max_tokens: 64 });
    expect(sent.messages[0]).toMatchObject({ role: "system" });
    expect(sent.messages[0]!.content).toContain("You are Relay.");
    expect(sent.messages.at(-1)).toEqual({ role: "user", content: "hello upstream" });

    const stored = (await server.json<ConversationWithMessages>("GET", `/api/conversations/${conversation.id}`)).body.messages;
    expect(stored.at(-1)).toMatchObject({ role: "assistant", content: "You said: hello upstream", status: "complete", model: "tiny-chat" });
  });

  it("turns an upstream that does not know the agent's model into a clear error", async () => {
    const agent = (await server.json<Agent>("POST", "/api/agents", { name: "Lost", model: { model: "no-such-model" } })).body;
    const { conversation } = (await server.json<ConversationWithMessages>("POST", "/api/conversations", { agentId: agent.id })).body;
    const events = await collectSse(await server.post(`/api/conversations/${conversation.id}/messages`, { content: "hi" }));
    const last = events.at(-1)!.event;
    expect(last).toMatchObject({ type: "error", code: "model_not_found" });
    expect(last.type === "error" && last.message).toContain("no-such-model");
    const json = await server.json<ErrorBody>("POST", `/api/conversations/${conversation.id}/messages`, { content: "again", stream: false });
    expect(json.status).toBe(503);
    expect(json.body.error.code).toBe("model_not_found");
    const stored = (await server.json<ConversationWithMessages>("GET", `/api/conversations/${conversation.id}`)).body.messages;
    expect(stored.filter((message) => message.role === "assistant").every((message) => message.status === "incomplete")).toBe(true);
  });
});

describe("an engine that fails in the middle of a reply", () => {
  it("keeps the partial text as incomplete, sends a typed error event, and the conversation goes on", async () => {
    const failing = await startOpenAIStubServer({ reply: "one two three four five six seven eight", failAfterChunks: 3 });
    const failingServer = await startTestServer({
      config: { engine: "openai-compatible", model: "stub-model", openai: { baseUrl: failing.url } },
    });
    try {
      const agent = (await failingServer.json<Agent>("POST", "/api/agents", { name: "Flaky" })).body;
      const { conversation } = (await failingServer.json<ConversationWithMessages>("POST", "/api/conversations", { agentId: agent.id })).body;
      const events = await collectSse(await failingServer.post(`/api/conversations/${conversation.id}/messages`, { content: "count" }));
      const last = events.at(-1)!.event;
      expect(last).toMatchObject({ type: "error", code: "upstream_error" });
      const streamed = replyText(events);
      expect(streamed.length).toBeGreaterThan(0);
      const stored = (await failingServer.json<ConversationWithMessages>("GET", `/api/conversations/${conversation.id}`)).body.messages.at(-1)!;
      expect(stored).toMatchObject({ role: "assistant", status: "incomplete", finishReason: "error", content: streamed });
      // The failed reply is kept; a new message is accepted right away.
      const next = await collectSse(await failingServer.post(`/api/conversations/${conversation.id}/messages`, { content: "again" }));
      expect(next[0]!.event.type).toBe("message-start");
    } finally {
      await failingServer.close();
      await failing.close();
      removeDir(failingServer.dataDir);
    }
  });
});
