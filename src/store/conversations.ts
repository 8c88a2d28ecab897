import type { Conversation, FinishReason, Message, MessageStatus, Role, TokenUsage } from "../contracts/index.js";

export interface NewMessage {
  id: string;
  conversationId: string;
  role: Role;
  content: string;
  status: MessageStatus;
  model?: string | null;
  agentVersion?: number | null;
  createdAt: string;
  completedAt?: string | null;
}

export interface MessageCompletion {
  content: string;
  status: MessageStatus;
  finishReason: FinishReason;
  usage: TokenUsage | null;
  completedAt: string;
  firstTokenMs: number | null;
  durationMs: number;
}

/** Conversations and their messages (one aggregate). Writes are durable when the promise resolves. */
export interface ConversationRepository {
  create(input: { id: string; agentId: string; participantId: string; title: string; now: string }): Promise<Conversation>;
  get(id: string): Promise<Conversation | undefined>;
  /** Most recently active first. */
  list(options: { agentId?: string; limit: number; before?: string }): Promise<Conversation[]>;
  delete(id: string): Promise<boolean>;

  /** Appends a message and bumps the conversation's updatedAt. */
  appendMessage(message: NewMessage): Promise<Message>;
  /** Saves streamed text so far; the message stays incomplete. */
  saveProgress(messageId: string, content: string): Promise<void>;
  /** Final state of an assistant reply. */
  completeMessage(messageId: string, completion: MessageCompletion): Promise<Message>;
  /** Marks `oldId` as replaced by `newId` (regenerate); replaced messages leave the history. */
  replaceMessage(oldId: string, newId: string): Promise<void>;
  getMessage(id: string): Promise<Message | undefined>;
  /** Oldest first. `includeReplaced` defaults to false. */
  listMessages(conversationId: string, options?: { includeReplaced?: boolean }): Promise<Message[]>;
}
