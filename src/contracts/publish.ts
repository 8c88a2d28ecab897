import { z } from "zod";
import { PublicAgent, Visibility } from "./agent.js";
import { Conversation, Message } from "./chat.js";

/*
 * Publishing: how visitors reach an agent (share page, widget, API), and what the owner sees of it
 * (the inbox, webhooks, API usage). Everything here is owner data except PublicAgent-like shapes.
 */

export const PublishAgent = z.object({
  /** Unlisted: anyone with the link; public: also listed in the directory (GET /api/public/agents). */
  visibility: Visibility.exclude(["private"]).default("public"),
}).strict();
export type PublishAgent = z.infer<typeof PublishAgent>;

/** The public directory (GET /api/public/agents): public agents as visitors get them, most recently published first. */
export const PublicAgentList = z.object({ agents: z.array(PublicAgent) });
export type PublicAgentList = z.infer<typeof PublicAgentList>;
export const PublicAgentListQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) });

const count = (max: number) => z.number().int().min(0).max(max);

/** Per-visitor and per-agent limits on visitors' messages; 0 turns one off. Owners are never limited. */
export const VisitorLimits = z.object({
  visitorPerMinute: count(10_000).default(10),
  visitorPerDay: count(1_000_000).default(200),
  agentPerMinute: count(100_000).default(120),
  agentPerDay: count(10_000_000).default(5_000),
});
export type VisitorLimits = z.infer<typeof VisitorLimits>;

/** A site's origin: scheme, host and port, nothing else ("https://shop.example", "http://localhost:3000"). */
export const WebOrigin = z.string().trim().toLowerCase().max(300)
  .regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/, "use an origin like https://shop.example (scheme and host, no path)");

/** How an agent is published, beside its versioned profile (changing these makes no version). */
export const PublishSettings = z.object({
  /** Sites allowed to embed the widget (CORS and the domain allow-list). Empty: no other site may. */
  allowedOrigins: z.array(WebOrigin).max(50).default([]),
  /** Hold the agent's replies to visitors as drafts until the owner approves or edits them. */
  reviewReplies: z.boolean().default(false),
  limits: VisitorLimits.prefault({}),
  /** Shown to visitors when a limit is reached. */
  limitMessage: z.string().trim().min(1).max(300).default("You have sent a lot of messages. Please wait a little and try again."),
});
export type PublishSettings = z.infer<typeof PublishSettings>;

export const PublishSettingsPatch = z.object({
  allowedOrigins: PublishSettings.shape.allowedOrigins.unwrap().optional(),
  reviewReplies: z.boolean().optional(),
  limits: VisitorLimits.partial().strict().optional(),
  limitMessage: z.string().trim().min(1).max(300).optional(),
}).strict();
export type PublishSettingsPatch = z.infer<typeof PublishSettingsPatch>;

/** The owner's view of an agent's publication (GET/PATCH /api/agents/:id/publishing). */
export const Publication = z.object({
  agentId: z.string(),
  handle: z.string(),
  visibility: Visibility,
  publishedVersion: z.number().int().nullable(),
  publishedAt: z.string().nullable(),
  /** The latest (draft) version; publishing again pins it. */
  currentVersion: z.number().int(),
  settings: PublishSettings,
  /**
   * Signs identities an embedding site passes for its signed-in users: HMAC-SHA256(secret, userId)
   * in hex. Owner only; rotate it if it leaks.
   */
  identitySecret: z.string(),
  /** Path of the share page, "/a/<handle>". */
  sharePath: z.string(),
});
export type Publication = z.infer<typeof Publication>;

/** A visitor identified by the embedding site: its user id, signed with the agent's identity secret. */
export const IdentifyVisitor = z.object({
  agent: z.string().trim().min(1).max(100).describe("The agent's id or handle"),
  userId: z.string().trim().min(1).max(200),
  /** Hex HMAC-SHA256 of userId with the agent's identity secret. */
  signature: z.string().trim().regex(/^[0-9a-f]{64}$/i, "send the hex HMAC-SHA256 of userId"),
}).strict();
export type IdentifyVisitor = z.infer<typeof IdentifyVisitor>;

/** A conversation as the owner's inbox lists it. */
export const InboxConversation = Conversation.extend({
  agentName: z.string(),
  agentHandle: z.string(),
  /** The latest visible message's first characters, and who wrote it. */
  preview: z.string(),
  previewRole: z.enum(["user", "agent", "owner"]).nullable(),
  /** Something happened since the owner last opened it. */
  unread: z.boolean(),
  /** Replies waiting for the owner's review. */
  pendingReviews: z.number().int().min(0),
});
export type InboxConversation = z.infer<typeof InboxConversation>;

