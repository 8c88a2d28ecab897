import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AtelierError, type Agent } from "../contracts/index.js";
import type { ChatRequest, EngineEvent } from "../engine/chat-engine.js";
import { providerOf, RecordingEngine } from "../engine/testing/recording-engine.js";
import { MemoryService } from "../memory/memory-service.js";
import { RECALL_HEADING } from "../memory/recall.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Store } from "../store/store.js";
import { AgentsService } from "./agents-service.js";
import { ChatService } from "./chat-service.js";
import { apiParticipantId, CompletionsService, StopCutter, type CompletionCaller, type CompletionEvent, type CompletionRequest } from "./completions-service.js";
import { silentLogger } from "./logger.js";
import { renderPersona } from "./persona.js";
import { ReplyHub } from "./reply-hub.js";

/** Can write constrained JSON: memory extractions get `notes` (and are kept apart from `requests`). */
class NotingEngine extends RecordingEngine {
  override readonly capabilities = { contextSize: 4096, tools: false, jsonSchema: true };
  readonly extractions: ChatRequest[] = [];
  notes: { kind: string; content: string }[] = [];
  override async *streamChat(request: ChatRequest, options: { signal?: AbortSignal | undefined } = {}): AsyncIterable<EngineEvent> {
    if (!request.jsonSchema) return yield* super.streamChat(request, options);
    this.extractions.push(request);
    yield { type: "text-delta", delta: JSON.stringify({ memories: this.notes }) };
    yield { type: "generation-end", finishReason: "stop", usage: { promptTokens: 10, evaluatedPromptTokens: 10, completionTokens: 5 } };
  }
}

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
  let engine: NotingEngine;
  let agents: AgentsService;
  let memory: MemoryService;
  let service: CompletionsService;
  let bea: Agent;
  let max: Agent;
  let someoneElses: Agent;
  let ownerId: string;
  let keyId: string;
  let caller: CompletionCaller;

  beforeAll(async () => {
    store = await openSqliteStore({ file: ":memory:" });
    engine = new NotingEngine();
    const engines = providerOf(engine);
    agents = new AgentsService({ agents: store.agents });
    memory = new MemoryService({ store, logger: silentLogger, settings: { extract: true, maxPerPerson: 200, recallShare: 0.1, summariseAt: 0.75 } });
    const chat = new ChatService({ store, agents, engines, hub: new ReplyHub({ detachGraceMs: 0 }), logger: silentLogger, memory });
    service = new CompletionsService({ agents, chat, usage: store.apiKeyUsage, memory, logger: silentLogger, now: () => new Date("2030-05-06T10:00:00Z") });
    const now = new Date().toISOString();
    ownerId = (await store.users.create({ id: "usr_owner", email: "o@example.com", name: "O", role: "owner", passwordHash: "x", now })).id;
    await store.users.create({ id: "usr_other", email: "p@example.com", name: "P", role: "owner", passwordHash: "x", now });
    keyId = (await store.apiKeys.create({ id: "key_one", userId: ownerId, name: "k", prefix: "atk_", tokenHash: "h", scopes: ["chat"], now, expiresAt: null })).id;
    await store.apiKeys.create({ id: "key_two", userId: ownerId, name: "k2", prefix: "atk_", tokenHash: "h2", scopes: ["chat"], now, expiresAt: null });
    bea = await agents.create({ name: "Chef Bea", handle: "chef-bea", instructions: "Talk about bread.", avoidTopics: ["politics"], model: { temperature: 0.3, maxTokens: 64 } }, ownerId);
    max = await agents.create({ name: "Max", handle: "max" }, ownerId);
    someoneElses = await agents.create({ name: "Other", handle: "other" }, "usr_other");
    caller = { userId: ownerId, keyId, agentIds: null };
  });
  afterAll(async () => {
    await memory.idle();
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

  describe("per-person memory through `user`", () => {
    let host: Agent;
    const otherKey: CompletionCaller = { userId: "usr_owner", keyId: "key_two", agentIds: null };
    const prompt = () => engine.requests.at(-1)!.messages.map((message) => message.content).join("\n");

    beforeAll(async () => {
      host = await agents.create({ name: "Host", handle: "host", instructions: "Greet {{user}} by name." }, ownerId);
      const alice = apiParticipantId(caller, "alice");
      expect(alice).toBe("api:key_one:alice");
      await memory.add(host.id, alice, { kind: "name", content: "Alice" });
      await memory.add(host.id, alice, { kind: "fact", content: "Bakes rye bread every Sunday" });
    });

    it("recalls the memories of the person named as `user`, only for the key that knows them", async () => {
      const question = [{ role: "user" as const, content: "Any tips for my rye bread?" }];
      await drain((await ask({ model: "host", messages: question, user: "alice" })).events);
      expect(prompt()).toContain(RECALL_HEADING);
      expect(prompt()).toContain("Bakes rye bread every Sunday");
      expect(prompt()).toContain("Greet Alice by name.");

      // Another person, no person, the same "alice" of another key of this owner, or of a signed-in session: none of it.
      for (const [user, who] of [["bob", caller], [undefined, caller], ["alice", otherKey], ["alice", { ...caller, keyId: null }]] as const) {
        await drain((await ask({ model: "host", messages: question, ...(user ? { user } : {}) }, who)).events);
        expect(prompt()).not.toContain("Bakes rye bread");
        expect(prompt()).not.toContain(RECALL_HEADING);
        expect(prompt()).toContain("Greet the user by name.");
      }
    });

    it("answers \"what do you remember about me\" from the store, for that person only", async () => {
      const remember = [{ role: "user" as const, content: "What do you remember about me?" }];
      const asked = engine.requests.length;
      const mine = await drain((await ask({ model: "host", messages: remember, user: "alice" })).events);
      expect(mine.text).toContain("- Alice\n- Bakes rye bread every Sunday");
      expect(mine.end).toMatchObject({ type: "end", finishReason: "stop" });
      const theirs = await drain((await ask({ model: "host", messages: remember, user: "alice" }, otherKey)).events);
      expect(theirs.text).toContain("I don't remember anything about you yet.");
      expect(engine.requests.length).toBe(asked);
      // Without a person it is just a message: the model answers it.
      expect((await drain((await ask({ model: "host", messages: remember })).events)).text).toBe("Hello there!");
      expect(engine.requests.length).toBe(asked + 1);
    });

    it("notes what the person said after a completed reply, tied to no conversation; forgets on request", async () => {
      // Earlier replies to alice and bob were noted too (with nothing to note): only what follows counts.
      await memory.idle();
      engine.extractions.length = 0;
      engine.notes = [{ kind: "fact", content: "Has two cats" }];
      const said = [{ role: "user" as const, content: "I have two cats." }];
      try {
        await drain((await ask({ model: "host", messages: said })).events);
        const gone = new AbortController();
        const started = await service.start(caller, { model: "host", messages: said, user: "dana" }, gone.signal);
        for await (const _event of started.events) gone.abort();
        await memory.idle();
        expect(engine.extractions).toHaveLength(0);

        await drain((await ask({ model: "host", messages: said, user: "dana" })).events);
        await memory.idle();
        expect(engine.extractions).toHaveLength(1);
        expect(engine.extractions[0]!.messages.at(-1)!.content).toContain("I have two cats.");
        const dana = apiParticipantId(caller, "dana");
        expect(await memory.listFor(host.id, dana)).toEqual([
          expect.objectContaining({ participantId: dana, kind: "fact", content: "Has two cats", origin: "extracted", conversationId: null }),
        ]);

        const forgot = await drain((await ask({ model: "host", messages: [{ role: "user", content: "Forget everything about me" }], user: "dana" })).events);
        expect(forgot.text).toContain("I forgot everything I remembered about you (1 note)");
        expect(await memory.listFor(host.id, dana)).toEqual([]);
        expect(await memory.listFor(host.id, apiParticipantId(caller, "alice"))).toHaveLength(2);
      } finally {
        engine.notes = [];
      }
    });
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
