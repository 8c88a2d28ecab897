import {
  AtelierError,
  type Agent,
  type Config,
  type Conversation,
  type ConversationSummary,
  type CreateMemory,
  type ForgetResult,
  type Memory,
  type MemoryPatch,
  type RememberedPeople,
  type RememberedPerson,
} from "../contracts/index.js";
import type { ChatEngine } from "../engine/chat-engine.js";
import { newId } from "../runtime/ids.js";
import type { Logger } from "../runtime/logger.js";
import type { Store } from "../store/store.js";
import { toHistory } from "../runtime/turn-context.js";
import { BackgroundQueue } from "./background.js";
import { planMemoryChanges } from "./dedupe.js";
import { extractFacts, type ExtractionSampling } from "./extractor.js";
import { forgetReply, recallReply, type MemoryIntent } from "./intents.js";
import { recallBlock, rememberedName } from "./recall.js";
import { planCut, summarise, type SummarisableMessage } from "./summarizer.js";

export type MemorySettings = Config["memory"];

/** People listed on the owner's memory page, most recently remembered first. */
const PEOPLE_LIMIT = 500;

type CountText = (text: string) => number | Promise<number>;

/**
 * Where an exchange to note facts from happened: a conversation (whose person it is), or a person
 * talking without one (the OpenAI-compatible API's `user`), whose memories are tied to no conversation.
 */
export type ExchangeSource =
  | { conversation: Conversation; participantId?: string | undefined }
  | { conversation: null; participantId: string };

/** The prefix of people known through the OpenAI-compatible API: "api:<keyId or userId>:<the app's user>". */
export const API_PERSON_PREFIX = "api:";

/**
 * What agents remember about the people they talk to: the owner's view and edits, recall for a
 * turn, "what do you remember about me" / "forget me", and the work after a turn (noting facts,
 * summarising a conversation that outgrows its budget), run one job at a time in the background.
 * Every operation takes the agent and the person: nothing here reaches across either.
 */
export class MemoryService {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #now: () => Date;
  readonly settings: MemorySettings;
  readonly background: BackgroundQueue;
  /** Bumped when a person is forgotten, so extraction already under way for them stores nothing. */
  readonly #forgotten = new Map<string, number>();
  readonly #sampling: ExtractionSampling | undefined;

  constructor(options: {
    store: Store;
    logger: Logger;
    settings: MemorySettings;
    background?: BackgroundQueue | undefined;
    /** How extraction samples (default: low temperature, no seed). */
    extractionSampling?: ExtractionSampling | undefined;
    now?: () => Date;
  }) {
    this.#sampling = options.extractionSampling;
    this.#store = options.store;
    this.#logger = options.logger;
    this.settings = options.settings;
    this.background = options.background ?? new BackgroundQueue({ logger: options.logger });
    this.#now = options.now ?? (() => new Date());
  }

  // ——— The owner's view (and the person's own, through /api/memories) ———

  async listPeople(agent: Pick<Agent, "id">): Promise<RememberedPeople> {
    const rows = await this.#store.memories.listPeople({ agentId: agent.id, limit: PEOPLE_LIMIT });
    const people = await Promise.all(rows.map(async (row): Promise<RememberedPerson> => {
      const user = row.participantId.startsWith("usr_") ? await this.#store.users.get(row.participantId) : undefined;
      const visitor = row.participantId.startsWith("vis_") ? await this.#store.visitors.get(row.participantId) : undefined;
      const label = personLabel(row.participantId, { user, externalKey: visitor?.externalKey ?? null });
      return { participantId: row.participantId, label, kind: user ? "user" : "visitor", memoryCount: row.memoryCount, updatedAt: row.updatedAt };
    }));
    return { people };
  }

  /** One person's memories with one agent, oldest first. */
  listFor(agentId: string, participantId: string): Promise<Memory[]> {
    return this.#store.memories.listFor({ agentId, participantId });
  }

  /** The owner notes something by hand. A person has one name: a new one replaces the old. */
  async add(agentId: string, participantId: string, input: CreateMemory): Promise<Memory> {
    const now = this.#now().toISOString();
    if (input.kind === "name") {
      const name = (await this.#store.memories.listFor({ agentId, participantId })).find((memory) => memory.kind === "name");
      if (name) return (await this.#store.memories.update({ id: name.id, content: input.content, origin: "owner", now }))!;
    }
    const memory = await this.#store.memories.add({
      id: newId("mem"), agentId, participantId, kind: input.kind, content: input.content, origin: "owner", conversationId: null, now,
    });
    await this.#store.memories.prune({ agentId, participantId, keep: this.settings.maxPerPerson });
    return memory;
  }

