import { useCallback, useEffect, useRef, useState } from "react";
import type { StreamedChatEvent } from "../../../src/client/http-client.js";
import { AtelierError } from "../../../src/contracts/errors.js";
import type { Message } from "../../../src/contracts/chat.js";
import type { ConversationSummary } from "../../../src/contracts/memory.js";
import { api } from "../api.js";
import { visibleMessages } from "./format.js";
import { localMessage } from "./local-message.js";
import { applyReplyEvent, isBeingWritten, markStopped, update } from "./reply-events.js";

export type LoadState = { state: "loading" } | { state: "ready" } | { state: "failed"; message: string };

/** What a failed turn can do again: resend a message the server never stored, or write the reply again. */
export type RetryAction = { kind: "send"; content: string; localId: string } | { kind: "regenerate" };

/** What a turn does: a retryable action, or re-attaching to a reply that was streaming when the page loaded. */
type Turn = RetryAction | { kind: "resume"; messageId: string };

export interface TurnError {
  code: string;
  message: string;
  retry: RetryAction;
}

/** A reply being written: `messageId` is null until the server has started it. */
export interface Streaming {
  messageId: string | null;
  stopping: boolean;
}

export interface Chat {
  load: LoadState;
  messages: Message[];
  /** What stands in for older turns that outgrew the model's context; null when nothing was summarised. */
  summary: ConversationSummary | null;
  streaming: Streaming | null;
  turnError: TurnError | null;
  send(content: string): void;
  regenerate(): void;
  stop(): void;
  retry(): void;
  reload(): void;
}

export function errorMessage(error: unknown): { code: string; message: string } {
  if (error instanceof AtelierError) return { code: error.code, message: error.message };
  return { code: "internal", message: "Something went wrong. Try again." };
}

