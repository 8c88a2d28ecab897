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
}

export interface AgentsTable {
  id: string;
  /** Unique: the URL name of the agent's current version. */
  handle: string;
  current_version: number;
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
}
