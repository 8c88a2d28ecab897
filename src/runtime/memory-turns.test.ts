import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LorebookContent, type Agent, type ChatMessage, type Conversation, type ConversationSummary } from "../contracts/index.js";
import type { ChatRequest, EngineEvent } from "../engine/chat-engine.js";
import { providerOf, RecordingEngine } from "../engine/testing/recording-engine.js";
import { MEMORY_MODEL_ID } from "../memory/intents-engine.js";
import { LorebookService } from "../memory/lorebook-service.js";
import { MemoryService } from "../memory/memory-service.js";
import { RECALL_HEADING } from "../memory/recall.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Store } from "../store/store.js";
import { AgentsService } from "./agents-service.js";
import { ChatService } from "./chat-service.js";
import { newId } from "./ids.js";
import { silentLogger } from "./logger.js";
import { ReplyHub } from "./reply-hub.js";

/** Replies "Hello there!" (or `reply`), and a fixed summary when asked to summarise. */
class TurnEngine extends RecordingEngine {
  reply = ["Hello", " there", "!"];
  override async *streamChat(request: ChatRequest, options: { signal?: AbortSignal | undefined } = {}): AsyncIterable<EngineEvent> {
    this.deltas = request.messages[0]?.content.startsWith("You summarise") ? ["Sam asked Bea about bread, at length."] : this.reply;
    yield* super.streamChat(request, options);
  }
}

const settings = { extract: true, maxPerPerson: 200, recallShare: 0.1, summariseAt: 0.75 };
const text = (messages: readonly ChatMessage[]) => messages.map((message) => message.content).join("\n");

