import { useCallback, useEffect, useRef, useState } from "react";
import type { StreamedChatEvent } from "../../../../src/client/http-client.js";
import type { Conversation, Message } from "../../../../src/contracts/chat.js";
import type { ConversationSummary } from "../../../../src/contracts/memory.js";
import { api } from "../../api.js";
import { localMessage } from "../../chat/local-message.js";
import { applyReplyEvent, isBeingWritten } from "../../chat/reply-events.js";
import { errorText } from "../../components/errors.js";
import type { LiveListener, LiveSignal } from "./useInbox.js";

export type ThreadLoad = { state: "loading" } | { state: "ready" } | { state: "failed"; error: unknown } | { state: "deleted" };

/** An owner action in flight: which one, and on which message for the review actions. */
export type Pending = { action: "take-over" | "hand-back" | "send" } | { action: "approve" | "discard"; messageId: string };

export interface Thread {
  load: ThreadLoad;
  conversation: Conversation | null;
  messages: Message[];
  /** What stands in for older turns that outgrew the model's context; null when nothing was summarised. */
  summary: ConversationSummary | null;
  /** Replies being written right now (followed live). */
  streaming: ReadonlySet<string>;
  pending: Pending | null;
  actionError: string | null;
  reload(): void;
  takeOver(): Promise<void>;
  handBack(): Promise<void>;
  send(content: string): Promise<boolean>;
  approve(messageId: string, content?: string): Promise<boolean>;
  discard(messageId: string): Promise<void>;
}

/**
 * One conversation as its owner sees it (drafts included), kept current by the inbox stream: new
 * messages are added, replies being written are followed token by token, and opening it marks it read.
 */
