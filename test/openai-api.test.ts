import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent, ApiKeyUsage, CreatedApiKey, Memory, RememberedPeople } from "../src/contracts/index.js";
import { seedSession, seedUser } from "./support/accounts.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";
import { call } from "./support/http.js";

/*
 * The OpenAI-compatible API, driven by the official openai client against the real server and the
 * real tiny model: what a key may see and use, both response modes, errors as the client raises
 * them, and the usage each key is charged.
 */

let server: TestServer;
let session: Record<string, string>;
let alpha: Agent;
let beta: Agent;
let allKey: CreatedApiKey;
let alphaKey: CreatedApiKey;

const client = (apiKey: string) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });

/** A request as a signed-in person (session cookie and CSRF token), without the test server's API key. */
function asPerson<T>(headers: Record<string, string>, method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
  return call<T>(server.url, method, url, { body, headers });
}

function createKey(body: unknown, headers = session) {
  return asPerson<CreatedApiKey & { error?: { message: string } }>(headers, "POST", "/api/keys", body);
}

beforeAll(async () => {
  server = await startTestServer();
  session = await seedSession(server.services.store, server.admin.id);
  const model = { temperature: 0.7, maxTokens: 12 };
  alpha = (await server.json<Agent>("POST", "/api/agents", { name: "Alpha", handle: "alpha", instructions: "You are a helpful baker who loves sourdough bread.", model })).body;
  beta = (await server.json<Agent>("POST", "/api/agents", { name: "Beta", handle: "beta", model })).body;
  const all = await createKey({ name: "every agent", scopes: ["chat"] });
  const limited = await createKey({ name: "alpha only", scopes: ["chat"], agentIds: ["alpha"] });
  expect([all.status, limited.status]).toEqual([201, 201]);
  allKey = all.body;
  alphaKey = limited.body;
});
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
});

describe("API keys scoped to agents", () => {
  it("stores the agents a key is limited to as ids, and null for all", () => {
    expect(allKey.key.agentIds).toBeNull();
    expect(alphaKey.key.agentIds).toEqual([alpha.id]);
  });

  it("refuses agents that are not the caller's, naming them", async () => {
    const stranger = await seedUser(server.services.store);
    const strangerSession = await seedSession(server.services.store, stranger.id);
    expect((await asPerson(strangerSession, "POST", "/api/agents", { name: "Mine", handle: "mine" })).status).toBe(201);
    const refused = await createKey({ name: "k", scopes: ["chat"], agentIds: ["alpha", "nope", "mine"] }, strangerSession);
    expect(refused.status).toBe(400);
    expect(refused.body.error?.message).toContain('"alpha", "nope"');
    expect(refused.body.error?.message).not.toContain('"mine"');
  });
});

