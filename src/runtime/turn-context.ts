import type { Agent, ChatMessage, Citation, Conversation, ConversationSummary, Message, Passage } from "../contracts/index.js";
import type { ChatEngine, EngineProvider } from "../engine/chat-engine.js";
import { knowledgeRules, withReference } from "../knowledge/reference.js";
import { FixedReplyEngine } from "../memory/intents-engine.js";
import { detectMemoryIntent } from "../memory/intents.js";
import type { LorebookService } from "../memory/lorebook-service.js";
import type { MemoryService } from "../memory/memory-service.js";
import { summarySection } from "../memory/summarizer.js";
import type { Store } from "../store/store.js";
import type { Logger } from "./logger.js";
import { expandMacros, withMacros, type MacroNames } from "./macros.js";
import { renderPersona } from "./persona.js";
import { textTokens } from "./text-tokens.js";
import { assemblePrompt, replyReserve, type PromptPlan } from "./prompt.js";

/** Retrieval for the turn pipeline (the knowledge service). */
export interface KnowledgeRetriever {
  hasKnowledge(agentId: string): Promise<boolean>;
  search(agentId: string, question: string, limit: number): Promise<{ passages: Passage[] }>;
}

/** Passages retrieved for each user message; fewer go in when the context is small. */
const PASSAGES_PER_TURN = 6;
/** Characters of a passage shown beside a reply. */
const EXCERPT_CHARS = 280;
/** Most of the prompt budget triggered lore may take (the lorebook's own budget may be smaller). */
const LORE_SHARE = 0.25;

/** A history message; stored ones carry their id (a summary covers messages up to an id). */
export interface TurnMessage extends ChatMessage {
  id?: string | undefined;
}

/**
 * Whose turn it is. `conversation`: a stored conversation (memory and summaries). `person`: someone
 * talking without one (the OpenAI-compatible API's `user`): their memories apply, there is nothing to
 * summarise. Neither: a stateless turn, with no memory at all.
 */
export interface TurnScope {
  conversation?: Conversation | undefined;
  person?: { participantId: string } | undefined;
}

/** What a turn leaves to do once the reply is written. */
export interface AfterTurn {
  /** Null for a person without a conversation: their memories are noted, nothing is summarised. */
  conversation: Conversation | null;
  participantId: string;
  /** The message answered, for noting what the person said about themself. */
  userMessage: string;
  /** Tokens the history (everything but the system message and the latest message) may take. */
  historyBudget: number;
  /** Tokens the history will take next turn, before the reply is added. */
  historyTokens: number;
}

export interface PreparedTurn {
  agent: Agent;
  engine: ChatEngine;
  plan: PromptPlan;
  /** The passages in the prompt, numbered as their [n] markers. */
  citations: Citation[];
  /** Set for turns of a known person the model answers (not for stateless API requests, nor memory answers). */
  after?: AfterTurn | undefined;
}

/** What the participant may see: never a draft waiting for review or one the owner discarded. */
export function isVisibleToParticipant(message: Message): boolean {
  return message.review === null || message.review === "approved" || message.review === "edited";
}

/**
 * The messages the model conditions on: replaced replies are gone already; empty failed replies add
 * nothing; drafts held for review (or discarded) were never sent. The owner's own messages are part
 * of it, so the agent carries on from them after a hand-back.
 */
export function toHistory(messages: readonly Message[]): TurnMessage[] {
  return messages
    .filter((message) => isVisibleToParticipant(message) && (message.role === "user" || message.content.length > 0))
    .map((message) => ({ id: message.id, role: message.role, content: message.content }));
}

export interface TurnContextOptions {
  store: Store;
  engines: EngineProvider;
  knowledge?: KnowledgeRetriever | undefined;
  memory?: MemoryService | undefined;
  lorebooks?: LorebookService | undefined;
  logger: Logger;
  historyDropStep?: number | undefined;
}

/**
 * The turn pipeline up to the engine. The system message: lore placed before the persona, the
 * persona (and knowledge rules), lore placed after it, the summary of earlier turns — each stable
 * across turns unless what triggers it changes, so the engine's KV cache stays reusable. The latest
 * message carries what changes every turn: the memories recalled for it, the retrieved passages,
 * and last the post-history instructions.
 */
export class TurnContext {
  readonly #options: TurnContextOptions;

  constructor(options: TurnContextOptions) {
    this.#options = options;
  }

