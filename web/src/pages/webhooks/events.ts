import type { WebhookDeliveryType, WebhookEventType } from "../../../../src/contracts/index.js";

export const EVENTS: readonly { type: WebhookEventType; label: string; help: string }[] = [
  { type: "conversation.created", label: "New conversation", help: "Someone starts talking to one of your agents." },
  { type: "message.created", label: "New message", help: "Every message: visitors', your agents' finished replies, and yours." },
  { type: "conversation.taken_over", label: "Taken over", help: "You take a conversation over from the agent." },
  { type: "conversation.handed_back", label: "Handed back", help: "You hand a conversation back to the agent." },
];

export function eventLabel(type: WebhookDeliveryType): string {
  return type === "webhook.test" ? "Test" : EVENTS.find((event) => event.type === type)?.label ?? type;
}

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}
