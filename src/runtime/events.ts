import type { Conversation, ConversationMode, Message } from "../contracts/index.js";

/*
 * What happens in conversations, for whoever watches: the owner's inbox (live), a visitor's open
 * conversation (live), and webhooks (delivered durably from their own outbox). Published after the
 * change is committed; in-process only (several servers on one PostgreSQL database each see their
 * own: see the README's scaling notes).
 */
interface Base {
  /** The agent's owner: the inbox and the webhooks this event belongs to. */
  ownerId: string;
  agentId: string;
  conversationId: string;
}

export type DomainEvent =
  | (Base & { type: "conversation.created"; conversation: Conversation })
  /** A message was added, or changed visibly (a reply finished, a draft was approved, edited or discarded). */
  | (Base & { type: "message.created" | "message.updated"; message: Message })
  /** An agent reply began to stream; `held` when it is a draft for review (visitors must not follow it). */
  | (Base & { type: "reply.started"; messageId: string; held: boolean })
  | (Base & { type: "conversation.mode"; mode: ConversationMode; by: string })
  /** The owner opened it (unread markers), or anything else in its inbox summary changed. */
  | (Base & { type: "conversation.updated" })
  | (Base & { type: "conversation.deleted" });

export type DomainEventType = DomainEvent["type"];

type Listener = (event: DomainEvent) => void;

/** A synchronous fan-out: listeners must not throw or block (they queue and return). */
export class EventBus {
  readonly #listeners = new Set<Listener>();

  publish(event: DomainEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener must not stop the others or the publisher.
      }
    }
  }

  /** Calls `listener` for every event until the returned function is called. */
  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Events that pass `filter`, as an async iterable, until `signal` aborts. Events are queued, none dropped. */
  async *subscribe(filter: (event: DomainEvent) => boolean, signal: AbortSignal): AsyncGenerator<DomainEvent> {
    const queue: DomainEvent[] = [];
    let wake: (() => void) | undefined;
    const off = this.on((event) => {
      if (!filter(event)) return;
      queue.push(event);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort);
    try {
      while (!signal.aborted) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      off();
      signal.removeEventListener("abort", onAbort);
    }
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }
}
