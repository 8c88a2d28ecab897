import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import {
  AtelierError,
  type Agent,
  type Channel,
  type ChatMessage,
  type Conversation,
  type ConversationSummary,
  type FinishReason,
  type Message,
  type TokenUsage,
  type TurnResult,
} from "../contracts/index.js";
import type { EngineProvider } from "../engine/chat-engine.js";
import type { LorebookService } from "../memory/lorebook-service.js";
import type { MemoryService } from "../memory/memory-service.js";
import type { NewMessage } from "../store/conversations.js";
import type { Store } from "../store/store.js";
import type { AgentsService } from "./agents-service.js";
import { newId } from "./ids.js";
import type { Logger } from "./logger.js";
import { expandMacros, mentionsUser } from "./macros.js";
import type { ReplyHub, ReplyRun } from "./reply-hub.js";
import type { DomainEvent, EventBus } from "./events.js";
import { isVisibleToParticipant, toHistory, TurnContext, type KnowledgeRetriever, type PreparedTurn, type TurnMessage, type TurnScope } from "./turn-context.js";

export { isVisibleToParticipant, type KnowledgeRetriever, type PreparedTurn, type TurnMessage, type TurnScope };

export interface ChatServiceOptions {
  store: Store;
  /** The agent's knowledge; without it turns are not grounded. */
  knowledge?: KnowledgeRetriever | undefined;
  agents: AgentsService;
  engines: EngineProvider;
  hub: ReplyHub;
  logger: Logger;
  now?: () => Date;
  /** How often streamed text is saved, so a crash loses at most this much of a reply. */
  progressSaveMs?: number;
  /**
   * Text deltas that follow the previous one within this many milliseconds are merged into one event
   * (sent at most this much later). A fast model then costs one event per interval instead of one per
   * token: fewer socket writes and SSE frames for the same text. 0 sends every delta at once.
   */
  deltaCoalesceMs?: number;
  /** History is dropped in steps of this many messages when it no longer fits (see assemblePrompt). */
  historyDropStep?: number;
  /** Where committed changes are announced (the inbox, live streams, webhooks). */
  events?: EventBus | undefined;
  /** Whether the agent's replies to visitors wait for the owner's review (its publish settings). */
  reviewsReplies?: ((agent: Agent) => Promise<boolean>) | undefined;
  /** What agents remember about people, and summaries of long conversations; without it turns have neither. */
  memory?: MemoryService | undefined;
  /** Agents' lorebooks; without it no lore is inserted. */
  lorebooks?: LorebookService | undefined;
}

/** Why no reply is streamed to the sender: the owner took over, or the reply waits for review. */
export type HeldReason = "owner" | "review";

/**
 * A turn as the sender sees it: the reply streams (`held` null), or it is held — for the owner's
 * review (the reply still runs; only the owner may follow it) or because the owner took over (no reply).
 */
export type Turn =
  | { userMessage: Message; run: ReplyRun; held: null | "review" }
  | { userMessage: Message; run: null; held: "owner" };

/** A conversation with someone other than the agent's owner: the owner's inbox shows it. */
export function isVisitorConversation(conversation: Conversation, agent: Agent): boolean {
  return agent.ownerId !== null && conversation.participantId !== agent.ownerId;
}

/** A conversation with its agent, as the authorisation layer resolved them for this request. */
export interface TurnTarget {
  conversation: Conversation;
  agent: Agent;
}

/** The turn pipeline: persona -> budgeted prompt -> engine stream -> persistence -> ChatEvents. */
export class ChatService {
  readonly #options: ChatServiceOptions;
  readonly #now: () => Date;
  readonly #turns: TurnContext;

