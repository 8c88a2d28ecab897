import type { Channel, Message } from "../../../../src/contracts/chat.js";
import type { InboxConversation } from "../../../../src/contracts/publish.js";

/** "just now", "5 min ago", "3 h ago", then a date: an inbox is read for what is new. */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 7) return days === 1 ? "yesterday" : `${days} days ago`;
  return new Date(iso).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}

/** The full date and time, for a title/tooltip beside a relative time. */
export function exactTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export const CHANNEL_LABEL: Record<Channel, string> = {
  share: "Share page",
  widget: "Widget",
  api: "API",
  studio: "Studio",
};

/**
 * Who the owner is talking with. Visitors are anonymous, so a short, stable piece of their id tells
 * them apart; an app's own user id (filed through the API) is shown as given.
 */
export function participantLabel(conversation: Pick<InboxConversation, "participantId" | "channel">, ownUserId: string): string {
  const id = conversation.participantId;
  if (id === ownUserId) return "You (studio)";
  if (id.startsWith("vis_")) return `Visitor ${id.slice(-6)}`;
  if (id.startsWith("usr_")) return `User ${id.slice(-6)}`;
  return id.length > 32 ? `${id.slice(0, 31)}…` : id;
}

export type Speaker = "visitor" | "ai" | "owner";

export function speakerOf(message: Message): Speaker {
  if (message.role === "user") return "visitor";
  return message.author === "owner" ? "owner" : "ai";
}

export const SPEAKER_LABEL: Record<Speaker, string> = { visitor: "Visitor", ai: "AI", owner: "You" };

/** Newest activity first; the id breaks ties so the order never flickers between equal times. */
export function newestFirst(a: InboxConversation, b: InboxConversation): number {
  return b.updatedAt.localeCompare(a.updatedAt) || b.id.localeCompare(a.id);
}
