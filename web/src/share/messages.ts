import type { StreamedChatEvent } from "../../../src/client/http-client.js";
import type { Message } from "../../../src/contracts/chat.js";
import { localMessage } from "../chat/local-message.js";
import { update } from "../chat/reply-events.js";

/*
 * The share page's message list is fed from two sides: this tab's own reply stream, and the
 * conversation's live stream (the owner's messages, approved drafts, other tabs). These pure helpers
 * merge both without duplicates.
 */

const LOCAL_PREFIX = "local-";

export function isLocal(message: Message): boolean {
  return message.id.startsWith(LOCAL_PREFIX);
}

export function newLocalId(): string {
  return `${LOCAL_PREFIX}${crypto.randomUUID()}`;
}


/** A message the visitor typed, shown at once; it gets the server's id when the server stored it. */
export function localUserMessage(conversationId: string, localId: string, content: string): Message {
  return localMessage({ conversationId, id: localId, role: "user", content });
}

/** The local copy of the visitor's message becomes the stored one. */
export function confirmUserMessage(list: Message[], localId: string, storedId: string | null): Message[] {
  if (storedId === null) return list;
  // The live stream may have delivered the stored copy first.
  if (list.some((message) => message.id === storedId)) return list.filter((message) => message.id !== localId);
  return update(list, localId, (message) => ({ ...message, id: storedId, status: "complete" }));
}

/** A reply starts (or, re-attached, starts again from its first event: its text is rebuilt). */
export function startReply(list: Message[], event: Extract<StreamedChatEvent, { type: "message-start" }>, regenerate: boolean): Message[] {
  const existing = list.find((message) => message.id === event.messageId);
  let next = list.filter((message) => message.id !== event.messageId);
  // The server replaces the last reply when regenerating.
  if (regenerate && next.at(-1)?.role === "assistant") next = next.slice(0, -1);
  const reply = localMessage({
    conversationId: event.conversationId,
    id: event.messageId,
    role: "assistant",
    model: event.model,
    agentVersion: event.agentVersion,
    ...(existing ? { createdAt: existing.createdAt } : {}),
  });
  return [...next, reply];
}


/**
 * A message from the live stream. The reply this tab is streaming keeps its streamed text until the
 * stored copy is complete; a visitor message matches this tab's unsent copy by its text.
 */
export function mergeLive(list: Message[], message: Message, streamingId: string | null): Message[] {
  if (message.replacedBy !== null || message.review === "pending" || message.review === "discarded") {
    return list.filter((existing) => existing.id !== message.id);
  }
  if (list.some((existing) => existing.id === message.id)) {
    if (message.id === streamingId && message.status !== "complete") return list;
    return update(list, message.id, () => message);
  }
  if (message.role === "user") {
    const local = list.find((existing) => isLocal(existing) && existing.content === message.content);
    if (local) return update(list, local.id, () => message);
  }
  return [...list, message];
}

/** The server's copy of a conversation, keeping this tab's messages the server has not stored yet. */
export function mergeStored(list: Message[], stored: Message[]): Message[] {
  const unsent = list.filter((message) => isLocal(message) && !stored.some((copy) => copy.role === "user" && copy.content === message.content));
  return [...stored, ...unsent];
}


/** The agent's greeting, shown before the first visit has a conversation (the server stores the same one when it starts). */
export function greetingMessage(text: string): Message {
  return localMessage({ conversationId: "", id: "greeting", role: "assistant", content: text, status: "complete", finishReason: "stop", createdAt: "" });
}