describe("turns with memory, lore, summaries and macros", () => {
  let store: Store;
  let engine: TurnEngine;
  let agents: AgentsService;
  let memory: MemoryService;
  let lorebooks: LorebookService;
  let chat: ChatService;
  let bea: Agent;
  let max: Agent;

  beforeAll(async () => {
    store = await openSqliteStore({ file: ":memory:" });
    engine = new TurnEngine();
    agents = new AgentsService({ agents: store.agents });
    memory = new MemoryService({ store, logger: silentLogger, settings });
    lorebooks = new LorebookService({ store });
    chat = new ChatService({ store, agents, engines: providerOf(engine), hub: new ReplyHub({ detachGraceMs: 0 }), logger: silentLogger, memory, lorebooks, deltaCoalesceMs: 0 });
    bea = await agents.create({
      name: "Bea",
      description: "{{char}} runs a bakery and always greets {{user}} warmly.",
      scenario: "{{user}} walks into <BOT>'s bakery.",
      greetings: ["Welcome, {{user}}! I am {{char}}."],
      exampleDialogues: [{ user: "Hi {{char}}!", agent: "Hello {{user}}!" }],
      postHistoryInstructions: "Keep it under three sentences, {{user}}.",
      model: { temperature: 0.5, maxTokens: 512 },
    }, null);
    max = await agents.create({ name: "Max" }, null);
    await memory.add(bea.id, "vis_a", { kind: "name", content: "Sam" });
    await memory.add(bea.id, "vis_a", { kind: "preference", content: "Loves rye bread with caraway" });
    await memory.add(bea.id, "vis_b", { kind: "fact", content: "Works night shifts at the harbour" });
    await memory.add(max.id, "vis_c", { kind: "fact", content: "Collects stamps from Iceland" });
  });
  afterAll(async () => {
    await memory.idle();
    await store[Symbol.asyncDispose]();
  });
  beforeEach(() => {
    engine.requests.length = 0;
    engine.reply = ["Hello", " there", "!"];
  });

  const start = async (agent: Agent, participantId: string) => (await chat.createConversation({ agent, participantId })).conversation;
  const send = async (conversation: Conversation, agent: Agent, content: string) => {
    const { run, userMessage } = await chat.sendMessage({ conversation, agent, content });
    return chat.result(run, userMessage.id);
  };
  const lastPrompt = () => engine.requests.filter((request) => !request.messages[0]?.content.startsWith("You summarise")).at(-1)!.messages;

  it("recalls a person's memories in their own prompt only: never in another person's, nor with another agent", async () => {
    const withA = await start(bea, "vis_a");
    await send(withA, bea, "Do you have any rye bread today?");
    const promptA = text(lastPrompt());
    expect(promptA).toContain(`${RECALL_HEADING}\n- Sam\n- Loves rye bread with caraway`);
    expect(promptA).not.toContain("harbour");

    const withB = await start(bea, "vis_b");
    await send(withB, bea, "Do you have any rye bread today?");
    const promptB = text(lastPrompt());
    expect(promptB).toContain("- Works night shifts at the harbour");
    expect(promptB).not.toContain("caraway");
    expect(promptB).not.toContain("Sam");

    await memory.add(max.id, "vis_a", { kind: "fact", content: "Told Max about sailing" });
    const aWithMax = await start(max, "vis_a");
    await send(aWithMax, max, "Do you have any rye bread today?");
    const promptMax = text(lastPrompt());
    expect(promptMax).toContain("- Told Max about sailing");
    for (const other of ["caraway", "harbour", "Iceland", "Sam"]) expect(promptMax).not.toContain(other);
  });

  it("expands {{char}} and {{user}} with the remembered name, or a neutral word without one", async () => {
    const { messages: greetedA } = await chat.createConversation({ agent: bea, participantId: "vis_a" });
    expect(greetedA[0]!.content).toBe("Welcome, Sam! I am Bea.");
    const { conversation: withB, messages: greetedB } = await chat.createConversation({ agent: bea, participantId: "vis_b" });
    expect(greetedB[0]!.content).toBe("Welcome, you! I am Bea.");

    await send(withB, bea, "Hi");
    const [system] = lastPrompt();
    expect(system!.content).toContain("Bea runs a bakery and always greets the user warmly.");
    expect(system!.content).toContain("Scenario:\nthe user walks into Bea's bakery.");
    expect(system!.content).toContain("User: Hi Bea!\nBea: Hello the user!");
    expect(text(lastPrompt())).not.toMatch(/\{\{|<BOT>|<USER>/i);

    const withA = await start(bea, "vis_a");
    await send(withA, bea, "Hi");
    expect(lastPrompt()[0]!.content).toContain("always greets Sam warmly");
  });

  it("puts the memories first in the latest message, then the message, and the post-history instructions last", async () => {
    const withA = await start(bea, "vis_a");
    await send(withA, bea, "What should I bake?");
    const latest = lastPrompt().at(-1)!;
    expect(latest.role).toBe("user");
    expect(latest.content.startsWith(RECALL_HEADING)).toBe(true);
    expect(latest.content.endsWith("What should I bake?\n\nKeep it under three sentences, Sam.")).toBe(true);
  });

  it("inserts triggered lore around the persona in the system prompt, and only when triggered", async () => {
    const lorebook = LorebookContent.parse({
      entries: [
        { id: "1", keys: ["dragon"], content: "Dragons nest in the northern cliffs.", position: "after-persona" },
        { id: "2", keys: ["{{char}}'s oven"], content: "World: {{char}} lives in the valley of Eld.", position: "before-persona" },
        { id: "3", keys: ["oven"], content: "The oven is older than the town.", position: "before-persona" },
      ],
    });
    await lorebooks.put(bea.id, { lorebook });
    const withB = await start(bea, "vis_b");
    await send(withB, bea, "Did you ever see a dragon near the oven?");
    const system = lastPrompt()[0]!.content;
    expect(system.startsWith("The oven is older than the town.\n\nYou are Bea.")).toBe(true);
    expect(system).toContain("Stay in character as Bea. Never claim to be anyone else.\n\nDragons nest in the northern cliffs.");

    await send(withB, bea, "Just bread today.");
    // The dragon was mentioned two messages back: the default scan depth (4) still sees it; the oven too.
    await send(await start(bea, "vis_b"), bea, "Just bread today.");
    const untouched = lastPrompt()[0]!.content;
    expect(untouched).not.toContain("Dragons");
    expect(untouched).not.toContain("oven");

    // The OpenAI-compatible API (no conversation) gets lore, but no memories.
    const prepared = await chat.prepareTurn(bea, [{ role: "user", content: "A dragon!" }]);
    expect(prepared.plan.messages[0]!.content).toContain("Dragons nest");
    expect(text(prepared.plan.messages)).not.toContain(RECALL_HEADING);
    await lorebooks.put(bea.id, { lorebook: LorebookContent.parse({}) });
  });

  it("answers \"what do you remember about me\" and \"forget everything about me\" from the store, through the normal turn", async () => {
    const withA = await start(bea, "vis_a");
    const asked = await send(withA, bea, "What do you remember about me?");
    expect(asked.reply.model).toBe(MEMORY_MODEL_ID);
    expect(asked.reply.status).toBe("complete");
    expect(asked.reply.content).toContain("- Sam");
    expect(asked.reply.content).toContain("- Loves rye bread with caraway");
    expect(asked.reply.content).not.toContain("harbour");
    expect(engine.requests).toHaveLength(0);

    const forgot = await send(withA, bea, "Forget everything about me.");
    expect(forgot.reply.content).toMatch(/forgot everything/);
    expect(await memory.listFor(bea.id, "vis_a")).toEqual([]);
    expect(await memory.listFor(bea.id, "vis_b")).toHaveLength(1);
    expect(await memory.listFor(max.id, "vis_a")).toHaveLength(1);
    expect((await send(withA, bea, "what do you know about me")).reply.content).toMatch(/don't remember anything/);
    expect(engine.requests).toHaveLength(0);
  });
});

describe("summaries of conversations that outgrow the budget", () => {
  let store: Store;
  let engine: TurnEngine;
  let memory: MemoryService;
  let chat: ChatService;
  let bea: Agent;

  beforeAll(async () => {
    store = await openSqliteStore({ file: ":memory:" });
    engine = new TurnEngine();
    const agents = new AgentsService({ agents: store.agents });
    memory = new MemoryService({ store, logger: silentLogger, settings });
    chat = new ChatService({ store, agents, engines: providerOf(engine), hub: new ReplyHub({ detachGraceMs: 0 }), logger: silentLogger, memory, historyDropStep: 1 });
    // RecordingEngine: 4,096 tokens of context, four characters a token; 3,584 for the prompt.
    bea = await agents.create({ name: "Bea", model: { temperature: 0.5, maxTokens: 512 } }, null);
  });
  afterAll(async () => {
    await memory.idle();
    await store[Symbol.asyncDispose]();
  });

  const send = async (conversation: Conversation, content: string) => {
    const { run, userMessage } = await chat.sendMessage({ conversation, agent: bea, content });
    return chat.result(run, userMessage.id);
  };
  /**
   * Every message stored before the reply to `prompt` is covered by the summary in force or was sent
   * whole: none is silently left out.
   */
  const expectNothingDropped = async (conversation: Conversation, prompt: readonly ChatMessage[], summary: ConversationSummary | null) => {
    const { messages } = await chat.getConversation(conversation);
    const through = summary ? messages.findIndex((message) => message.id === summary.throughMessageId) : -1;
    const sent = text(prompt);
    for (const message of messages.slice(through + 1, -1)) expect(sent).toContain(message.content);
    if (summary) expect(prompt[0]!.content.endsWith(`Summary of the earlier conversation:\n${summary.content}`)).toBe(true);
  };

  it("summarises in the background once the history fills its share, and the prompt carries the summary", async () => {
    engine.reply = ["r".repeat(1_200)];
    const { conversation } = await chat.createConversation({ agent: bea, participantId: "vis_a" });
    for (let turn = 0; turn < 8; turn++) {
      await memory.idle();
      const inForce = (await chat.getConversation(conversation)).summary;
      await send(conversation, `message ${turn} ${"m".repeat(1_200)}`);
      const answered = engine.requests.filter((request) => !request.messages[0]?.content.startsWith("You summarise")).at(-1)!;
      await expectNothingDropped(conversation, answered.messages, inForce);
    }
    await memory.idle();
    const { summary, messages } = await chat.getConversation(conversation);
    expect(summary).toMatchObject({ conversationId: conversation.id, content: "Sam asked Bea about bread, at length.", model: "recording" });
    expect(summary!.coveredMessages).toBeGreaterThan(0);
    expect(summary!.coveredMessages).toBeLessThan(messages.length);
    // The summariser saw the messages it covers, and never with the conversation's session key.
    const summarising = engine.requests.filter((request) => request.messages[0]?.content.startsWith("You summarise"));
    expect(summarising.length).toBeGreaterThan(0);
    expect(summarising.every((request) => request.sessionKey === undefined)).toBe(true);
    expect(text(summarising[0]!.messages)).toContain("message 0 ");
  });

  it("summarises before the turn when the prompt would otherwise leave messages out", async () => {
    engine.reply = ["Hello"];
    const conversation = await store.conversations.create({ id: newId("cnv"), agentId: bea.id, participantId: "vis_b", title: "t", now: new Date().toISOString() });
    for (let index = 0; index < 12; index++) {
      const now = new Date(Date.UTC(2030, 0, 1, 0, index)).toISOString();
      await store.conversations.appendMessage({
        id: newId("msg"), conversationId: conversation.id, role: index % 2 === 0 ? "user" : "assistant",
        content: `old ${index} ${"o".repeat(1_600)}`, status: "complete", createdAt: now, completedAt: now,
      });
    }
    engine.requests.length = 0;
    await send(conversation, "And now?");
    const [summarising, answering] = engine.requests;
    expect(summarising!.messages[0]!.content.startsWith("You summarise")).toBe(true);
    expect(answering!.messages[0]!.content).toContain("Summary of the earlier conversation:\nSam asked Bea about bread, at length.");
    expect(answering!.messages.at(-1)!.content).toBe("And now?");
    const { summary } = await chat.getConversation(conversation);
    expect(summary).not.toBeNull();
    await expectNothingDropped(conversation, answering!.messages, summary);
  });
});