describe("/v1 with the openai client", () => {
  it("lists only the agents the key may use, as models", async () => {
    const all = [];
    for await (const model of client(allKey.token).models.list()) all.push(model);
    expect(all.map((model) => model.id).sort()).toEqual(["alpha", "beta"]);
    expect(all[0]).toMatchObject({ object: "model", owned_by: "atelier" });
    expect(typeof all[0]!.created).toBe("number");

    const limited = [];
    for await (const model of client(alphaKey.token).models.list()) limited.push(model.id);
    expect(limited).toEqual(["alpha"]);
    expect((await client(alphaKey.token).models.retrieve("alpha")).id).toBe("alpha");
  });

  it("completes a chat without streaming", { timeout: 60_000 }, async () => {
    const completion = await client(alphaKey.token).chat.completions.create({
      model: "alpha",
      messages: [{ role: "system", content: "Keep it short." }, { role: "user", content: "Hi" }],
      max_tokens: 8,
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("alpha");
    const choice = completion.choices[0]!;
    expect(choice.message.role).toBe("assistant");
    expect(choice.message.content?.length).toBeGreaterThan(0);
    expect(["stop", "length"]).toContain(choice.finish_reason);
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
    // "Hi" is one or two tokens: the rest of the prompt is the agent's persona.
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(20);
  });

  it("streams a chat, with the usage chunk when asked", { timeout: 60_000 }, async () => {
    const stream = await client(allKey.token).chat.completions.create({
      model: "beta",
      messages: [{ role: "user", content: [{ type: "text", text: "Once upon" }, { type: "text", text: " a time" }] }],
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 8,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text.length).toBeGreaterThan(0);
    const finishes = chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean);
    expect(finishes).toHaveLength(1);
    expect(["stop", "length"]).toContain(finishes[0]);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage!.completion_tokens).toBeGreaterThan(0);
    expect(last.usage!.completion_tokens).toBeLessThanOrEqual(8);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
  });

  it("answers 404 for an agent the key may not use", async () => {
    const attempt = client(alphaKey.token).chat.completions.create({ model: "beta", messages: [{ role: "user", content: "Hi" }] });
    await expect(attempt).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(attempt).rejects.toThrow("The model `beta` does not exist or you do not have access to it.");
  });

  it("refuses a key without the chat scope (403) and a revoked key (401)", async () => {
    const noChat = await createKey({ name: "reader", scopes: ["agents:read"] });
    await expect(client(noChat.body.token).models.list()).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);

    const doomed = await createKey({ name: "doomed", scopes: ["chat"] });
    expect((await asPerson(session, "DELETE", `/api/keys/${doomed.body.key.id}`)).status).toBe(204);
    await expect(client(doomed.body.token).models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("refuses bodies it cannot honour with 400", async () => {
    const openai = client(allKey.token);
    await expect(openai.chat.completions.create({ model: "alpha", messages: [{ role: "user", content: "Hi" }], n: 2 })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(openai.chat.completions.create({ model: "alpha" } as never)).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    const image = openai.chat.completions.create({ model: "alpha", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] }] });
    await expect(image).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    // Fields the API does not use are ignored, as OpenAI clients send many.
    const lenient = await openai.chat.completions.create({ model: "alpha", messages: [{ role: "user", content: "Hi" }], max_tokens: 2, presence_penalty: 0.1, logit_bias: {} });
    expect(lenient.choices).toHaveLength(1);
  });
});

describe("usage per key", () => {
  it("shows requests and tokens per day and agent to the key's owner only", { timeout: 60_000 }, async () => {
    await client(alphaKey.token).chat.completions.create({ model: "alpha", messages: [{ role: "user", content: "Hello" }], max_tokens: 4 });

    const usage = await asPerson<ApiKeyUsage>(session, "GET", `/api/keys/${alphaKey.key.id}/usage`);
    expect(usage.status).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    const row = usage.body.usage.find((found) => found.agentId === alpha.id && found.day === today);
    // The non-streamed completion above and this one; the refused request for "beta" never reached an agent.
    expect(row?.requests).toBe(2);
    expect(row!.promptTokens).toBeGreaterThan(40);
    expect(row!.completionTokens).toBeGreaterThan(0);
    expect(usage.body.usage.every((found) => found.agentId === alpha.id)).toBe(true);

    const stranger = await seedUser(server.services.store);
    const theirs = await asPerson(await seedSession(server.services.store, stranger.id), "GET", `/api/keys/${alphaKey.key.id}/usage`);
    expect(theirs.status).toBe(404);
  });
});

describe("per-person memory through `user`", () => {
  const remember = [{ role: "user" as const, content: "What do you remember about me?" }];

  it("answers what the agent remembers about exactly that person of this key, streamed or not", { timeout: 60_000 }, async () => {
    const { memory } = server.services;
    const alice = `api:${allKey.key.id}:alice`;
    await memory.add(alpha.id, alice, { kind: "name", content: "Alice" });
    await memory.add(alpha.id, alice, { kind: "preference", content: "Likes seeded spelt loaves" });
    // The same app user behind another key of the same owner is someone else.
    await memory.add(alpha.id, `api:${alphaKey.key.id}:alice`, { kind: "fact", content: "Lives by the lighthouse" });

    const mine = await client(allKey.token).chat.completions.create({ model: "alpha", messages: remember, user: "alice" });
    expect(mine.choices[0]!.message.content).toBe(
      "Here is what I remember about you:\n- Alice\n- Likes seeded spelt loaves\n\nIf you want me to forget all of it, say \"forget everything about me\".",
    );

    const stream = await client(alphaKey.token).chat.completions.create({ model: "alpha", messages: remember, user: "alice", stream: true });
    let streamed = "";
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
    expect(streamed).toContain("- Lives by the lighthouse");
    expect(streamed).not.toContain("spelt");

    const stranger = await client(allKey.token).chat.completions.create({ model: "alpha", messages: remember, user: "bob" });
    expect(stranger.choices[0]!.message.content).toContain("I don't remember anything about you yet.");

    // Without `user` the request stays stateless: the model answers, from no memories.
    const plain = await client(allKey.token).chat.completions.create({ model: "alpha", messages: remember, max_tokens: 6 });
    expect(plain.usage!.prompt_tokens).toBeGreaterThan(20);
    expect(plain.choices[0]!.message.content).not.toContain("Here is what I remember");
    expect(plain.choices[0]!.message.content).not.toContain("spelt");
  });

  it("takes an empty `user` as no one, and refuses one longer than OpenAI allows", async () => {
    const openai = client(allKey.token);
    const anonymous = await openai.chat.completions.create({ model: "alpha", messages: remember, user: "", max_tokens: 6 });
    expect(anonymous.choices[0]!.message.content).not.toContain("Here is what I remember");
    await expect(openai.chat.completions.create({ model: "alpha", messages: remember, user: "x".repeat(257) })).rejects.toThrow("`user` is at most 256 characters");
  });

  it("shows these people to the owner as API users, who can read and forget them", async () => {
    const { body } = await asPerson<RememberedPeople>(session, "GET", `/api/agents/${alpha.id}/people`);
    const alice = `api:${allKey.key.id}:alice`;
    expect(body.people.find((person) => person.participantId === alice)).toMatchObject({ label: "API user alice", memoryCount: 2 });
    const path = `/api/agents/${alpha.id}/people/${encodeURIComponent(alice)}/memories`;
    const memories = await asPerson<{ memories: Memory[] }>(session, "GET", path);
    expect(memories.body.memories.map((memory) => memory.content)).toEqual(["Alice", "Likes seeded spelt loaves"]);
    expect(memories.body.memories.every((memory) => memory.conversationId === null)).toBe(true);
    expect((await asPerson<{ deleted: number }>(session, "DELETE", path)).body).toEqual({ deleted: 2 });
    expect(await server.services.memory.listFor(alpha.id, alice)).toEqual([]);
  });
});
