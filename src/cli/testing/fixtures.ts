import { PassThrough } from "node:stream";
import { AgentProfile, type Agent, type AgentProfileInput, type ChatEvent, type Conversation, type Message } from "../../contracts/index.js";

export function agentFixture(profile: Partial<AgentProfileInput> = {}): Agent {
  return {
    ...AgentProfile.parse({ name: "Ada", greetings: ["Hello, I am Ada."], ...profile }),
    id: "agt_1",
    handle: "ada",
    version: 1,
    ownerId: "usr_1",
    publishedAt: null,
    visibility: "private",
    publishedVersion: null,
    createdAt: "2025-01-02T03:04:05.000Z",
    updatedAt: "2025-01-02T03:04:05.000Z",
  };
}

export function conversationFixture(id = "cnv_1"): Conversation {
  return { id, agentId: "agt_1", participantId: "local", title: "Chat with Ada", mode: "ai", channel: "studio", createdAt: "2025-01-02T03:04:05.000Z", updatedAt: "2025-01-02T03:04:05.000Z" };
}

export function messageFixture(fields: Partial<Message> & Pick<Message, "id" | "role" | "content">): Message {
  return {
    conversationId: "cnv_1",
    status: "complete",
    finishReason: null,
    usage: null,
    model: null,
    agentVersion: 1,
    createdAt: "2025-01-02T03:04:05.000Z",
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

/** The events of one reply: start, one delta per piece, end. */
export function replyEvents(options: { messageId: string; pieces: string[]; finishReason?: "stop" | "length" | "aborted" | "error" }): ChatEvent[] {
  const { messageId } = options;
  return [
    { type: "message-start", messageId, conversationId: "cnv_1", userMessageId: "msg_user", model: "tiny-model", agentVersion: 1 },
    ...options.pieces.map((delta): ChatEvent => ({ type: "text-delta", messageId, delta })),
    {
      type: "message-end",
      messageId,
      finishReason: options.finishReason ?? "stop",
      usage: { promptTokens: 40, evaluatedPromptTokens: 12, completionTokens: 8 },
      firstTokenMs: 100,
      durationMs: 500,
    },
  ];
}

/** A writable that remembers what was written. */
export function captureStream(): PassThrough & { text(): string } {
  const stream = new PassThrough();
  let written = "";
  stream.on("data", (chunk: Buffer) => (written += chunk.toString("utf8")));
  return Object.assign(stream, { text: () => written });
}
