import { useCallback, useEffect, useRef, useState } from "react";
import type { StreamedChatEvent } from "../../../src/client/http-client.js";
import type { PublicAgent } from "../../../src/contracts/agent.js";
import type { Conversation, ConversationEvent, Message } from "../../../src/contracts/chat.js";
import { AtelierError } from "../../../src/contracts/errors.js";
import type { ConversationSummary } from "../../../src/contracts/memory.js";
import { api } from "../api.js";
import { visibleMessages } from "../chat/format.js";
import type { LoadState, Streaming } from "../chat/useChat.js";
import type { ShareIdentity } from "./identity.js";
import { confirmUserMessage, isLocal, localUserMessage, mergeLive, mergeStored, newLocalId, startReply } from "./messages.js";
import { useLiveConversation } from "./useLiveConversation.js";
import { askToStop } from "../chat/useChat.js";
import { applyReplyEvent, isBeingWritten, markStopped } from "../chat/reply-events.js";

/** What a failed step can do again: resend a message the server never stored, write the reply again, or start over. */
export type ShareRetry = { kind: "send"; content: string; localId: string } | { kind: "regenerate" } | { kind: "new" };
type Turn = Exclude<ShareRetry, { kind: "new" }> | { kind: "resume"; messageId: string };

export interface ShareTurnError {
  code: string;
  message: string;
  retry: ShareRetry;
  /** For rate limits: when trying again can work (ms since the epoch); null when the server did not say. */
  retryAt: number | null;
}

export interface ShareChat {
  load: LoadState;
  conversation: Conversation | null;
  messages: Message[];
  /** What stands in for older turns that outgrew the model's context; null when nothing was summarised. */
  summary: ConversationSummary | null;
  streaming: Streaming | null;
  turnError: ShareTurnError | null;
  /** The reply waits for a person: the owner took over, or reviews replies first. */
  held: "owner" | "review" | null;
  starting: boolean;
  /** One sentence for the page's live region: never per token. */
  announcement: string;
  send(content: string): void;
  stop(): void;
  retry(): void;
  startNew(): void;
  reload(): void;
}

/** Remembers this browser's conversation per agent, for accounts (their list holds only their own agents' conversations). */
const storageKey = (agentId: string) => `atelier-share:${agentId}`;

