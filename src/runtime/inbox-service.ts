import {
  AtelierError,
  type Conversation,
  type ConversationEvent,
  type InboxConversation,
  type InboxEvent,
  type InboxList,
  type InboxQuery,
  type Message,
} from "../contracts/index.js";
import type { Store } from "../store/store.js";
import { isVisibleToParticipant, type ChatService, type TurnTarget } from "./chat-service.js";
import type { DomainEvent, EventBus } from "./events.js";
import { newId } from "./ids.js";
import type { ReplyHub } from "./reply-hub.js";

export interface InboxServiceOptions {
  store: Store;
  chat: ChatService;
  hub: ReplyHub;
  events: EventBus;
  now?: () => Date;
}

/**
 * The owner's side of published agents: the inbox of visitors' conversations, taking a conversation
 * over and handing it back, writing as the owner, reviewing held replies, and the live streams both
 * sides watch. Every change is announced on the event bus after it is stored.
 */
export class InboxService {
  readonly #options: InboxServiceOptions;
  readonly #now: () => Date;

  constructor(options: InboxServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  async list(ownerId: string, query: InboxQuery): Promise<InboxList> {
    const conversations = await this.#options.store.conversations.inbox({
      ownerId,
      limit: query.limit,
      agentId: query.agentId,
      q: query.q,
      unread: query.unread,
      before: query.before,
    });
    return { conversations };
  }

  /** One conversation's inbox entry; undefined when it is not in the owner's inbox (their own chat, or gone). */
  async summary(ownerId: string, conversationId: string): Promise<InboxConversation | undefined> {
    return (await this.#options.store.conversations.inbox({ ownerId, conversationId, limit: 1 }))[0];
  }

  /** The owner takes the conversation over: a reply being written stops (kept as incomplete), and the agent stays silent. */
  async takeOver(target: TurnTarget, by: string): Promise<Conversation> {
    const active = this.#options.hub.activeIn(target.conversation.id);
    if (active) {
      active.abort("The owner took the conversation over.");
      await active.finished;
    }
    return this.#setMode(target, "owner", by);
  }

  /** The agent gets the conversation back, and answers a visitor's message that is still waiting. */
  async handBack(target: TurnTarget, by: string): Promise<Conversation> {
    const conversation = await this.#setMode(target, "ai", by);
    await this.#options.chat.answerWaiting({ conversation, agent: target.agent });
    return conversation;
  }

  async #setMode(target: TurnTarget, mode: Conversation["mode"], by: string): Promise<Conversation> {
    const conversation = await this.#options.store.conversations.setMode(target.conversation.id, mode);
    this.#options.chat.publish(target.agent, { type: "conversation.mode", conversationId: conversation.id, mode, by });
    return conversation;
  }

  /** The owner writes in the conversation, taking it over first when the agent still had it. */
  async sendOwnerMessage(target: TurnTarget, content: string, by: string): Promise<{ message: Message; tookOver: boolean }> {
    const tookOver = target.conversation.mode !== "owner";
    if (tookOver) await this.takeOver(target, by);
    const now = this.#now().toISOString();
    const message = await this.#options.store.conversations.appendMessage({
      id: newId("msg"),
      conversationId: target.conversation.id,
      role: "assistant",
      author: "owner",
      content,
      status: "complete",
      createdAt: now,
      completedAt: now,
    });
    this.#options.chat.publish(target.agent, { type: "message.created", conversationId: target.conversation.id, message });
    return { message, tookOver };
  }

  async markRead(target: TurnTarget): Promise<void> {
    await this.#options.store.conversations.markRead(target.conversation.id, this.#now().toISOString());
    this.#options.chat.publish(target.agent, { type: "conversation.updated", conversationId: target.conversation.id });
  }

  /** Sends a held reply to the visitor as written ("approved") or with the owner's text ("edited"). */
  async approve(target: TurnTarget, messageId: string, content?: string): Promise<Message> {
    const draft = await this.#pendingDraft(target, messageId);
    // A finished run stays in the hub a while (for resuming); only one still writing is in the way.
    if (this.#options.hub.get(messageId)?.done === false) {
      throw new AtelierError("conflict", "This reply is still being written. Wait until it ends, or discard it.");
    }
    const edited = content !== undefined && content !== draft.content;
    const message = await this.#options.store.conversations.setReview(messageId, edited ? "edited" : "approved", edited ? content : undefined);
    this.#options.chat.publish(target.agent, { type: "message.updated", conversationId: target.conversation.id, message });
    return message;
  }

  /** Drops a held reply: the visitor never sees it, and it leaves the agent's history. A draft being written stops. */
  async discard(target: TurnTarget, messageId: string): Promise<Message> {
    await this.#pendingDraft(target, messageId);
    const run = this.#options.hub.get(messageId);
    if (run && !run.done) {
      run.abort("The owner discarded the reply.");
      await run.finished;
    }
    const message = await this.#options.store.conversations.setReview(messageId, "discarded");
    this.#options.chat.publish(target.agent, { type: "message.updated", conversationId: target.conversation.id, message });
    return message;
  }

  async #pendingDraft(target: TurnTarget, messageId: string): Promise<Message> {
    const message = await this.#options.store.conversations.getMessage(messageId);
    if (!message || message.conversationId !== target.conversation.id) {
      throw new AtelierError("not_found", `No reply "${messageId}" in this conversation.`);
    }
    if (message.review !== "pending") {
      throw new AtelierError("conflict", message.review === null
        ? "This reply was not held for review."
        : `This reply was already ${message.review}; only replies waiting for review can be approved or discarded.`);
    }
    return message;
  }

  /** What changes in the owner's inbox, live, until `signal` aborts. */
  async *events(ownerId: string, signal: AbortSignal): AsyncGenerator<InboxEvent> {
    for await (const event of this.#options.events.subscribe((candidate) => candidate.ownerId === ownerId, signal)) {
      if (event.type === "conversation.deleted") {
        yield { type: "conversation-deleted", conversationId: event.conversationId };
        continue;
      }
      // Read after the change was committed; the owner's own chats (no summary) stay out of the inbox.
      const summary = await this.summary(ownerId, event.conversationId);
      if (!summary) continue;
      if (event.type === "message.created" || event.type === "message.updated") {
        yield { type: "message", conversationId: event.conversationId, message: event.message };
      } else if (event.type === "reply.started") {
        yield { type: "reply-started", conversationId: event.conversationId, messageId: event.messageId };
      }
      yield { type: "conversation", conversation: summary };
    }
  }

  /**
   * One conversation's changes, live, until `signal` aborts or the conversation is deleted. The
   * participant gets only what they may see: no held or discarded drafts, no held reply streams.
   */
  async *conversationEvents(conversationId: string, options: { asOwner: boolean; signal: AbortSignal }): AsyncGenerator<ConversationEvent> {
    const mine = (event: DomainEvent) => event.conversationId === conversationId;
    for await (const event of this.#options.events.subscribe(mine, options.signal)) {
      switch (event.type) {
        case "conversation.deleted":
          return;
        case "message.created":
        case "message.updated":
          if (options.asOwner || isVisibleToParticipant(event.message)) yield { type: "message", conversationId, message: event.message };
          break;
        case "reply.started":
          if (options.asOwner || !event.held) yield { type: "reply-started", conversationId, messageId: event.messageId };
          break;
        case "conversation.mode":
          yield { type: "mode", conversationId, mode: event.mode };
          break;
        default:
          break;
      }
    }
  }
}