  constructor(options: ChatServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#turns = new TurnContext({
      store: options.store, engines: options.engines, knowledge: options.knowledge, memory: options.memory,
      lorebooks: options.lorebooks, logger: options.logger, historyDropStep: options.historyDropStep,
    });
  }

  /**
   * Starts a conversation with an agent the caller was allowed to reach (the authorisation layer
   * resolved it); `participantId` is whose conversation it is.
   */
  async createConversation(input: { agent: Agent; participantId: string; title?: string | undefined; channel?: Channel | undefined }): Promise<{ conversation: Conversation; messages: Message[] }> {
    const { agent } = input;
    const now = this.#now().toISOString();
    const { conversations } = this.#options.store;
    const conversation = await conversations.create({
      id: newId("cnv"),
      agentId: agent.id,
      participantId: input.participantId,
      title: input.title ?? `Chat with ${agent.name}`,
      now,
      channel: input.channel,
    });
    const opening = agent.greetings[0];
    if (opening) {
      // The person may be known already from another conversation with this agent.
      const user = mentionsUser(opening) ? ((await this.#options.memory?.nameOf(agent.id, input.participantId)) ?? null) : null;
      const greeting = expandMacros(opening, { char: agent.name, user }, { addressed: true });
      await conversations.appendMessage({
        id: newId("msg"),
        conversationId: conversation.id,
        role: "assistant",
        content: greeting,
        status: "complete",
        agentVersion: agent.version,
        createdAt: now,
        completedAt: now,
      });
    }
    this.publish(agent, { type: "conversation.created", conversationId: conversation.id, conversation });
    return { conversation, messages: await conversations.listMessages(conversation.id) };
  }

  /**
   * Announces a committed change to whoever watches the agent owner's conversations. Ownerless
   * (pre-accounts) agents have no inbox, so nothing is announced for them.
   */
  publish(agent: Agent, event: DistributiveOmit<DomainEvent, "ownerId" | "agentId">): void {
    if (agent.ownerId === null || !this.#options.events) return;
    this.#options.events.publish({ ...event, ownerId: agent.ownerId, agentId: agent.id } as DomainEvent);
  }

  /** The conversation, or undefined: for the authorisation layer, which decides what "not found" says. */
  findConversation(id: string): Promise<Conversation | undefined> {
    return this.#options.store.conversations.get(id);
  }

  /**
   * `conversation` as the authorisation layer resolved it; not read again. Participants other than
   * the owner see no drafts held for review (nor discarded ones).
   */
  async getConversation(conversation: Conversation, options: { asOwner?: boolean } = {}): Promise<{ conversation: Conversation; messages: Message[]; summary: ConversationSummary | null }> {
    const { conversations, summaries } = this.#options.store;
    const [messages, summary] = await Promise.all([conversations.listMessages(conversation.id), summaries.latest(conversation.id)]);
    return { conversation, messages: options.asOwner ? messages : messages.filter(isVisibleToParticipant), summary: summary ?? null };
  }

  listConversations(query: { agentId?: string | undefined; ownerId?: string | undefined; participantId?: string | undefined; limit: number; before?: string | undefined }): Promise<Conversation[]> {
    return this.#options.store.conversations.list({
      limit: query.limit,
      ...(query.agentId ? { agentId: query.agentId } : {}),
      ...(query.ownerId ? { ownerId: query.ownerId } : {}),
      ...(query.participantId ? { participantId: query.participantId } : {}),
      ...(query.before ? { before: query.before } : {}),
    });
  }

  async deleteConversation(id: string, agent?: Agent): Promise<void> {
    const active = this.#options.hub.activeIn(id);
    if (active) {
      active.abort("The conversation was deleted.");
      await active.finished;
    }
    const deleted = await this.#options.store.conversations.delete(id);
    if (deleted && agent) this.publish(agent, { type: "conversation.deleted", conversationId: id });
  }

  /**
   * Stops the replies being written in conversations about to be deleted wholesale (an account, a
   * visitor), and waits until each has stored its final state, so none writes after the delete.
   */
  async stopReplies(filter: { ownerId: string } | { participantId: string }, reason: string): Promise<void> {
    const { store, hub } = this.#options;
    const runs: ReplyRun[] = [];
    for (const conversationId of hub.activeConversations()) {
      const conversation = await store.conversations.get(conversationId);
      if (!conversation) continue;
      const matches = "participantId" in filter
        ? conversation.participantId === filter.participantId
        : (await store.agents.get(conversation.agentId))?.ownerId === filter.ownerId;
      const run = hub.activeIn(conversationId);
      if (matches && run) runs.push(run);
    }
    for (const run of runs) run.abort(reason);
    await Promise.all(runs.map((run) => run.finished));
  }

  /**
   * Stores the user's message and starts the reply. Fails (changing nothing) when the turn cannot run.
   * The conversation and its agent come resolved from the authorisation layer: a turn's hot path reads
   * neither twice.
   */
  async sendMessage(input: TurnTarget & { content: string }): Promise<{ run: ReplyRun; userMessage: Message; held: null | "review" }> {
    const turn = input.conversation.mode === "owner" ? undefined : await this.takeTurn(input);
    if (!turn?.run) throw new AtelierError("conflict", "The agent's owner has taken this conversation over: the agent does not reply until they hand it back.");
    return turn;
  }

  /** Like sendMessage, for callers that pass on a held turn (the visitor-facing route). */
  async takeTurn(input: TurnTarget & { content: string }): Promise<Turn> {
    const { conversation, agent } = input;
    // Taken over: the message reaches the owner, and the agent stays silent.
    if (conversation.mode === "owner") return { userMessage: await this.#appendUserMessage(input), run: null, held: "owner" };
    const review = await this.#holdsForReview(conversation, agent);
    const run = this.#options.hub.begin(conversation.id, newId("msg"));
    try {
      const history = await this.#history(conversation.id);
      history.push({ role: "user", content: input.content });
      const prepared = await this.prepareTurn(agent, history, { conversation });
      const userMessage = await this.#startReply({ run, conversation, prepared, question: this.#userMessage(input), review });
      return { run, userMessage: userMessage!, held: review ? "review" : null };
    } catch (error) {
      this.#options.hub.discard(run);
      throw error;
    }
  }

  async #appendUserMessage(input: TurnTarget & { content: string }): Promise<Message> {
    const message = await this.#options.store.conversations.appendMessage(this.#userMessage(input));
    this.publish(input.agent, { type: "message.created", conversationId: input.conversation.id, message });
    return message;
  }

  #userMessage(input: TurnTarget & { content: string }): NewMessage {
    const now = this.#now().toISOString();
    return { id: newId("msg"), conversationId: input.conversation.id, role: "user", content: input.content, status: "complete", createdAt: now, completedAt: now };
  }

  /** Replies to visitors wait for the owner's review when the agent's publish settings say so. */
  async #holdsForReview(conversation: Conversation, agent: Agent): Promise<boolean> {
    const reviews = this.#options.reviewsReplies;
    return reviews !== undefined && isVisitorConversation(conversation, agent) && (await reviews(agent));
  }

  /**
   * Answers the last user message again; the previous reply is kept but leaves the history. Refused
   * while the owner has taken the conversation over; held for review like any reply to a visitor.
   */
  async regenerate(input: TurnTarget): Promise<{ run: ReplyRun; held: null | "review" }> {
    const { conversation, agent } = input;
    if (conversation.mode === "owner") {
      throw new AtelierError("conflict", "The agent's owner has taken this conversation over: the agent does not reply until they hand it back.");
    }
    const review = await this.#holdsForReview(conversation, agent);
    const run = this.#options.hub.begin(conversation.id, newId("msg"));
    try {
      const messages = await this.#options.store.conversations.listMessages(conversation.id);
      const last = messages.at(-1);
      // What the owner wrote themselves is never replaced by the agent.
      const replacing = last?.role === "assistant" && last.author !== "owner" ? last : undefined;
      const answered = replacing ? messages.slice(0, -1) : messages;
      if (!answered.some((message) => message.role === "user")) {
        throw new AtelierError("bad_request", "There is no reply to regenerate yet: send a message first.");
      }
      const prepared = await this.prepareTurn(agent, toHistory(answered), { conversation });
      await this.#startReply({ run, conversation, prepared, question: null, review });
      if (replacing) await this.#options.store.conversations.replaceMessage(replacing.id, run.messageId);
      return { run, held: review ? "review" : null };
    } catch (error) {
      this.#options.hub.discard(run);
      throw error;
    }
  }

  /**
   * After a hand-back: a visitor's message still unanswered (sent while the owner had the
   * conversation, or whose draft the owner discarded) gets the agent's reply now, from the version
   * visitors talk to. The visitor was told a person would answer; without this they would wait for
   * good. False when nothing was waiting or the reply could not start (the hand-back stands either way).
   */
  async answerWaiting(target: TurnTarget): Promise<boolean> {
    const { conversation } = target;
    if (conversation.mode !== "ai" || this.#options.hub.activeIn(conversation.id)) return false;
    const messages = await this.#options.store.conversations.listMessages(conversation.id);
    if (messages.filter((message) => message.review !== "discarded").at(-1)?.role !== "user") return false;
    try {
      await this.regenerate({ conversation, agent: await this.#options.agents.forVisitors(target.agent) });
      return true;
    } catch (error) {
      this.#options.logger.warn({ err: error, conversationId: conversation.id }, "could not answer the visitor's waiting message after a hand-back");
      return false;
    }
  }

  /** Stops a reply in flight. False when it already ended. */
  async abortReply(conversationId: string, messageId: string): Promise<boolean> {
    const run = this.#options.hub.get(messageId);
    if (!run || run.conversationId !== conversationId) {
      const message = await this.#options.store.conversations.getMessage(messageId);
      if (!message || message.conversationId !== conversationId) {
        throw new AtelierError("not_found", `No reply "${messageId}" in this conversation.`);
      }
      return false;
    }
    return run.abort("Stopped by the user.");
  }

  /** Waits for a reply to end and returns what was stored. */
  async result(run: ReplyRun, userMessageId: string | null): Promise<TurnResult> {
    await run.finished;
    const outcome = run.outcome;
    if (outcome?.type === "error") throw new AtelierError(outcome.code, outcome.message);
    const { conversations } = this.#options.store;
    const reply = await conversations.getMessage(run.messageId);
    if (!reply) throw new AtelierError("internal", "The reply was not stored.");
    const userMessage = userMessageId ? ((await conversations.getMessage(userMessageId)) ?? null) : null;
    return { userMessage, reply };
  }

  async #history(conversationId: string): Promise<TurnMessage[]> {
    return toHistory(await this.#options.store.conversations.listMessages(conversationId));
  }

  /**
   * The turn pipeline up to the engine (see TurnContext). `context.conversation`: whose turn it is,
   * for memory and summaries; `context.person`: someone without a conversation (the OpenAI-compatible
   * API's `user`), for memory only; with neither the turn is stateless, and lore and knowledge still apply.
   */
  prepareTurn(agent: Agent, history: readonly (ChatMessage | TurnMessage)[], context?: TurnScope): Promise<PreparedTurn> {
    return this.#turns.prepare(agent, history, context);
  }

  /**
   * Stores the reply's placeholder, with the question it answers when there is a new one (one commit
   * for both), and starts generating. Returns the stored question.
   */
  async #startReply(input: {
    run: ReplyRun;
    conversation: Conversation;
    prepared: PreparedTurn;
    /** The user's new message; null when an earlier one is answered again. */
    question: NewMessage | null;
    /** Store the reply as a draft for the owner's review. */
    review: boolean;
  }): Promise<Message | null> {
    const { run, conversation, prepared } = input;
    const startedAt = performance.now();
    const placeholder: NewMessage = {
      id: run.messageId,
      conversationId: conversation.id,
      role: "assistant",
      content: "",
      status: "incomplete",
      model: prepared.engine.modelId,
      agentVersion: prepared.agent.version,
      createdAt: this.#now().toISOString(),
      citations: prepared.citations,
      review: input.review ? "pending" : null,
    };
    const stored = await this.#options.store.conversations.appendMessages(input.question ? [input.question, placeholder] : [placeholder]);
    const question = input.question ? stored[0]! : null;
    if (question) this.publish(prepared.agent, { type: "message.created", conversationId: conversation.id, message: question });
    this.publish(prepared.agent, { type: "reply.started", conversationId: conversation.id, messageId: run.messageId, held: input.review });
    run.push({
      type: "message-start",
      messageId: run.messageId,
      conversationId: conversation.id,
      userMessageId: question?.id ?? null,
      model: prepared.engine.modelId,
      agentVersion: prepared.agent.version,
    });
    for (const citation of prepared.citations) run.push({ type: "source-cited", messageId: run.messageId, ...citation });
    void this.#generate({ run, conversation, prepared, startedAt });
    return question;
  }

  async #generate(input: { run: ReplyRun; conversation: Conversation; prepared: PreparedTurn; startedAt: number }): Promise<void> {
    const { run, prepared } = input;
    const { conversations } = this.#options.store;
    const saveEveryMs = this.#options.progressSaveMs ?? 250;
    const coalesceMs = this.#options.deltaCoalesceMs ?? 15;
    const elapsed = () => Math.round((performance.now() - input.startedAt) * 100) / 100;
    let text = "";
    let firstTokenMs: number | null = null;
    let lastSave = performance.now();
    let finishReason: FinishReason = "error";
    let usage: TokenUsage | null = null;
    let failure: AtelierError | undefined;
    // Text generated but not yet sent to listeners, and when text was last sent.
    let unsent = "";
    let lastSentAt = Number.NEGATIVE_INFINITY;
    let sendTimer: NodeJS.Timeout | undefined;
    const send = (): void => {
      clearTimeout(sendTimer);
      sendTimer = undefined;
      if (unsent === "") return;
      run.push({ type: "text-delta", messageId: run.messageId, delta: unsent });
      unsent = "";
      lastSentAt = performance.now();
    };
    try {
      const events = prepared.engine.streamChat(
        {
          messages: prepared.plan.messages,
          sampling: {
            temperature: prepared.agent.model.temperature,
            maxTokens: Math.min(prepared.agent.model.maxTokens, prepared.plan.replyBudget),
            topP: prepared.agent.model.topP,
            seed: prepared.agent.model.seed,
          },
          sessionKey: input.conversation.id,
        },
        { signal: run.signal },
      );
      for await (const event of events) {
        if (event.type === "generation-end") {
          finishReason = event.finishReason;
          usage = event.usage;
          continue;
        }
        if (!event.delta) continue;
        firstTokenMs ??= elapsed();
        text += event.delta;
        unsent += event.delta;
        const now = performance.now();
        // The first delta (and any after a pause) goes out at once; a quick succession is merged.
        if (now - lastSentAt >= coalesceMs) send();
        else sendTimer ??= setTimeout(send, coalesceMs - (now - lastSentAt));
        if (now - lastSave >= saveEveryMs) {
          // Listeners get the text before it is stored, so a stored reply never runs ahead of the stream:
          // the event is pushed, then one turn of the event loop lets every stream write it to its socket.
          send();
          await yieldToEventLoop();
          lastSave = performance.now();
          await conversations.saveProgress(run.messageId, text);
        }
      }
    } catch (error) {
      failure = AtelierError.is(error)
        ? error
        : new AtelierError("engine_error", "The model failed while writing the reply. Try again.", { cause: error });
      finishReason = run.signal.aborted ? "aborted" : "error";
      this.#options.logger.error({ err: error, conversationId: run.conversationId, messageId: run.messageId }, "reply failed");
    }
    send();
    const durationMs = elapsed();
    const finalUsage = usage ?? { promptTokens: prepared.plan.promptTokens, evaluatedPromptTokens: 0, completionTokens: 0 };
    try {
      const stored = await conversations.completeMessage(run.messageId, {
        content: text,
        status: finishReason === "stop" || finishReason === "length" ? "complete" : "incomplete",
        finishReason,
        usage: finalUsage,
        completedAt: this.#now().toISOString(),
        firstTokenMs,
        durationMs,
      });
      this.publish(prepared.agent, { type: "message.created", conversationId: run.conversationId, message: stored });
      if (failure && finishReason !== "aborted") {
        run.push({ type: "error", messageId: run.messageId, code: failure.code, message: failure.message });
      } else {
        run.push({ type: "message-end", messageId: run.messageId, finishReason, usage: finalUsage, firstTokenMs, durationMs });
        if (finishReason === "stop" || finishReason === "length") this.#afterTurn(prepared, text, finalUsage.completionTokens);
      }
    } catch (error) {
      this.#options.logger.error({ err: error, messageId: run.messageId }, "could not store the end of a reply");
      run.push({ type: "error", messageId: run.messageId, code: "internal", message: "The reply could not be saved." });
    } finally {
      run.finish();
    }
  }

  /** Queued, never awaited: noting what the person said about themself, and summarising a history that fills its budget. */
  #afterTurn(prepared: PreparedTurn, reply: string, replyTokens: number): void {
    const { memory } = this.#options;
    const after = prepared.after;
    if (!memory || !after || reply.trim() === "") return;
    const { agent, engine } = prepared;
    memory.extractAfterTurn({ agent, conversation: after.conversation, participantId: after.participantId, engine, userMessage: after.userMessage, reply });
    if (after.conversation) memory.summariseAfterTurn({ agent, conversation: after.conversation, engine, historyBudget: after.historyBudget, historyTokens: after.historyTokens + replyTokens });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