/** The visitor's conversation with a published agent: resumed on reload, live while open. */
export function useShareChat(agent: PublicAgent, identity: ShareIdentity): ShareChat {
  const [load, setLoad] = useState<LoadState>({ state: "loading" });
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [summary, setSummary] = useState<ConversationSummary | null>(null);
  const [streaming, setStreaming] = useState<Streaming | null>(null);
  const [turnError, setTurnError] = useState<ShareTurnError | null>(null);
  const [held, setHeld] = useState<"owner" | "review" | null>(null);
  const [starting, setStarting] = useState(false);
  const [announcement, setAnnouncement] = useState("");
  const [loadAttempt, setLoadAttempt] = useState(0);
  const conversationRef = useRef<Conversation | null>(null);
  const controller = useRef<AbortController | null>(null);
  const stopRequested = useRef(false);
  const replyId = useRef<string | null>(null);
  const streamingId = useRef<string | null>(null);
  const resumed = useRef(new Set<string>());
  // Messages this tab has shown already: only others are announced as new.
  const known = useRef(new Set<string>());

  const open = useCallback((next: Conversation, stored: Message[], latestSummary: ConversationSummary | null | undefined) => {
    conversationRef.current = next;
    setSummary(latestSummary ?? null);
    for (const message of stored) known.current.add(message.id);
    setConversation(next);
    setMessages((list) => mergeStored(list, visibleMessages(stored)));
    localStorage.setItem(storageKey(next.agentId), next.id);
  }, []);

  /** Reads the stored conversation again (after the live stream dropped, or a reply finished unseen). */
  const refresh = useCallback(async () => {
    const current = conversationRef.current;
    if (!current) return;
    try {
      const result = await api.getConversation(current.id);
      if (conversationRef.current?.id === current.id) open(result.conversation, result.messages, result.summary);
    } catch {
      // The next reconnect tries again.
    }
  }, [open]);

  const runTurn = useCallback(async (turn: Turn) => {
    if (controller.current) return;
    const own = new AbortController();
    controller.current = own;
    stopRequested.current = false;
    replyId.current = null;
    streamingId.current = turn.kind === "resume" ? turn.messageId : null;
    setTurnError(null);
    setHeld(null);
    setStreaming({ messageId: streamingId.current, stopping: false });
    if (turn.kind === "send") {
      const local = localUserMessage(conversationRef.current?.id ?? "", turn.localId, turn.content);
      setMessages((list) => [...list.filter((message) => message.id !== turn.localId), local]);
    }
    const apply = (event: StreamedChatEvent): "held" | undefined => {
      switch (event.type) {
        case "message-start":
          replyId.current = event.messageId;
          streamingId.current = event.messageId;
          known.current.add(event.messageId);
          setStreaming((state) => state && { ...state, messageId: event.messageId });
          setMessages((list) => {
            const confirmed = turn.kind === "send" ? confirmUserMessage(list, turn.localId, event.userMessageId) : list;
            return startReply(confirmed, event, turn.kind === "regenerate");
          });
          setAnnouncement(`${agent.name} is writing…`);
          if (stopRequested.current) void askToStop(event.conversationId, event.messageId, own);
          return;
        case "text-delta":
        case "source-cited":
          setMessages((list) => applyReplyEvent(list, event));
          return;
        case "message-end":
          setMessages((list) => applyReplyEvent(list, event));
          setAnnouncement(event.finishReason === "aborted" ? "Reply stopped." : `${agent.name} replied.`);
          return;
        case "error":
          setMessages((list) => applyReplyEvent(list, event));
          setTurnError({ code: event.code, message: event.message, retry: retryAfter(turn, replyId.current), retryAt: null });
          setAnnouncement(`The reply failed: ${event.message}`);
          return;
        case "reply-held":
          if (turn.kind === "send") setMessages((list) => confirmUserMessage(list, turn.localId, event.userMessageId));
          setHeld(event.reason);
          setAnnouncement("A person will reply here shortly.");
          // Nothing more comes on this stream: what the owner sends arrives on the live stream.
          return "held";
      }
    };
    try {
      let conversationId = conversationRef.current?.id;
      if (conversationId === undefined) {
        const created = await api.createConversation({ agentId: agent.id, channel: "share" });
        open(created.conversation, created.messages, created.summary);
        conversationId = created.conversation.id;
      }
      const events =
        turn.kind === "send"
          ? api.streamMessage(conversationId, turn.content, { signal: own.signal })
          : turn.kind === "resume"
            ? api.resumeReply(conversationId, turn.messageId, { lastEventId: 0, signal: own.signal })
            : api.streamRegenerate(conversationId, { signal: own.signal });
      for await (const event of events) if (apply(event) === "held") break;
    } catch (error) {
      if (turn.kind === "resume" && AtelierError.is(error, "not_found")) {
        // It finished between loading and re-attaching: the live stream or a reload brings the stored text.
        void refresh();
      } else if (own.signal.aborted) {
        const stopped = replyId.current;
        if (stopped !== null && stopRequested.current) {
          setMessages((list) => markStopped(list, stopped));
        }
      } else {
        setTurnError({ ...describe(error), retry: retryAfter(turn, replyId.current) });
      }
    } finally {
      if (controller.current === own) {
        controller.current = null;
        streamingId.current = null;
        setStreaming(null);
      }
    }
  }, [agent.id, agent.name, open, refresh]);

  useEffect(() => {
    let active = true;
    conversationRef.current = null;
    setConversation(null);
    setMessages([]);
    setSummary(null);
    setTurnError(null);
    setHeld(null);
    setLoad({ state: "loading" });
    latestConversation(agent.id, identity).then(
      (found) => {
        if (!active) return;
        if (found) {
          open(found.conversation, found.messages, found.summary);
          const visible = visibleMessages(found.messages);
          const last = visible.at(-1);
          if (found.conversation.mode === "owner" && last?.role === "user") setHeld("owner");
          if (isBeingWritten(last) && !resumed.current.has(last.id)) {
            resumed.current.add(last.id);
            void runTurn({ kind: "resume", messageId: last.id });
          }
        }
        setLoad({ state: "ready" });
      },
      (error: unknown) => {
        if (active) setLoad({ state: "failed", message: describe(error).message });
      },
    );
    return () => {
      active = false;
      // Leaving only stops listening: the server finishes and stores the reply.
      controller.current?.abort();
      controller.current = null;
    };
  }, [agent.id, identity, loadAttempt, open, runTurn]);

  const onLiveEvent = (event: ConversationEvent) => {
    if (event.conversationId !== conversationRef.current?.id) return;
    if (event.type === "message") {
      const { message } = event;
      if (message.role === "assistant" && message.status === "complete" && !known.current.has(message.id)) {
        known.current.add(message.id);
        setAnnouncement(message.author === "owner" ? `New message from the ${agent.name} team.` : `New message from ${agent.name}.`);
      }
      setMessages((list) => mergeLive(list, message, streamingId.current));
    } else if (event.type === "mode") {
      setConversation((current) => current && { ...current, mode: event.mode });
      if (event.mode === "ai") setHeld((reason) => (reason === "owner" ? null : reason));
    } else if (event.messageId !== streamingId.current && !controller.current && !resumed.current.has(event.messageId)) {
      // A reply started elsewhere (another tab, an approved turn): follow it as it is written.
      resumed.current.add(event.messageId);
      void runTurn({ kind: "resume", messageId: event.messageId });
    }
  };
  useLiveConversation(conversation?.id ?? null, { onEvent: onLiveEvent, onReconnect: () => void refresh() });

  const stop = useCallback(() => {
    const own = controller.current;
    const conversationId = conversationRef.current?.id;
    if (!own || conversationId === undefined || stopRequested.current) return;
    stopRequested.current = true;
    if (replyId.current !== null) void askToStop(conversationId, replyId.current, own);
    setStreaming((state) => state && { ...state, stopping: true });
  }, []);

  const startNew = useCallback(async () => {
    if (controller.current) return;
    setStarting(true);
    setTurnError(null);
    try {
      const created = await api.createConversation({ agentId: agent.id, channel: "share" });
      setMessages([]);
      setHeld(null);
      open(created.conversation, created.messages, created.summary);
      setAnnouncement("New conversation started.");
    } catch (error) {
      setTurnError({ ...describe(error), retry: { kind: "new" } });
    } finally {
      setStarting(false);
    }
  }, [agent.id, open]);

  const retry = useCallback(() => {
    if (!turnError) return;
    if (turnError.retry.kind === "new") void startNew();
    else void runTurn(turnError.retry);
  }, [runTurn, startNew, turnError]);

  return {
    load, conversation, messages, summary, streaming, turnError, held, starting, announcement,
    send: (content) => void runTurn({ kind: "send", content, localId: newLocalId() }),
    stop,
    retry,
    startNew: () => void startNew(),
    reload: () => setLoadAttempt((attempt) => attempt + 1),
  };
}

/** The visitor's most recent conversation with this agent, if any. */
async function latestConversation(agentId: string, identity: ShareIdentity) {
  const { conversations } = await api.listConversations({ agentId, limit: 20 });
  // An owner's list is their whole inbox for the agent: only their own conversation is theirs to resume.
  const mine = conversations.find((conversation) => conversation.participantId === identity.participantId);
  const id = mine?.id ?? localStorage.getItem(storageKey(agentId));
  if (!id) return undefined;
  try {
    return await api.getConversation(id);
  } catch (error) {
    if (!AtelierError.is(error, "not_found")) throw error;
    localStorage.removeItem(storageKey(agentId));
    return undefined;
  }
}


function retryAfter(turn: Turn, replyId: string | null): ShareRetry {
  // Once the reply started the visitor's message is stored: only the reply needs writing again.
  return replyId === null && turn.kind === "send" ? turn : { kind: "regenerate" };
}

function describe(error: unknown): { code: string; message: string; retryAt: number | null } {
  if (!(error instanceof AtelierError)) return { code: "internal", message: "Something went wrong. Try again.", retryAt: null };
  const wait = error.retryAfterSeconds;
  return { code: error.code, message: error.message, retryAt: wait === undefined ? null : Date.now() + wait * 1000 };
}
