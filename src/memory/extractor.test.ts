import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelPath, testThreads } from "../../test/support/models.js";
import { Memory, MemoryKind, type Agent, type Conversation } from "../contracts/index.js";
import { LlamaCppEngine } from "../engine/llama-cpp/llama-engine.js";
import { AgentsService } from "../runtime/agents-service.js";
import { silentLogger } from "../runtime/logger.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Store } from "../store/store.js";
import { extractionPrompt, FACT_MAX_CHARS, MEMORY_JSON_SCHEMA, parseExtraction } from "./extractor.js";
import { MemoryService } from "./memory-service.js";

const settings = { extract: true, maxPerPerson: 200, recallShare: 0.1, summariseAt: 0.75 };

describe("parseExtraction", () => {
  it("keeps well-formed facts, tidied", () => {
    expect(parseExtraction(JSON.stringify({ memories: [{ kind: "name", content: "  Sam  " }, { kind: "preference", content: "Likes\n rye  bread" }] }), "m"))
      .toEqual([{ kind: "name", content: "Sam" }, { kind: "preference", content: "Likes rye bread" }]);
  });

  it("drops blank, symbol-only and repeated facts", () => {
    expect(parseExtraction(JSON.stringify({ memories: [{ kind: "fact", content: " " }, { kind: "fact", content: "!!" }, { kind: "fact", content: "Has a cat" }, { kind: "fact", content: "has a cat" }] }), "m"))
      .toEqual([{ kind: "fact", content: "Has a cat" }]);
  });

  it("refuses output that is not JSON or not the shape, with engine_error", () => {
    expect(() => parseExtraction("{\"memories\": [", "m")).toThrowError(expect.objectContaining({ code: "engine_error" }) as Error);
    expect(() => parseExtraction(JSON.stringify({ memories: [{ kind: "secret", content: "x" }] }), "m")).toThrowError(expect.objectContaining({ code: "engine_error" }) as Error);
    expect(() => parseExtraction(JSON.stringify({ memories: [], extra: 1 }), "m")).toThrowError(expect.objectContaining({ code: "engine_error" }) as Error);
  });

  it("asks for the kinds the contract knows, within a memory's length", () => {
    expect(MEMORY_JSON_SCHEMA.properties.memories.items.properties.kind.enum).toEqual(MemoryKind.options);
    expect(FACT_MAX_CHARS).toBeLessThanOrEqual(500);
  });

  it("shows the model the agent's name, the notes it has and the last exchange", () => {
    const [system, user] = extractionPrompt({ agentName: "Bea", existing: [{ kind: "name", content: "Sam" }], userMessage: "I love rye.", reply: "Noted!" });
    expect(system!.content).toContain("Bea");
    expect(user!.content).toContain("- (name) Sam");
    expect(user!.content).toContain("The person wrote:\nI love rye.");
    expect(user!.content).toContain("Bea replied:\nNoted!");
  });
});

/*
 * Through the real engine: the llama.cpp grammar built from MEMORY_JSON_SCHEMA. stories260K (a
 * children's-stories model) always answers with an empty list, so it proves the constrained output
 * parses; the random-weights tiny llama writes items, which proves they become stored memories.
 */
describe("extraction through the real engine", () => {
  let store: Store;
  let agent: Agent;
  let conversation: Conversation;
  const engines: LlamaCppEngine[] = [];

  beforeAll(async () => {
    store = await openSqliteStore({ file: ":memory:" });
    agent = await new AgentsService({ agents: store.agents }).create({ name: "Bea" }, null);
    conversation = await store.conversations.create({ id: "cnv_1", agentId: agent.id, participantId: "vis_person1", title: "t", now: new Date().toISOString() });
  });
  afterAll(async () => {
    for (const engine of engines) await engine[Symbol.asyncDispose]();
    await store[Symbol.asyncDispose]();
  });

  const load = async (file: "stories260K.gguf" | "llama-2-tiny-random.gguf") => {
    const engine = await LlamaCppEngine.load({ modelPath: testModelPath(file), threads: testThreads, gpu: "off", sequences: 1 });
    engines.push(engine);
    return engine;
  };
  const exchange = { userMessage: "Hi! My name is Sam, I love rye bread and I have two cats.", reply: "Nice to meet you, Sam!" };

  it("parses what stories260K writes under the grammar", async () => {
    const engine = await load("stories260K.gguf");
    // The default sampling, then hotter ones.
    for (const extractionSampling of [undefined, { temperature: 1, seed: 1 }, { temperature: 1.2, seed: 2 }]) {
      const service = new MemoryService({ store, logger: silentLogger, settings, extractionSampling });
      await expect(service.extractNow({ agent, conversation, engine, ...exchange })).resolves.toBeInstanceOf(Array);
    }
  }, 120_000);

  it("stores the facts a model writes under the grammar as valid memories of this agent and person", async () => {
    const engine = await load("llama-2-tiny-random.gguf");
    let stored: Memory[] = [];
    for (const seed of [1, 6, 7, 11, 12, 13]) {
      const service = new MemoryService({ store, logger: silentLogger, settings, extractionSampling: { temperature: 1.2, seed } });
      stored = await service.extractNow({ agent, conversation, engine, ...exchange });
      if (stored.length > 0) break;
    }
    expect(stored.length).toBeGreaterThan(0);
    const listed = await store.memories.listFor({ agentId: agent.id, participantId: "vis_person1" });
    for (const memory of stored) {
      expect(Memory.parse(memory)).toEqual(memory);
      expect(memory).toMatchObject({ agentId: agent.id, participantId: "vis_person1", origin: "extracted", conversationId: "cnv_1" });
      expect(memory.content.length).toBeGreaterThan(0);
      expect(memory.content.length).toBeLessThanOrEqual(FACT_MAX_CHARS);
      expect(listed.map((item) => item.id)).toContain(memory.id);
    }
    expect(listed.filter((item) => item.kind === "name").length).toBeLessThanOrEqual(1);
  }, 120_000);
});
