import type { Conversation, ConversationMode, Message, WebhookDeliveryType, WebhookEventType } from "../../contracts/index.js";
import type { DomainEvent } from "../events.js";

/*
 * The body of every delivery: { id, type, createdAt, data }. `id` names the event (the same for
 * every webhook that receives it); the `Atelier-Delivery` header names the delivery (the same on
 * every retry), so receivers de-duplicate on it.
 *
 *   conversation.created       data: { agentId, conversationId, conversation }
 *   message.created            data: { agentId, conversationId, message }   (a visitor's or user's message, a finished agent reply, an owner's message)
 *   conversation.taken_over    data: { agentId, conversationId, mode: "owner", by }
 *   conversation.handed_back   data: { agentId, conversationId, mode: "ai", by }
 *   webhook.test               data: { webhookId, message }
 */

export type WebhookEventData =
  | { agentId: string; conversationId: string; conversation: Conversation }
  | { agentId: string; conversationId: string; message: Message }
  | { agentId: string; conversationId: string; mode: ConversationMode; by: string }
  | { webhookId: string; message: string };

export interface WebhookBody {
  id: string;
  type: WebhookDeliveryType;
  createdAt: string;
  data: WebhookEventData;
}

/**
 * The webhook event a domain event makes, or undefined for those webhooks do not carry. A reply held
 * for review is not a message anyone was sent: it becomes one when the owner approves it (as is or
 * edited), which arrives as an update.
 */
export function webhookEventOf(event: DomainEvent): { type: WebhookEventType; data: WebhookEventData } | undefined {
  const base = { agentId: event.agentId, conversationId: event.conversationId };
  switch (event.type) {
    case "conversation.created":
      return { type: "conversation.created", data: { ...base, conversation: event.conversation } };
    case "message.created":
      if (event.message.review === "pending" || event.message.review === "discarded") return undefined;
      return { type: "message.created", data: { ...base, message: event.message } };
    case "message.updated":
      if (event.message.review !== "approved" && event.message.review !== "edited") return undefined;
      return { type: "message.created", data: { ...base, message: event.message } };
    case "conversation.mode":
      return { type: event.mode === "owner" ? "conversation.taken_over" : "conversation.handed_back", data: { ...base, mode: event.mode, by: event.by } };
    default:
      return undefined;
  }
}

/** The JSON text signed and sent; stored as is, so every attempt sends the same bytes. */
export function webhookBody(body: WebhookBody): string {
  return JSON.stringify(body);
}