  async update(agentId: string, memoryId: string, patch: MemoryPatch): Promise<Memory> {
    const memory = await this.#own(agentId, memoryId);
    const now = this.#now().toISOString();
    if (patch.kind === "name" && memory.kind !== "name") {
      const others = await this.#store.memories.listFor({ agentId, participantId: memory.participantId });
      for (const other of others) if (other.kind === "name" && other.id !== memory.id) await this.#store.memories.delete(other.id);
    }
    const updated = await this.#store.memories.update({ id: memoryId, kind: patch.kind, content: patch.content, origin: "owner", now });
    if (!updated) throw notFound(memoryId);
    return updated;
  }

  async remove(agentId: string, memoryId: string): Promise<void> {
    await this.#own(agentId, memoryId);
    if (!(await this.#store.memories.delete(memoryId))) throw notFound(memoryId);
  }

  /** Forgets one person with one agent, including what was about to be noted from their last turns. */
  async forget(agentId: string, participantId: string): Promise<ForgetResult> {
    const person = personKey(agentId, participantId);
    this.#forgotten.set(person, (this.#forgotten.get(person) ?? 0) + 1);
    this.background.cancel((key) => key.startsWith(`extract:${person}:`));
    return { deleted: await this.#store.memories.deleteFor({ agentId, participantId }) };
  }

  async #own(agentId: string, memoryId: string): Promise<Memory> {
    const memory = await this.#store.memories.get(memoryId);
    if (!memory || memory.agentId !== agentId) throw notFound(memoryId);
    return memory;
  }

  // ——— Turns ———

  /** The memory block for the latest message (within `budgetTokens`), and the person's name for {{user}}. */
  async recallFor(input: { agentId: string; participantId: string; message: string; budgetTokens: number; countTokens: CountText }): Promise<{ text: string; name: string | null; used: Memory[] }> {
    const memories = await this.#store.memories.listFor({ agentId: input.agentId, participantId: input.participantId });
    const { text, used } = await recallBlock({ memories, message: input.message, budgetTokens: input.budgetTokens, countTokens: input.countTokens });
    return { text, name: rememberedName(memories), used };
  }

  async nameOf(agentId: string, participantId: string): Promise<string | null> {
    return rememberedName(await this.#store.memories.listFor({ agentId, participantId }));
  }

  /** The reply to a memory question, from the store: never from the model, which could invent or leak. */
  async answerIntent(intent: MemoryIntent, agentId: string, participantId: string): Promise<string> {
    if (intent === "forget") return forgetReply((await this.forget(agentId, participantId)).deleted);
    return recallReply(await this.#store.memories.listFor({ agentId, participantId }));
  }

  /**
   * Queues noting what the person said about themself in the exchange just finished. A newer exchange
   * of the same conversation (or, without one, of the same person) replaces one still waiting.
   */
  extractAfterTurn(input: ExchangeSource & { agent: Agent; engine: ChatEngine; userMessage: string; reply: string }): void {
    // Without constrained output a model's notes could not be trusted to parse: nothing is noted.
    if (!this.settings.extract || !input.engine.capabilities.jsonSchema || input.userMessage.trim() === "") return;
    const person = personKey(input.agent.id, participantOf(input));
    const generation = this.#forgotten.get(person) ?? 0;
    this.background.enqueue(`extract:${person}:${input.conversation?.id ?? "api"}`, "memory extraction", async (signal) => {
      await this.extractNow({ ...input, signal }, generation);
    });
  }

  /** Extracts and stores at once; returns the memories added or updated. */
  async extractNow(input: ExchangeSource & { agent: Agent; engine: ChatEngine; userMessage: string; reply: string; signal?: AbortSignal | undefined }, generation?: number): Promise<Memory[]> {
    const { agent, conversation } = input;
    const scope = { agentId: agent.id, participantId: participantOf(input) };
    const person = personKey(scope.agentId, scope.participantId);
    const existing = await this.#store.memories.listFor(scope);
    const facts = await extractFacts(input.engine, { agentName: agent.name, existing, userMessage: input.userMessage, reply: input.reply }, { signal: input.signal, sampling: this.#sampling });
    // The person was forgotten while the model was writing: what it noted is forgotten too.
    if (input.signal?.aborted || (generation !== undefined && (this.#forgotten.get(person) ?? 0) !== generation)) return [];
    // Deleted meanwhile (with the visitor or account it belonged to): nothing of it is kept.
    if (conversation && !(await this.#store.conversations.get(conversation.id))) return [];
    const changed: Memory[] = [];
    const now = this.#now().toISOString();
    for (const change of planMemoryChanges(await this.#store.memories.listFor(scope), facts)) {
      if (change.type === "add") {
        changed.push(await this.#store.memories.add({ id: newId("mem"), ...scope, kind: change.kind, content: change.content, origin: "extracted", conversationId: conversation?.id ?? null, now }));
      } else {
        const updated = await this.#store.memories.update({ id: change.id, kind: change.kind, content: change.content, origin: "extracted", now });
        if (updated) changed.push(updated);
      }
    }
    if (changed.length > 0) await this.#store.memories.prune({ ...scope, keep: this.settings.maxPerPerson });
    return changed;
  }

  /**
   * After a turn: once the history fills `summariseAt` of its budget (`historyTokens` is an estimate;
   * the job counts again), the older part is summarised in the background.
   */
  summariseAfterTurn(input: { agent: Agent; conversation: Conversation; engine: ChatEngine; historyBudget: number; historyTokens: number }): void {
    if (input.historyBudget <= 0 || input.historyTokens < this.settings.summariseAt * input.historyBudget) return;
    this.background.enqueue(`summary:${input.conversation.id}`, "conversation summary", async (signal) => {
      await this.summariseNow({ ...input, minKeep: 2, force: false, signal });
    });
  }

  /**
   * Summarises the conversation's older messages when they fill `summariseAt` of `historyBudget`
   * (always, with `force`), keeping the newest ones that take at most half the budget. `answering`:
   * the stored message being answered, which stays out of the summary. Returns the new summary, or
   * null when there was nothing to summarise.
   */
  async summariseNow(input: {
    agent: Agent;
    conversation: Conversation;
    engine: ChatEngine;
    historyBudget: number;
    minKeep: number;
    force: boolean;
    /** Messages visible to the model, oldest first; read from the store when omitted. */
    messages?: readonly SummarisableMessage[] | undefined;
    signal?: AbortSignal | undefined;
  }): Promise<ConversationSummary | null> {
    const { conversation, engine } = input;
    const messages = input.messages ?? (await this.#visibleMessages(conversation.id));
    const previous = await this.#store.summaries.latest(conversation.id);
    const start = previous ? messages.findIndex((message) => message.id === previous.throughMessageId) + 1 : 0;
    const tail = messages.slice(start);
    const tokens = await Promise.all(tail.map((message) => engine.countTokens([{ role: message.role, content: message.content }])));
    const total = tokens.reduce((sum, count) => sum + count, 0);
    if (!input.force && total < this.settings.summariseAt * input.historyBudget) return null;
    const covered = planCut({ tokens, roles: tail.map((message) => message.role), keepBudget: Math.floor(input.historyBudget / 2), minKeep: input.minKeep });
    if (covered === 0) return null;
    const content = await summarise(engine, {
      agentName: input.agent.name,
      previous: previous?.content ?? null,
      messages: tail.slice(0, covered),
      maxTokens: Math.floor(input.historyBudget / 4),
      signal: input.signal,
    });
    const through = tail[covered - 1]!;
    if (!(await this.#store.conversations.get(conversation.id))) return null;
    const summary = await this.#store.summaries.add({
      id: newId("sum"), conversationId: conversation.id, content, throughMessageId: through.id,
      coveredMessages: start + covered, model: engine.modelId, now: this.#now().toISOString(),
    });
    this.#logger.info({ conversationId: conversation.id, coveredMessages: summary.coveredMessages }, "summarised the earlier conversation");
    return summary;
  }

  async #visibleMessages(conversationId: string): Promise<SummarisableMessage[]> {
    return toHistory(await this.#store.conversations.listMessages(conversationId))
      .filter((message): message is SummarisableMessage => message.id !== undefined);
  }

  /** Resolves once the background work queued so far is done (tests, graceful shutdown). */
  idle(): Promise<void> {
    return this.background.idle();
  }
}

function personKey(agentId: string, participantId: string): string {
  return `${agentId}:${participantId}`;
}

function participantOf(source: ExchangeSource): string {
  return source.conversation ? source.conversation.participantId : source.participantId;
}

/** How the owner recognises a person: their account, the embedding site's id, the app's `user`, or a short visitor id. */
function personLabel(participantId: string, known: { user: { name: string; email: string } | undefined; externalKey: string | null }): string {
  if (known.user) return known.user.name || known.user.email;
  if (known.externalKey) return siteUserLabel(known.externalKey);
  if (participantId.startsWith("vis_")) return `Visitor ${participantId.slice(-6)}`;
  if (participantId.startsWith(API_PERSON_PREFIX)) return apiUserLabel(participantId);
  return participantId;
}

/**
 * A person known through the OpenAI-compatible API, by the id the app sent as `user`: the owner
 * recognises "API user alice". The id is "api:<keyId or userId>:<user>"; key and user ids hold no ":".
 */
function apiUserLabel(participantId: string): string {
  const rest = participantId.slice(API_PERSON_PREFIX.length);
  return `API user ${rest.slice(rest.indexOf(":") + 1)}`;
}

/**
 * An identified visitor by the id the embedding site knows them by: the owner recognises "Site user
 * 42" where a random visitor id means nothing. The key is "<agentId>:<userId>"; agent ids hold no ":".
 */
function siteUserLabel(externalKey: string): string {
  return `Site user ${externalKey.slice(externalKey.indexOf(":") + 1)}`;
}

function notFound(memoryId: string): AtelierError {
  return new AtelierError("not_found", `No memory "${memoryId}" for this agent: it may have been deleted already. Reload the list.`);
}
