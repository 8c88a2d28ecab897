import type { StreamedChatEvent } from "../../../src/client/http-client.js";
import type { Message } from "../../../src/contracts/chat.js";
import type { Citation } from "../../../src/contracts/knowledge.js";

/** The list with one message changed. */
export function update(list: Message[], id: string, change: (message: Message) => Message): Message[] {
  return list.map((message) => (message.id === id ? change(message) : message));
}

/** Adds a streamed citation, in marker order; a replayed one (after re-attaching) replaces its earlier copy. */
export function cite(citations: readonly Citation[], citation: Citation): Citation[] {
  return [...citations.filter((existing) => existing.index !== citation.index), citation].sort((a, b) => a.index - b.index);
}

/**
 * What a reply's events do to the message list once the reply exists (its message-start is each
 * page's own business): text is appended, citations collected, the end or a failure recorded.
 * Every page that shows a streaming reply (the studio chat, the share page, the inbox) applies them so.
 */
export function applyReplyEvent(list: Message[], event: StreamedChatEvent): Message[] {
  switch (event.type) {
    case "text-delta":
      return update(list, event.messageId, (message) => ({ ...message, content: message.content + event.delta }));
    case "source-cited": {
      const { index, sourceId, chunkId, title, heading, excerpt } = event;
      return update(list, event.messageId, (message) => ({ ...message, citations: cite(message.citations, { index, sourceId, chunkId, title, heading, excerpt }) }));
    }
    case "message-end": {
      const { finishReason, usage, firstTokenMs, durationMs } = event;
      const status = finishReason === "stop" || finishReason === "length" ? "complete" : "incomplete";
      return update(list, event.messageId, (message) => ({ ...message, status, finishReason, usage, firstTokenMs, durationMs }));
    }
    case "error":
      return event.messageId === null ? list : update(list, event.messageId, (message) => ({ ...message, finishReason: "error" }));
    default:
      return list;
  }
}

/** A stored reply that has not ended yet (no finish reason): a page opening it follows it as it is written. */
export function isBeingWritten(message: Message | undefined): message is Message {
  return message?.role === "assistant" && message.status === "incomplete" && message.finishReason === null;
}

/** A reply the user stopped: what was written stays, marked incomplete. */
export function markStopped(list: Message[], id: string): Message[] {
  return update(list, id, (message) => ({ ...message, status: "incomplete", finishReason: "aborted" }));
}
