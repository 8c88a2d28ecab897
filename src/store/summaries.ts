import type { ConversationSummary } from "../contracts/index.js";

/** Summaries of a conversation's older messages; the one covering the most messages is in force. Deleted with the conversation. */
export interface SummaryRepository {
  /** Throws not_found when the conversation does not exist. */
  add(input: {
    id: string;
    conversationId: string;
    content: string;
    throughMessageId: string;
    coveredMessages: number;
    model: string;
    now: string;
  }): Promise<ConversationSummary>;
  /** The summary covering the most messages (the newest of equals). */
  latest(conversationId: string): Promise<ConversationSummary | undefined>;
  /** Oldest first. */
  list(conversationId: string): Promise<ConversationSummary[]>;
}