export function useThread(conversationId: string, subscribe: (listener: LiveListener) => () => void, onRead: (id: string) => void): Thread {
  const [load, setLoad] = useState<ThreadLoad>({ state: "loading" });
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [summary, setSummary] = useState<ConversationSummary | null>(null);
  const [streaming, setStreaming] = useState<ReadonlySet<string>>(new Set());
  const [pending, setPending] = useState<Pending | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const follows = useRef(new Map<string, AbortController>());
  const followed = useRef(new Set<string>());

  const stopFollowing = useCallback((messageId: string) => {
    follows.current.get(messageId)?.abort();
    follows.current.delete(messageId);
    setStreaming((set) => without(set, messageId));
  }, []);

  /** Streams a reply being written into the log; each reply is followed once. */
  const follow = useCallback(
    (messageId: string) => {
      if (followed.current.has(messageId)) return;
      followed.current.add(messageId);
      const controller = new AbortController();
      follows.current.set(messageId, controller);
      setStreaming((set) => new Set(set).add(messageId));
      void (async () => {
        try {
          for await (const event of api.resumeReply(conversationId, messageId, { lastEventId: 0, signal: controller.signal })) {
            if (controller.signal.aborted) return;
            setMessages((list) => applyStreamEvent(list, event, conversationId));
          }
        } catch {
          // Finished before we attached, or the connection dropped: the stored message arrives as a
          // "message" event, and a resync fetches it otherwise.
        } finally {
          if (follows.current.get(messageId) === controller) stopFollowing(messageId);
        }
      })();
    },
    [conversationId, stopFollowing],
  );

  const fetchThread = useCallback(
    async (quiet: boolean) => {
      if (!quiet) setLoad({ state: "loading" });
      try {
        const result = await api.getConversation(conversationId);
        setConversation(result.conversation);
        setSummary(result.summary ?? null);
        // Replies still streaming keep their live text; the stored copy is behind it.
        setMessages((list) => {
          const live = new Map(list.filter((message) => follows.current.has(message.id)).map((message) => [message.id, message]));
          return visible(result.messages).map((message) => live.get(message.id) ?? message);
        });
        setLoad({ state: "ready" });
        const last = result.messages.at(-1);
        if (isBeingWritten(last)) follow(last.id);
      } catch (error) {
        if (!quiet) setLoad({ state: "failed", error });
      }
    },
    [conversationId, follow],
  );

  const markRead = useCallback(() => {
    onRead(conversationId);
    api.markRead(conversationId).catch(() => {
      // Unread marks are a convenience; the next open tries again.
    });
  }, [conversationId, onRead]);

  useEffect(() => {
    setMessages([]);
    setConversation(null);
    setSummary(null);
    setActionError(null);
    void fetchThread(false).then(markRead);
  }, [fetchThread, markRead, attempt]);

  useEffect(() => {
    const controllers = follows.current;
    return () => {
      for (const controller of controllers.values()) controller.abort();
      controllers.clear();
    };
  }, [conversationId]);

  useEffect(
    () =>
      subscribe((signal: LiveSignal) => {
        if (signal.type === "resync") {
          void fetchThread(true);
          return;
        }
        if (signal.type === "conversation-deleted") {
          if (signal.conversationId === conversationId) setLoad({ state: "deleted" });
          return;
        }
        if (signal.type === "conversation") {
          if (signal.conversation.id !== conversationId) return;
          setConversation(signal.conversation);
          // It is open in front of the owner: what just arrived has been seen.
          if (signal.conversation.unread) markRead();
          return;
        }
        if (signal.conversationId !== conversationId) return;
        if (signal.type === "reply-started") {
          follow(signal.messageId);
          return;
        }
        const { message } = signal;
        const finished = message.status === "complete" || message.finishReason !== null;
        if (finished && follows.current.has(message.id)) stopFollowing(message.id);
        setMessages((list) => upsert(list, message, !finished && follows.current.has(message.id)));
      }),
    [subscribe, conversationId, fetchThread, follow, stopFollowing, markRead],
  );

  /** Runs an owner action; the result arrives through the live stream, and a quiet fetch makes sure of it. */
  const run = useCallback(
    async (action: Pending, call: () => Promise<unknown>): Promise<boolean> => {
      setPending(action);
      setActionError(null);
      try {
        await call();
        await fetchThread(true);
        return true;
      } catch (error) {
        setActionError(errorText(error));
        return false;
      } finally {
        setPending(null);
      }
    },
    [fetchThread],
  );

  return {
    load,
    conversation,
    messages,
    summary,
    streaming,
    pending,
    actionError,
    reload: () => setAttempt((n) => n + 1),
    takeOver: async () => void (await run({ action: "take-over" }, () => api.takeOver(conversationId))),
    handBack: async () => void (await run({ action: "hand-back" }, () => api.handBack(conversationId))),
    send: (content) => run({ action: "send" }, () => api.sendOwnerMessage(conversationId, content)),
    approve: (messageId, content) => run({ action: "approve", messageId }, () => api.approveReply(conversationId, messageId, content)),
    discard: async (messageId) => void (await run({ action: "discard", messageId }, () => api.discardReply(conversationId, messageId))),
  };
}

function visible(messages: readonly Message[]): Message[] {
  return messages.filter((message) => message.replacedBy === null);
}

/** Adds or replaces a message; `keepText` keeps the streamed text of a reply still being written. */
function upsert(list: Message[], message: Message, keepText: boolean): Message[] {
  if (message.replacedBy !== null) return list.filter((existing) => existing.id !== message.id);
  const index = list.findIndex((existing) => existing.id === message.id);
  if (index === -1) return [...list, message].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const existing = list[index]!;
  const next = keepText ? { ...message, content: existing.content, status: existing.status, finishReason: existing.finishReason } : message;
  return list.map((item, at) => (at === index ? next : item));
}

function applyStreamEvent(list: Message[], event: StreamedChatEvent, conversationId: string): Message[] {
  switch (event.type) {
    case "message-start": {
      // A followed reply replays from its first event: its text is rebuilt, not appended to.
      const existing = list.find((message) => message.id === event.messageId);
      const reply: Message = {
        ...(existing ?? localMessage({ id: event.messageId, conversationId, role: "assistant" })),
        content: "",
        model: event.model,
        agentVersion: event.agentVersion,
      };
      return existing ? list.map((message) => (message.id === event.messageId ? reply : message)) : [...list, reply];
    }
    default:
      return applyReplyEvent(list, event);
  }
}


function without(set: ReadonlySet<string>, id: string): ReadonlySet<string> {
  if (!set.has(id)) return set;
  const next = new Set(set);
  next.delete(id);
  return next;
}
