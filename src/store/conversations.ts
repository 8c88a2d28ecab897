import type { Channel, Citation, Conversation, ConversationMode, InboxConversation, MessageAuthor, ReviewState, FinishReason, Message, MessageStatus, Role, TokenUsage } from "../contracts/index.js";

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
  /** The passages an assistant reply is grounded on, known when it starts. */
  citations?: readonly Citation[] | undefined;
  /** Assistant messages: "agent" (default) or "owner". Ignored for user messages. */
  author?: MessageAuthor | undefined;
  review?: ReviewState | null | undefined;
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
  /** Throws not_found when the agent does not exist, conflict when the id is taken. */
  create(input: { id: string; agentId: string; participantId: string; title: string; now: string; channel?: Channel | undefined }): Promise<Conversation>;
  get(id: string): Promise<Conversation | undefined>;
  /**
   * Most recently active first, by (updatedAt, id). `before` is a conversation id: only conversations
   * strictly older than it in that order. Throws bad_request when `before` names no conversation.
   * Filters combine: `ownerId` keeps conversations with that user's agents, `participantId` those
   * of that participant (a visitor id, a user id, or a label an owner chose).
   */
  list(options: { agentId?: string; ownerId?: string; participantId?: string; limit: number; before?: string }): Promise<Conversation[]>;
  delete(id: string): Promise<boolean>;

  /**
   * Appends a message after every earlier one (order is append order, not createdAt) and sets the
   * conversation's updatedAt to its createdAt, atomically. Throws not_found (conversation), conflict (id).
   */
  appendMessage(message: NewMessage): Promise<Message>;
  /**
   * appendMessage for several messages of one conversation, in order and in one transaction (a turn's
   * question and the reply placeholder: one commit instead of two). Throws bad_request when they are
   * not all in one conversation; not_found and conflict as appendMessage, storing none of them.
   */
  appendMessages(messages: readonly NewMessage[]): Promise<Message[]>;
  /** Saves streamed text so far; the message stays incomplete. Throws not_found. */
  saveProgress(messageId: string, content: string): Promise<void>;
  /** Final state of an assistant reply. Throws not_found. */
  completeMessage(messageId: string, completion: MessageCompletion): Promise<Message>;
  /** Marks `oldId` as replaced by `newId` (regenerate); replaced messages leave the history. Throws not_found (oldId). */
  replaceMessage(oldId: string, newId: string): Promise<void>;
  getMessage(id: string): Promise<Message | undefined>;
  /** Oldest first. `includeReplaced` defaults to false. */
  listMessages(conversationId: string, options?: { includeReplaced?: boolean }): Promise<Message[]>;

  /** Takeover ("owner") and hand-back ("ai"); updatedAt is left alone (it orders by activity). Throws not_found. */
  setMode(id: string, mode: ConversationMode): Promise<Conversation>;
  /** The owner opened the conversation at `at`: it is read until something newer happens. Throws not_found. */
  markRead(id: string, at: string): Promise<void>;
  /**
   * Review before send: sets a reply's review state, and its text when given (an owner's edit).
   * Throws not_found.
   */
  setReview(messageId: string, review: ReviewState, content?: string): Promise<Message>;
  /** The owner's inbox: see InboxOptions. Throws bad_request for an unknown `before` cursor. */
  inbox(options: InboxOptions): Promise<InboxConversation[]>;
}

export interface InboxOptions {
  /** Conversations with this user's agents. */
  ownerId: string;
  agentId?: string | undefined;
  /** Only this conversation (one summary, for live updates). */
  conversationId?: string | undefined;
  /** Words found (case-insensitively) in the title, the participant id or any message. */
  q?: string | undefined;
  /** Only unread ones. */
  unread?: boolean | undefined;
  limit: number;
  /** Ordered like list(): (updatedAt, id) descending; a conversation id as the cursor. */
  before?: string | undefined;
}

/** Characters of the latest visible message an inbox entry shows. */
export const PREVIEW_CHARS = 160;