export const InboxQuery = z.object({
  agentId: z.string().max(100).optional(),
  /** Words to find in titles, participants and message text. */
  q: z.string().trim().max(200).optional(),
  unread: z.enum(["true", "false"]).transform((value) => value === "true").optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().max(100).optional().describe("Cursor: conversations older than this id."),
});
export type InboxQuery = z.infer<typeof InboxQuery>;
export const InboxList = z.object({ conversations: z.array(InboxConversation) });
export type InboxList = z.infer<typeof InboxList>;

/** Live inbox updates for the owner (SSE on GET /api/inbox/events). */
export const InboxEvent = z.discriminatedUnion("type", [
  /** A conversation appeared or changed (new message, takeover, read); carries its new summary. */
  z.object({ type: z.literal("conversation"), conversation: InboxConversation }),
  z.object({ type: z.literal("message"), conversationId: z.string(), message: Message }),
  z.object({ type: z.literal("reply-started"), conversationId: z.string(), messageId: z.string() }),
  z.object({ type: z.literal("conversation-deleted"), conversationId: z.string() }),
]);
export type InboxEvent = z.infer<typeof InboxEvent>;

/**
 * The answer to a message (with `stream: false`) when no reply comes back to the sender: the owner
 * took the conversation over ("owner"), or the reply waits for the owner's review ("review"). What
 * follows arrives on the conversation's live stream (GET /api/conversations/:id/live).
 */
export const HeldTurn = z.object({ userMessage: Message.nullable(), held: z.enum(["owner", "review"]) });
export type HeldTurn = z.infer<typeof HeldTurn>;

export const OwnerMessage = z.object({ content: z.string().trim().min(1, "write a message").max(32_000) }).strict();
export type OwnerMessage = z.infer<typeof OwnerMessage>;
/** Approve a held reply as written, or with the owner's edit. */
export const ApproveReply = z.object({ content: z.string().trim().min(1).max(32_000).optional() }).strict();
export type ApproveReply = z.infer<typeof ApproveReply>;

/** Usage of one API key: per UTC day and agent. */
export const ApiKeyUsageRow = z.object({
  day: z.string(),
  agentId: z.string(),
  requests: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
});
export type ApiKeyUsageRow = z.infer<typeof ApiKeyUsageRow>;
export const ApiKeyUsage = z.object({ keyId: z.string(), usage: z.array(ApiKeyUsageRow) });
export type ApiKeyUsage = z.infer<typeof ApiKeyUsage>;

export const WebhookEventType = z.enum(["conversation.created", "message.created", "conversation.taken_over", "conversation.handed_back"]);
export type WebhookEventType = z.infer<typeof WebhookEventType>;
/** What a delivery carries: a subscribed event, or "webhook.test" (POST /api/webhooks/:id/test), which nobody subscribes to. */
export const WebhookDeliveryType = z.enum([...WebhookEventType.options, "webhook.test"]);
export type WebhookDeliveryType = z.infer<typeof WebhookDeliveryType>;

export const CreateWebhook = z.object({
  url: z.string().trim().url().max(2_000).regex(/^https?:\/\//i, "use an http(s) URL"),
  events: z.array(WebhookEventType).min(1, "choose at least one event").max(WebhookEventType.options.length),
  description: z.string().trim().max(200).default(""),
}).strict();
export type CreateWebhook = z.infer<typeof CreateWebhook>;
export const WebhookPatch = z.object({
  url: CreateWebhook.shape.url.optional(),
  events: CreateWebhook.shape.events.optional(),
  description: z.string().trim().max(200).optional(),
  enabled: z.boolean().optional(),
}).strict();
export type WebhookPatch = z.infer<typeof WebhookPatch>;

export const Webhook = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(WebhookEventType),
  description: z.string(),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Webhook = z.infer<typeof Webhook>;
/** `secret` signs deliveries: shown at creation (and rotation) only. */
export const CreatedWebhook = z.object({ webhook: Webhook, secret: z.string() });
export type CreatedWebhook = z.infer<typeof CreatedWebhook>;
export const WebhookList = z.object({ webhooks: z.array(Webhook) });
export type WebhookList = z.infer<typeof WebhookList>;

export const WebhookDelivery = z.object({
  id: z.string(),
  webhookId: z.string(),
  event: WebhookDeliveryType,
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int(),
  /** The receiver's last HTTP status, or null when it could not be reached. */
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;
export const WebhookDeliveryList = z.object({ deliveries: z.array(WebhookDelivery) });
export type WebhookDeliveryList = z.infer<typeof WebhookDeliveryList>;
