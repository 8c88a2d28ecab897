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

export const MessageAuthor = z.enum(["agent", "owner"]);
export type MessageAuthor = z.infer<typeof MessageAuthor>;
export const ReviewState = z.enum(["pending", "approved", "edited", "discarded"]);
export type ReviewState = z.infer<typeof ReviewState>;

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
  /** Who wrote an assistant message: the agent (the model) or its owner, typing after a takeover. Null for user messages. */
  author: MessageAuthor.nullable(),
  /**
   * Review before send: an agent reply held for the owner ("pending"), then "approved" (sent as
   * written), "edited" (sent with the owner's changes) or "discarded". Null when no review applied.
   * Visitors never see pending or discarded replies, and the model's history leaves them out.
   */
  review: ReviewState.nullable(),
});
export type Message = z.infer<typeof Message>;

/** "ai": the agent replies; "owner": the owner took over, the agent is silent until handed back. */
export const ConversationMode = z.enum(["ai", "owner"]);
export type ConversationMode = z.infer<typeof ConversationMode>;
/** Where a conversation came from: the owner's studio, the share page, the website widget, or the API. */
export const Channel = z.enum(["studio", "share", "widget", "api"]);
export type Channel = z.infer<typeof Channel>;

export const Conversation = z.object({
  id: z.string(),
  agentId: z.string(),
  participantId: z.string(),
  title: z.string(),
  mode: ConversationMode,
  channel: Channel,
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
  /**
   * Instead of a reply: the owner has taken the conversation over ("owner"), or the agent's reply
   * waits for the owner's review ("review"). What the owner sends arrives on the conversation's live
   * stream (GET /api/conversations/:id/live).
   */
  z.object({
    type: z.literal("reply-held"),
    conversationId: z.string(),
    userMessageId: z.string().nullable(),
    reason: z.enum(["owner", "review"]),
  }),
]);
export type ChatEvent = z.infer<typeof ChatEvent>;
export type ChatEventType = ChatEvent["type"];

/**
 * What changes in one conversation while it is open (SSE on GET /api/conversations/:id/live): a
 * message added or changed (a visitor's message, a finished reply, the owner's message, an approved
 * draft), a reply starting to stream (follow it at /replies/:messageId/events), or a takeover and
 * hand-back. Visitors get only what they may see: never pending or discarded drafts.
 */
export const ConversationEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("message"), conversationId: z.string(), message: Message }),
  z.object({ type: z.literal("reply-started"), conversationId: z.string(), messageId: z.string() }),
  z.object({ type: z.literal("mode"), conversationId: z.string(), mode: ConversationMode }),
]);
export type ConversationEvent = z.infer<typeof ConversationEvent>;
