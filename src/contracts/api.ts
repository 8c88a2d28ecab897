import { z } from "zod";
import { Agent, AgentVersionSummary } from "./agent.js";
import { Conversation, Message } from "./chat.js";
import { ConversationSummary } from "./memory.js";

export const IdParams = z.object({ id: z.string().min(1).max(100) });
export const AgentVersionParams = IdParams.extend({ version: z.coerce.number().int().min(1) });
export const ReplyParams = z.object({ id: z.string().min(1).max(100), messageId: z.string().min(1).max(100) });

export const Page = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().max(100).optional().describe("Cursor: return items older than this id."),
});

export const AgentList = z.object({ agents: z.array(Agent) });
export type AgentList = z.infer<typeof AgentList>;
export const AgentVersionList = z.object({ versions: z.array(AgentVersionSummary) });
export type AgentVersionList = z.infer<typeof AgentVersionList>;

export const CreateConversation = z.object({
  agentId: z.string().min(1).max(100),
  /** Owners only (an owner's app proxying its users): whose conversation this is. Defaults to the caller. */
  participantId: z.string().trim().min(1).max(200).optional(),
  title: z.string().trim().max(200).optional(),
  /** Where it is happening; the studio's own chat when omitted. */
  channel: z.enum(["studio", "share", "widget"]).optional(),
}).strict();
export type CreateConversation = z.infer<typeof CreateConversation>;

export const ConversationWithMessages = z.object({
  conversation: Conversation,
  messages: z.array(Message),
  /** The latest summary of older messages, when the conversation outgrew the model's context. */
  summary: ConversationSummary.nullable().optional(),
});
export type ConversationWithMessages = z.infer<typeof ConversationWithMessages>;
export const ConversationList = z.object({ conversations: z.array(Conversation) });
export type ConversationList = z.infer<typeof ConversationList>;
export const ConversationListQuery = Page.extend({ agentId: z.string().max(100).optional() });
export type ConversationListQuery = z.infer<typeof ConversationListQuery>;

export const PostMessage = z.object({
  content: z.string().trim().min(1, "write a message").max(32_000),
  /** Stream the reply as Server-Sent Events (default) or wait for the whole reply as JSON. */
  stream: z.boolean().default(true),
}).strict();
export type PostMessage = z.infer<typeof PostMessage>;

export const Regenerate = z.object({ stream: z.boolean().default(true) }).strict();
export type Regenerate = z.infer<typeof Regenerate>;

/** The non-streaming reply. */
export const TurnResult = z.object({ userMessage: Message.nullable(), reply: Message });
export type TurnResult = z.infer<typeof TurnResult>;

export const Health = z.object({ status: z.literal("ok") });
export type Health = z.infer<typeof Health>;
export const Readiness = z.object({
  status: z.enum(["ready", "not_ready"]),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })),
});
export type Readiness = z.infer<typeof Readiness>;

export const AbortResult = z.object({ aborted: z.boolean() });
export type AbortResult = z.infer<typeof AbortResult>;
