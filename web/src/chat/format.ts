import type { Message } from "../../../src/contracts/chat.js";

/** The server refuses longer messages (PostMessage in src/contracts/api.ts); checked here to explain it first. */
export const MESSAGE_LIMIT = 32_000;

export function formatMs(ms: number | null): string {
  if (ms === null) return "—";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function formatWhen(iso: string): string {
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay
    ? date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleDateString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

/** A short note under a reply that did not finish normally; null when there is nothing to say. */
export function replyNote(message: Message, streaming: boolean): string | null {
  if (message.role !== "assistant" || streaming) return null;
  switch (message.finishReason) {
    case "aborted":
      return "Stopped";
    case "length":
      return "Cut off at the reply length limit";
    case "error":
      return "This reply failed";
    case "stop":
      return null;
    case null:
      return message.status === "incomplete" ? "Unfinished" : null;
  }
}

/** Messages replaced by a regenerated reply are no longer part of the conversation. */
export function visibleMessages(messages: readonly Message[]): Message[] {
  return messages.filter((message) => message.replacedBy === null);
}