/** One conversation's messages and the reply being streamed into it. */
export function useChat(conversationId: string | undefined): Chat {
  const [load, setLoad] = useState<LoadState>({ state: "loading" });
  const [messages, setMessages] = useState<Message[]>([]);
  const [summary, setSummary] = useState<ConversationSummary | null>(null);
  const [streaming, setStreaming] = useState<Streaming | null>(null);
  const [turnError, setTurnError] = useState<TurnError | null>(null);
  const [loadAttempt, setLoadAttempt] = useState(0);
  const controller = useRef<AbortController | null>(null);
  // Stop can be pressed before the server named the reply; the abort is sent once it does.
  const stopRequested = useRef(false);
  const replyId = useRef<string | null>(null);
  // Each reply is re-attached at most once, so a reply the server no longer streams cannot loop.
  const resumed = useRef(new Set<string>());
  const [pendingResume, setPendingResume] = useState<string | null>(null);

  useEffect(() => {
    setMessages([]);
    setSummary(null);
    setTurnError(null);
    setStreaming(null);
    if (conversationId === undefined) return;
    setLoad({ state: "loading" });
    let current = true;
    api.getConversation(conversationId).then(
      (result) => {
        if (!current) return;
        const visible = visibleMessages(result.messages);
        setMessages(visible);
        setSummary(result.summary ?? null);
        setLoad({ state: "ready" });
        const last = visible.at(-1);
        if (isBeingWritten(last) && !resumed.current.has(last.id)) {
          resumed.current.add(last.id);
          setPendingResume(last.id);
        }
      },
      (error: unknown) => {
        if (current) setLoad({ state: "failed", message: errorMessage(error).message });
      },
    );
    return () => {
      current = false;
      // Leaving a conversation only stops listening: the server finishes and stores the reply.
      controller.current?.abort();
      controller.current = null;
    };
  }, [conversationId, loadAttempt]);

  const runTurn = useCallback(
    async (turn: Turn) => {
      if (conversationId === undefined || controller.current) return;
      const own = new AbortController();
      controller.current = own;
      stopRequested.current = false;
      replyId.current = null;
      setTurnError(null);
      setStreaming({ messageId: turn.kind === "resume" ? turn.messageId : null, stopping: false });
      if (turn.kind === "send") {
        setMessages((list) => [...list.filter((message) => message.id !== turn.localId), localUserMessage(conversationId, turn)]);
      }
      const apply = (event: StreamedChatEvent): void => {
        switch (event.type) {
          case "message-start":
            replyId.current = event.messageId;
            setStreaming((state) => state && { ...state, messageId: event.messageId });
            setMessages((list) => started(list, event, turn));
            if (stopRequested.current) void askToStop(conversationId, event.messageId, own);
            return;
          case "text-delta":
          case "source-cited":
          case "message-end":
            setMessages((list) => applyReplyEvent(list, event));
            return;
          case "error":
            setMessages((list) => applyReplyEvent(list, event));
            setTurnError({ code: event.code, message: event.message, retry: retryAfter(turn, replyId.current) });
            return;
        }
      };
      try {
        const events =
          turn.kind === "send"
            ? api.streamMessage(conversationId, turn.content, { signal: own.signal })
            : turn.kind === "resume"
              ? api.resumeReply(conversationId, turn.messageId, { lastEventId: 0, signal: own.signal })
              : api.streamRegenerate(conversationId, { signal: own.signal });
        for await (const event of events) apply(event);
      } catch (error) {
        if (turn.kind === "resume" && error instanceof AtelierError && error.code === "not_found") {
          // It finished (or was cut off by a restart) between loading and re-attaching: show what was stored.
          setLoadAttempt((attempt) => attempt + 1);
        } else if (own.signal.aborted) {
          if (replyId.current !== null && stopRequested.current) {
            const stopped = replyId.current;
            setMessages((list) => markStopped(list, stopped));
          }
        } else {
          setTurnError({ ...errorMessage(error), retry: retryAfter(turn, replyId.current) });
        }
      } finally {
        if (controller.current === own) {
          controller.current = null;
          setStreaming(null);
        }
      }
    },
    [conversationId],
  );

  useEffect(() => {
    if (pendingResume === null || load.state !== "ready") return;
    setPendingResume(null);
    void runTurn({ kind: "resume", messageId: pendingResume });
  }, [pendingResume, load, runTurn]);

  const stop = useCallback(() => {
    const own = controller.current;
    if (!own || conversationId === undefined || stopRequested.current) return;
    stopRequested.current = true;
    if (replyId.current !== null) void askToStop(conversationId, replyId.current, own);
    setStreaming((state) => state && { ...state, stopping: true });
  }, [conversationId]);

  const retry = useCallback(() => {
    if (turnError) void runTurn(turnError.retry);
  }, [runTurn, turnError]);

  return {
    load,
    summary,
    messages,
    streaming,
    turnError,
    send: (content) => void runTurn({ kind: "send", content, localId: `local-${crypto.randomUUID()}` }),
    regenerate: () => void runTurn({ kind: "regenerate" }),
    stop,
    retry,
    reload: () => setLoadAttempt((attempt) => attempt + 1),
  };
}

/**
 * Asks the server to stop writing. The stream stays open so its closing event brings the exact text
 * the server kept; only when the server cannot be asked does the page stop listening on its own.
 */
export async function askToStop(conversationId: string, messageId: string, own: AbortController): Promise<void> {
  try {
    await api.abortReply(conversationId, messageId);
  } catch {
    own.abort();
  }
}

function retryAfter(turn: Turn, replyId: string | null): RetryAction {
  // Once the reply started the user's message is stored: only the reply needs writing again.
  return replyId === null && turn.kind !== "resume" ? turn : { kind: "regenerate" };
}

function started(list: Message[], event: Extract<StreamedChatEvent, { type: "message-start" }>, turn: Turn): Message[] {
  // A re-attached reply replays from its first event: its partial text is rebuilt, not appended to.
  let next = list.filter((message) => message.id !== event.messageId);
  if (turn.kind === "send" && event.userMessageId !== null) {
    const stored = event.userMessageId;
    next = update(next, turn.localId, (message) => ({ ...message, id: stored, status: "complete" }));
  }
  // The server replaces the last reply when regenerating (see ChatService.regenerate).
  if (turn.kind === "regenerate" && next.at(-1)?.role === "assistant") next = next.slice(0, -1);
  const reply = localMessage({ id: event.messageId, conversationId: event.conversationId, role: "assistant", model: event.model, agentVersion: event.agentVersion });
  return [...next, reply];
}

function localUserMessage(conversationId: string, turn: Extract<RetryAction, { kind: "send" }>): Message {
  return localMessage({ id: turn.localId, conversationId, role: "user", content: turn.content });
}
