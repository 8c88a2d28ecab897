import type { Selectable } from "kysely";
import { Channel, ConversationMode, Message, type Conversation, type InboxConversation, type TokenUsage } from "../../contracts/index.js";
import type { ConversationsTable, MessagesTable } from "./database.js";
import { parseStored, parseStoredJson } from "./stored-data.js";

export type MessageRow = Selectable<MessagesTable>;
export type ConversationRow = Selectable<ConversationsTable>;

export function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    agentId: row.agent_id,
    participantId: row.participant_id,
    title: row.title,
    mode: ConversationMode.parse(row.mode),
    channel: Channel.parse(row.channel),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** An inbox row: the conversation with its agent's name and the summary columns the inbox query selects. */
export type InboxRow = ConversationRow & {
  agent_handle: string;
  agent_profile: string;
  preview: string | null;
  preview_role: string | null;
  preview_author: string | null;
  last_author: string | null;
  pending_reviews: number | string | bigint | null;
  unread: number | string | boolean | null;
};

export function toInboxConversation(row: InboxRow, previewChars: number): InboxConversation {
  const profile = parseStoredJson(row.agent_profile, `profile of agent "${row.agent_id}"`) as { name?: unknown };
  const preview = row.preview ?? "";
  return {
    ...toConversation(row),
    agentName: typeof profile.name === "string" ? profile.name : row.agent_handle,
    agentHandle: row.agent_handle,
    preview: preview.length > previewChars ? `${preview.slice(0, previewChars - 1).trimEnd()}…` : preview,
    previewRole: row.preview_role === null ? null : row.preview_role === "user" ? "user" : row.preview_author === "owner" ? "owner" : "agent",
    // Drivers answer a boolean expression as 0/1 (SQLite), true/false or "1" (PostgreSQL).
    unread: row.unread === true || Number(row.unread) === 1,
    pendingReviews: Number(row.pending_reviews ?? 0),
  };
}

/** Parsed with the contract schema so an unknown role or status in the database is a typed error. */
export function toMessage(row: MessageRow): Message {
  return parseStored(
    Message,
    {
      id: row.id,
      conversationId: row.conversation_id,
      role: row.role,
      content: row.content,
      status: row.status,
      finishReason: row.finish_reason,
      usage: usageOf(row),
      model: row.model,
      agentVersion: row.agent_version,
      createdAt: row.created_at,
      completedAt: row.completed_at,
      firstTokenMs: row.first_token_ms,
      durationMs: row.duration_ms,
      replacedBy: row.replaced_by,
      citations: row.citations === null ? [] : parseStoredJson(row.citations, `citations of message "${row.id}"`),
      author: row.author,
      review: row.review,
    },
    `message "${row.id}"`,
  );
}

export function usageColumns(usage: TokenUsage | null): Pick<MessageRow, "prompt_tokens" | "evaluated_prompt_tokens" | "completion_tokens"> {
  return {
    prompt_tokens: usage?.promptTokens ?? null,
    evaluated_prompt_tokens: usage?.evaluatedPromptTokens ?? null,
    completion_tokens: usage?.completionTokens ?? null,
  };
}

function usageOf(row: MessageRow): TokenUsage | null {
  if (row.prompt_tokens === null && row.evaluated_prompt_tokens === null && row.completion_tokens === null) return null;
  // A partly null usage is passed on as is so that the schema reports it as corrupted.
  return {
    promptTokens: row.prompt_tokens as number,
    evaluatedPromptTokens: row.evaluated_prompt_tokens as number,
    completionTokens: row.completion_tokens as number,
  };
}
