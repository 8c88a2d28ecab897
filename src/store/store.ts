import type { AgentRepository } from "./agents.js";
import type { ConversationRepository } from "./conversations.js";

/** The repositories of one database, opened and migrated. */
export interface Store extends AsyncDisposable {
  readonly agents: AgentRepository;
  readonly conversations: ConversationRepository;
  /** A cheap query that proves the database answers. */
  ping(): Promise<void>;
}
