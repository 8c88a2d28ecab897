import type { Generated } from "kysely";

/**
 * The stored shape of every table, in one place. Column names are snake_case as stored; the
 * repositories map them to the camelCase contract types. Timestamps are ISO-8601 text written by
 * the caller, so ordering by them is ordering by time as long as every writer uses toISOString().
 */
export interface Database {
  agents: AgentsTable;
  agent_versions: AgentVersionsTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  visitors: VisitorsTable;
  invites: InvitesTable;
  audit_events: AuditEventsTable;
  instance_settings: InstanceSettingsTable;
  knowledge_sources: KnowledgeSourcesTable;
  knowledge_contents: KnowledgeContentsTable;
  knowledge_chunks: KnowledgeChunksTable;
  knowledge_embeddings: KnowledgeEmbeddingsTable;
  api_key_usage: ApiKeyUsageTable;
  quota_counters: QuotaCountersTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  memories: MemoriesTable;
  conversation_summaries: ConversationSummariesTable;
  lorebooks: LorebooksTable;
  media: MediaTable;
}

export interface MemoriesTable {
  id: string;
  agent_id: string;
  /** A visitor's or user's id, as conversations carry it. */
  participant_id: string;
  /** MemoryKind. */
  kind: string;
  content: string;
  /** extracted | owner */
  origin: string;
  /** Null once that conversation is deleted, or when the owner wrote the memory. */
  conversation_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ConversationSummariesTable {
  id: string;
  conversation_id: string;
  content: string;
  through_message_id: string;
  covered_messages: number;
  model: string;
  created_at: string;
}

export interface LorebooksTable {
  agent_id: string;
  revision: number;
  /** LorebookContent as JSON text. */
  content: string;
  updated_at: string;
}

export interface MediaTable {
  sha256: string;
  mime: string;
  bytes: Uint8Array;
  size: number;
  created_at: string;
}

export interface ApiKeyUsageTable {
  key_id: string;
  /** UTC date, "2026-11-24". */
  day: string;
  agent_id: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export interface QuotaCountersTable {
  /** "visitor:<agentId>:<participantId>" or "agent:<agentId>". */
  scope: string;
  /** "m:2026-11-24T10:05" (a minute) or "d:2026-11-24" (a UTC day). */
  period: string;
  count: number;
  expires_at: string;
}

export interface WebhooksTable {
  id: string;
  owner_id: string;
  url: string;
  /** Kept in clear: it signs every delivery (HMAC), so it cannot be hashed. */
  secret: string;
  /** WebhookEventType[] as JSON text. */
  events: string;
  description: string;
  /** 0/1. */
  enabled: number;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  event: string;
  /** The JSON body exactly as signed and sent. */
  payload: string;
  /** pending | delivered | failed */
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  lease_until: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface KnowledgeSourcesTable {
  id: string;
  agent_id: string;
  name: string;
  title: string;
  format: string;
  origin: string;
  url: string | null;
  bytes: number;
  sha256: string;
  status: string;
  /** SourceProgress as JSON text. */
  progress: string;
  error: string | null;
  chunk_count: number;
  embedding_model: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
  updated_at: string;
}

export interface KnowledgeContentsTable {
  source_id: string;
  content: Uint8Array;
}

export interface KnowledgeChunksTable {
  seq: Generated<number>;
  id: string;
  source_id: string;
  agent_id: string;
  position: number;
  /** The source's title, copied so lexical search weighs it without a join. */
  title: string;
  heading: string;
  text: string;
  tokens: number;
}

export interface KnowledgeEmbeddingsTable {
  chunk_seq: number;
  agent_id: string;
  model: string;
  dimensions: number;
  vector: Uint8Array;
}

export interface AgentsTable {
  id: string;
  /** Unique: the URL name of the agent's current version. */
  handle: string;
  current_version: number;
  /** Null only for agents made before accounts existed, until the first admin adopts them. */
  owner_id: string | null;
  /** Null while private. Not versioned: publishing is not an edit of the profile. */
  published_at: string | null;
  /** private | unlisted | public */
  visibility: string;
  /** The version visitors talk to; null while private. */
  published_version: number | null;
  /** PublishSettings as JSON text ("{}" is every default). */
  publish_settings: string;
  /** Signs identities embedding sites pass (HMAC); made on first use. */
  identity_secret: string | null;
  created_at: string;
  updated_at: string;
}

export interface AgentVersionsTable {
  agent_id: string;
  version: number;
  /** AgentProfile as JSON text (text, not jsonb, so one query layer serves SQLite and PostgreSQL). */
  profile: string;
  created_at: string;
}

export interface ConversationsTable {
  id: string;
  agent_id: string;
  participant_id: string;
  title: string;
  /** ai | owner (taken over) */
  mode: string;
  /** studio | share | widget | api */
  channel: string;
  /** When the owner last opened it in the inbox; unread when updated_at is later. */
  owner_read_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface MessagesTable {
  id: string;
  conversation_id: string;
  /** 1, 2, 3… per conversation: the order of the history, independent of clock skew. */
  seq: number;
  role: string;
  content: string;
  status: string;
  finish_reason: string | null;
  /** TokenUsage as three columns: summable in SQL (usage reports), and null together when unknown. */
  prompt_tokens: number | null;
  evaluated_prompt_tokens: number | null;
  completion_tokens: number | null;
  model: string | null;
  agent_version: number | null;
  created_at: string;
  completed_at: string | null;
  first_token_ms: number | null;
  duration_ms: number | null;
  replaced_by: string | null;
  /** Citation[] as JSON text; null when the reply had none. */
  citations: string | null;
  /** agent | owner for assistant messages; null for user messages. */
  author: string | null;
  /** pending | approved | edited | discarded; null when no review applied. */
  review: string | null;
}

export interface UsersTable {
  id: string;
  /** Unique; lowercased by the caller, so equality is the whole comparison. */
  email: string;
  name: string;
  role: string;
  /** argon2id, encoded with its parameters. */
  password_hash: string;
  created_at: string;
  updated_at: string;
}

/** Secrets (session, key, visitor and invite tokens) are stored only as SHA-256 hex of the token. */
export interface SessionsTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
}

export interface ApiKeysTable {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  token_hash: string;
  /** ApiKeyScope[] as JSON text. */
  scopes: string;
  /** Agent ids (JSON text) the key may use through /v1; null: all of its owner's. */
  agent_ids: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface VisitorsTable {
  id: string;
  token_hash: string;
  /** "<agentId>:<userId>" for a visitor an embedding site identified (signed); null for anonymous ones. */
  external_key: string | null;
  created_at: string;
  last_seen_at: string;
}

export interface InvitesTable {
  id: string;
  created_by: string;
  /** When set, only this email may use the invite. */
  email: string | null;
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface AuditEventsTable {
  id: string;
  /** Whose log it is in; null for the instance's own log. */
  user_id: string | null;
  action: string;
  actor: string | null;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  /** AuditEvent["detail"] as JSON text. */
  detail: string;
  created_at: string;
}

export interface InstanceSettingsTable {
  key: string;
  value: string;
  updated_at: string;
}
