import { z } from "zod";
import { ErrorCode } from "./errors.js";
import { Citation } from "./knowledge.js";

export const Role = z.enum(["system", "user", "assistant"]);
export type Role = z.infer<typeof Role>;

/** A message as the engine sees it: role and text only. */
export const ChatMessage = z.object({ role: Role, content: z.string() });
export type ChatMessage = z.infer<typeof ChatMessage>;

export const FinishReason = z.enum(["stop", "length", "aborted", "error"]);
export type FinishReason = z.infer<typeof FinishReason>;

export const TokenUsage = z.object({
  /** Tokens in the whole prompt the model conditioned on. */
  promptTokens: z.number().int().min(0),
  /** Prompt tokens the engine actually evaluated this turn (the rest came from its KV cache). */
  evaluatedPromptTokens: z.number().int().min(0),
  completionTokens: z.number().int().min(0),
});
export type TokenUsage = z.infer<typeof TokenUsage>;

export const MessageStatus = z.enum(["complete", "incomplete"]);
export type MessageStatus = z.infer<typeof MessageStatus>;

export const Message = z.object({
  id: z.string(),
  conversationId: z.string(),
  role: Role,
  content: z.string(),
  /** An assistant message stays `incomplete` until it finished normally; a crash or abort leaves it so. */
  status: MessageStatus,
  finishReason: FinishReason.nullable(),
  usage: TokenUsage.nullable(),
  model: z.string().nullable(),
  agentVersion: z.number().int().nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  /** Milliseconds from the request to the first token, for assistant replies. */
  firstTokenMs: z.number().nullable(),
  durationMs: z.number().nullable(),
  /** Set when a regenerated reply replaced this one; replaced messages are not part of the history. */
  replacedBy: z.string().nullable(),
  /** The owner's passages the reply was grounded on, numbered as its [n] markers; empty otherwise. */
  citations: z.array(Citation),
});
export type Message = z.infer<typeof Message>;

export const Conversation = z.object({
  id: z.string(),
  agentId: z.string(),
  participantId: z.string(),
  title: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Conversation = z.infer<typeof Conversation>;

/** What clients see while a reply streams (SSE `event:` is the type; `id:` is the sequence number). */
export const ChatEvent = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("message-start"),
    messageId: z.string(),
    conversationId: z.string(),
    userMessageId: z.string().nullable(),
    model: z.string(),
    agentVersion: z.number().int(),
  }),
  z.object({ type: z.literal("text-delta"), messageId: z.string(), delta: z.string() }),
  /** A passage of the agent's knowledge given to the model for this reply; sent before the text. */
  Citation.extend({ type: z.literal("source-cited"), messageId: z.string() }),
  z.object({
    type: z.literal("message-end"),
    messageId: z.string(),
    finishReason: FinishReason,
    usage: TokenUsage,
    firstTokenMs: z.number().nullable(),
    durationMs: z.number(),
  }),
  z.object({ type: z.literal("error"), messageId: z.string().nullable(), code: ErrorCode, message: z.string() }),
]);
export type ChatEvent = z.infer<typeof ChatEvent>;
export type ChatEventType = ChatEvent["type"];