  /**
   * `scope`: whose turn this is (see TurnScope). The OpenAI-compatible API runs the pipeline on the
   * history a client sends, with a person when the request names its `user`; lore and knowledge
   * apply either way.
   */
  async prepare(agent: Agent, history: readonly TurnMessage[], scope: TurnScope = {}): Promise<PreparedTurn> {
    const { memory, logger } = this.#options;
    const { conversation } = scope;
    const participantId = conversation?.participantId ?? scope.person?.participantId;
    const latest = history.at(-1);
    const intent = participantId !== undefined && memory && latest?.role === "user" ? detectMemoryIntent(latest.content) : null;
    if (intent && participantId !== undefined && memory) return memoryAnswer(agent, await memory.answerIntent(intent, agent.id, participantId));

    const engine = await this.#options.engines.resolve({ engine: agent.model.engine, model: agent.model.model });
    const summary = conversation ? await this.#options.store.summaries.latest(conversation.id) : undefined;
    const prepared = await this.#build(agent, engine, history, { conversation, participantId }, summary);
    if (!conversation || !memory || !prepared.after || prepared.plan.droppedMessages === 0) return prepared;
    // Older messages would be left out that no summary covers: summarise them first, so nothing is silently dropped.
    try {
      const stored = history.slice(0, -1).filter((message): message is TurnMessage & { id: string } => message.id !== undefined);
      const created = await memory.summariseNow({
        agent, conversation, engine, historyBudget: prepared.after.historyBudget, minKeep: 0, force: true, messages: stored,
      });
      if (created) return await this.#build(agent, engine, history, { conversation, participantId }, created);
    } catch (error) {
      logger.warn({ err: error, conversationId: conversation.id }, "could not summarise the earlier conversation; its oldest messages are left out of this turn");
    }
    return prepared;
  }

  async #build(
    agent: Agent,
    engine: ChatEngine,
    history: readonly TurnMessage[],
    who: { conversation: Conversation | undefined; participantId: string | undefined },
    summary: ConversationSummary | undefined,
  ): Promise<PreparedTurn> {
    const { knowledge, memory, lorebooks } = this.#options;
    const { conversation, participantId } = who;
    const contextSize = engine.capabilities.contextSize;
    const promptBudget = contextSize - replyReserve(contextSize, agent.model.maxTokens);
    const countText = textTokens(engine);

    // A summary replaces the messages it covers (never the one being answered).
    const through = summary ? history.findIndex((message) => message.id === summary.throughMessageId) : -1;
    const inForce = through >= 0 && through < history.length - 1 ? summary : undefined;
    const recent = history.slice(through >= 0 && inForce ? through + 1 : 0);
    const question = recent.at(-1)?.content ?? "";

    const recall = participantId !== undefined && memory
      ? await memory.recallFor({
        agentId: agent.id, participantId, message: question,
        budgetTokens: Math.floor(memory.settings.recallShare * promptBudget), countTokens: countText,
      })
      : undefined;
    const names: MacroNames = { char: agent.name, user: recall?.name ?? null };
    const profile = withMacros(agent, names);
    const lore = lorebooks ? await lorebooks.select(agent.id, recent.map((message) => message.content), Math.floor(promptBudget * LORE_SHARE), countText) : null;

    const grounded = knowledge !== undefined && (await knowledge.hasKnowledge(agent.id));
    const passages = grounded ? (await knowledge.search(agent.id, question, PASSAGES_PER_TURN)).passages : [];
    const persona = grounded ? `${renderPersona(profile)}\n\n${knowledgeRules(agent.name)}` : renderPersona(profile);
    const system = [
      lore ? expandMacros(lore.before, names) : "",
      persona,
      lore ? expandMacros(lore.after, names) : "",
      inForce ? summarySection(inForce) : "",
    ].filter((part) => part.trim() !== "").join("\n\n");

    const plan = await assemblePrompt({
      system,
      history: recent.map((message) => ({ role: message.role, content: message.content })),
      reference: { count: passages.length, wrap: (content, count) => withReference(content, passages.slice(0, count)) },
      latest: { before: recall?.text, after: profile.postHistoryInstructions },
      contextSize,
      replyTokens: agent.model.maxTokens,
      countTokens: (messages) => engine.countTokens(messages),
      dropStep: this.#options.historyDropStep ?? 8,
    });
    const citations = passages.slice(0, plan.referenceCount).map((passage, index): Citation => ({
      index: index + 1,
      sourceId: passage.sourceId,
      chunkId: passage.chunkId,
      title: passage.sourceTitle,
      heading: passage.heading,
      excerpt: passage.text.length > EXCERPT_CHARS ? `${passage.text.slice(0, EXCERPT_CHARS).trimEnd()}…` : passage.text,
    }));
    // Only a person's own message is mined for facts about them (never an owner's or the agent's words).
    if (participantId === undefined || recent.at(-1)?.role !== "user") return { agent, engine, plan, citations };
    const historyBudget = Math.max(0, promptBudget - plan.fixedTokens);
    // Next turn the message answered now is history too (the reply is added once it is written).
    const historyTokens = Math.max(0, plan.promptTokens - plan.fixedTokens) + (await engine.countTokens([{ role: "user", content: question }]));
    return { agent, engine, plan, citations, after: { conversation: conversation ?? null, participantId, userMessage: question, historyBudget, historyTokens } };
  }
}

/** A reply written from the memory store: streamed like a model's, through the normal turn. */
function memoryAnswer(agent: Agent, text: string): PreparedTurn {
  return {
    agent,
    engine: new FixedReplyEngine(text),
    plan: { messages: [], promptTokens: 0, droppedMessages: 0, replyBudget: Math.max(1, text.length), referenceCount: 0, fixedTokens: 0 },
    citations: [],
  };
}
