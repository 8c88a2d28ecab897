import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AtelierError, type Agent } from "../contracts/index.js";
import { providerOf, RecordingEngine } from "../engine/testing/recording-engine.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Store } from "../store/store.js";
import { AgentsService } from "./agents-service.js";
import { ChatService } from "./chat-service.js";
import { CompletionsService, StopCutter, type CompletionCaller, type CompletionEvent, type CompletionRequest } from "./completions-service.js";
import { silentLogger } from "./logger.js";
import { renderPersona } from "./persona.js";
import { ReplyHub } from "./reply-hub.js";


async function drain(events: AsyncIterable<CompletionEvent>): Promise<{ text: string; end: CompletionEvent | undefined }> {
  let text = "";
  let end: CompletionEvent | undefined;
  for await (const event of events) {
    if (event.type === "delta") text += event.text;
    else end = event;
  }
  return { text, end };
}

describe("CompletionsService", () => {
  let store: Store;
  let engine: RecordingEngine;
  let agents: AgentsService;
  let service: CompletionsService;
  let bea: Agent;
  let max: Agent;
  let someoneElses: Agent;
  let ownerId: string;
  let keyId: string;
  let caller: CompletionCaller;

  beforeAll(async () => {
    store = await openSqliteStore({ file: ":memory:" });
    engine = new RecordingEngine();
    const engines = providerOf(engine);
    agents = new AgentsService({ agents: store.agents });
    const chat = new ChatService({ store, agents, engines, hub: new ReplyHub({ detachGraceMs: 0 }), logger: silentLogger });
    service = new CompletionsService({ agents, chat, usage: store.apiKeyUsage, logger: silentLogger, now: () => new Date("2030-05-06T10:00:00Z") });
    const now = new Date().toISOString();
    ownerId = (await store.users.create({ id: "usr_owner", email: "o@example.com", name: "O", role: "owner", passwordHash: "x", now })).id;
    await store.users.create({ id: "usr_other", email: "p@example.com", name: "P", role: "owner", passwordHash: "x", now });
    keyId = (await store.apiKeys.create({ id: "key_one", userId: ownerId, name: "k", prefix: "atk_", tokenHash: "h", scopes: ["chat"], now, expiresAt: null })).id;
    bea = await agents.create({ name: "Chef Bea", handle: "chef-bea", instructions: "Talk about bread.", avoidTopics: ["politics"], model: { temperature: 0.3, maxTokens: 64 } }, ownerId);
    max = await agents.create({ name: "Max", handle: "max" }, ownerId);
    someoneElses = await agents.create({ name: "Other", handle: "other" }, "usr_other");
    caller = { userId: ownerId, keyId, agentIds: null };
  });
  afterAll(async () => {
    await store[Symbol.asyncDispose]();
  });

  const ask = (request: Partial<CompletionRequest> & { model: string }, who = caller) =>
    service.start(who, { messages: [{ role: "user", content: "Hi!" }], ...request }, new AbortController().signal);

  it("lists the caller's agents, only those the key is limited to", async () => {
    expect((await service.models(caller)).map((agent) => agent.handle)).toEqual(["chef-bea", "max"]);
    expect((await service.models({ ...caller, agentIds: [max.id] })).map((agent) => agent.handle)).toEqual(["max"]);
  });

  it("answers through the persona, with the client's system messages as extra instructions after the agent's own", async () => {
    const started = await ask({
      model: "chef-bea",
      messages: [
        { role: "system", content: "The user is on the pricing page." },
        { role: "user", content: "Hi!" },
        { role: "assistant", content: "Hello." },
        { role: "developer", content: "Answer briefly." },
        { role: "user", content: "What do you bake?" },
      ],
    });
    expect(started.model).toBe("chef-bea");
    expect(started.id).toMatch(/^chatcmpl-/);
    const { text, end } = await drain(started.events);

    expect(text).toBe("Hello there!");
    expect(end).toEqual({ type: "end", finishReason: "stop", usage: { promptTokens: 40, completionTokens: 3 } });
    const { messages, sampling } = engine.requests.at(-1)!;
    const expectedSystem = renderPersona({ ...bea, instructions: "Talk about bread.\n\nFrom the app you are talking through:\nThe user is on the pricing page.\n\nAnswer briefly." });
    expect(messages).toEqual([
      { role: "system", content: expectedSystem },
      { role: "user", content: "Hi!" },
      { role: "assistant", content: "Hello." },
      { role: "user", content: "What do you bake?" },
    ]);
    // The persona's own rules still have the last word.
    expect(expectedSystem.indexOf("Answer briefly.")).toBeLessThan(expectedSystem.indexOf("Do not discuss: politics"));
    expect(sampling).toMatchObject({ temperature: 0.3, maxTokens: 64 });
  });

  it("lets the request override sampling", async () => {
    await drain((await ask({ model: bea.id, temperature: 1.5, topP: 0.5, maxTokens: 10, seed: 7 })).events);
    expect(engine.requests.at(-1)!.sampling).toEqual({ temperature: 1.5, topP: 0.5, maxTokens: 10, seed: 7 });
  });

  it("answers with the pinned version of a published agent", async () => {
    const { agent: published } = await agents.publish(max, "public");
    await agents.update(published.id, { instructions: "A draft nobody should see yet." });
    await drain((await ask({ model: "max" })).events);
    expect(engine.requests.at(-1)!.messages[0]!.content).not.toContain("A draft nobody should see yet.");
  });

  it("refuses models the caller may not use, the same way whether they exist or not", async () => {
    const limited = { ...caller, agentIds: [max.id] };
    for (const [model, who] of [["chef-bea", limited], ["other", caller], [someoneElses.id, caller], ["nope", caller]] as const) {
      const error = await ask({ model }, who).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(AtelierError);
      expect((error as AtelierError).code).toBe("not_found");
      expect((error as AtelierError).message).toContain(`The model \`${model}\` does not exist or you do not have access to it.`);
    }
  });

  it("needs a user message to answer last", async () => {
    const error = await ask({ model: "max", messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }] }).catch((reason: unknown) => reason);
    expect((error as AtelierError).code).toBe("validation_failed");
  });

  it("cuts the reply at a stop sequence and stops the model", async () => {
    engine.deltas = ["One. T", "wo. END", " more", " text"];
    try {
      const { text, end } = await drain((await ask({ model: "max", stop: ["END"] })).events);
      expect(text).toBe("One. Two. ");
      // The model was stopped right after the delta with the stop sequence, not left to run on.
      expect(end).toMatchObject({ finishReason: "stop", usage: { completionTokens: 2 } });
    } finally {
      engine.deltas = ["Hello", " there", "!"];
    }
  });

  it("counts every request of a key per day and agent, failed ones included; sessions count nothing", async () => {
    const before = await store.apiKeyUsage.listForKey(keyId, { sinceDay: "2030-05-06" });
    const requestsBefore = before.find((row) => row.agentId === bea.id)?.requests ?? 0;
    await drain((await ask({ model: "chef-bea" })).events);
    engine.fail = true;
    try {
      await expect(drain((await ask({ model: "chef-bea" })).events)).rejects.toThrow("boom");
    } finally {
      engine.fail = false;
    }
    await drain((await ask({ model: "chef-bea" }, { userId: ownerId, keyId: null, agentIds: null })).events);

    const row = (await store.apiKeyUsage.listForKey(keyId, { sinceDay: "2030-05-06" })).find((found) => found.agentId === bea.id)!;
    expect(row.day).toBe("2030-05-06");
    expect(row.requests).toBe(requestsBefore + 2);
    expect(row.completionTokens).toBeGreaterThanOrEqual(3);
  });

  it("stops when the client goes away, and counts what was used", async () => {
    const gone = new AbortController();
    const started = await service.start({ ...caller, agentIds: [max.id] }, { model: "max", messages: [{ role: "user", content: "Hi" }] }, gone.signal);
    const seen: CompletionEvent[] = [];
    for await (const event of started.events) {
      seen.push(event);
      gone.abort();
    }
    expect(seen).toEqual([{ type: "delta", text: "Hello" }]);
  });
});

describe("StopCutter", () => {
  it("holds back what may begin a stop sequence, and releases it when it does not", () => {
    const cutter = new StopCutter(["\nUser:", "###"]);
    expect(cutter.push("Hello\nU")).toBe("Hello");
    expect(cutter.push("nder")).toBe("\nUnder");
    expect(cutter.push(" #")).toBe(" ");
    expect(cutter.push("#")).toBe("");
    expect(cutter.flush()).toBe("##");
    expect(cutter.hit).toBe(false);
  });

  it("cuts at the earliest stop sequence", () => {
    const cutter = new StopCutter(["b", "xyz"]);
    expect(cutter.push("axyzb")).toBe("a");
    expect(cutter.hit).toBe(true);
  });

  it("passes everything through without stop sequences", () => {
    expect(new StopCutter([]).push("anything")).toBe("anything");
  });
});
