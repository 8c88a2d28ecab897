/**
 * Narrow, hand-written checks of what the server sends: zod would triple the bundle. Each guard
 * checks only the fields the widget reads; anything else about the payload is the server's contract.
 */
import type { PublicAgent } from "../../src/contracts/agent.js";
import type { VisitorSession } from "../../src/contracts/auth.js";
import type { ChatEvent, ConversationEvent, Message } from "../../src/contracts/chat.js";

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === "string";
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter(isString) : []);

export type WidgetAgent = Pick<PublicAgent, "id" | "handle" | "name" | "tagline" | "avatar" | "greetings" | "openers">;
export type WidgetMessage = Pick<Message, "id" | "role" | "content" | "status" | "finishReason" | "author" | "review">;

export function toAgent(value: unknown): WidgetAgent | undefined {
  if (!isObject(value) || !isString(value.id) || !isString(value.name) || !isString(value.handle)) return undefined;
  return {
    id: value.id,
    handle: value.handle,
    name: value.name,
    tagline: isString(value.tagline) ? value.tagline : "",
    avatar: isString(value.avatar) ? value.avatar : "",
    greetings: strings(value.greetings),
    openers: strings(value.openers),
  };
}

export function toSession(value: unknown): VisitorSession | undefined {
  if (!isObject(value) || !isString(value.visitorId) || !isString(value.token)) return undefined;
  return { visitorId: value.visitorId, token: value.token, csrfToken: isString(value.csrfToken) ? value.csrfToken : "" };
}

export function toMessage(value: unknown): WidgetMessage | undefined {
  if (!isObject(value) || !isString(value.id) || !isString(value.content)) return undefined;
  const role = value.role;
  if (role !== "user" && role !== "assistant") return undefined;
  return {
    id: value.id,
    role,
    content: value.content,
    status: value.status === "incomplete" ? "incomplete" : "complete",
    finishReason: (isString(value.finishReason) ? value.finishReason : null) as Message["finishReason"],
    author: value.author === "owner" ? "owner" : role === "assistant" ? "agent" : null,
    review: (isString(value.review) ? value.review : null) as Message["review"],
  };
}

/** The conversation's id and its messages a visitor may see, or undefined when the shape is wrong. */
export function toConversation(value: unknown): { id: string; messages: WidgetMessage[] } | undefined {
  if (!isObject(value) || !isObject(value.conversation) || !isString(value.conversation.id) || !Array.isArray(value.messages)) return undefined;
  const messages = value.messages.map(toMessage).filter((message): message is WidgetMessage => message !== undefined);
  return { id: value.conversation.id, messages };
}

/** What the widget reads of a reply stream's events (ChatEvent). */
export type ReplyEvent =
  | { type: "message-start"; messageId: string; userMessageId: string | null }
  | { type: "text-delta"; messageId: string; delta: string }
  | { type: "message-end"; messageId: string; finishReason: string }
  | { type: "error"; code: string; message: string }
  | { type: "reply-held"; userMessageId: string | null; reason: string };

/** What the widget reads of the conversation's live stream (ConversationEvent). */
export type LiveEvent =
  | { type: "message"; message: WidgetMessage }
  | { type: "reply-started"; messageId: string }
  | { type: "mode"; mode: Extract<ConversationEvent, { type: "mode" }>["mode"] };

const nullableString = (value: unknown): string | null => (isString(value) ? value : null);

export function toReplyEvent(data: string): ReplyEvent | undefined {
  const value = parse(data);
  if (!isObject(value)) return undefined;
  const messageId = value.messageId;
  switch (value.type as ChatEvent["type"]) {
    case "message-start":
      return isString(messageId) ? { type: "message-start", messageId, userMessageId: nullableString(value.userMessageId) } : undefined;
    case "text-delta":
      return isString(messageId) && isString(value.delta) ? { type: "text-delta", messageId, delta: value.delta } : undefined;
    case "message-end":
      return isString(messageId) ? { type: "message-end", messageId, finishReason: String(value.finishReason) } : undefined;
    case "error":
      return { type: "error", code: String(value.code), message: isString(value.message) ? value.message : "The reply failed." };
    case "reply-held":
      return { type: "reply-held", userMessageId: nullableString(value.userMessageId), reason: String(value.reason) };
    default:
      return undefined; // source-cited and anything newer: nothing to show
  }
}

export function toLiveEvent(data: string): LiveEvent | undefined {
  const value = parse(data);
  if (!isObject(value)) return undefined;
  if (value.type === "message") {
    const message = toMessage(value.message);
    return message ? { type: "message", message } : undefined;
  }
  if (value.type === "reply-started" && isString(value.messageId)) return { type: "reply-started", messageId: value.messageId };
  if (value.type === "mode" && (value.mode === "ai" || value.mode === "owner")) return { type: "mode", mode: value.mode };
  return undefined;
}

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
