import type { Message } from "../../../src/contracts/index.js";

/**
 * A message a page shows before the server has stored it (the user's text in flight, a reply that
 * has just started, a greeting before the conversation exists); the server's copy replaces it.
 */
export function localMessage(fields: Pick<Message, "id" | "conversationId" | "role"> & Partial<Message>): Message {
  return {
    content: "",
    status: "incomplete",
    finishReason: null,
    usage: null,
    model: null,
    agentVersion: null,
    createdAt: new Date().toISOString(),
    completedAt: null,
    firstTokenMs: null,
    durationMs: null,
    replacedBy: null,
    citations: [],
    author: fields.role === "assistant" ? "agent" : null,
    review: null,
    ...fields,
  };
}
