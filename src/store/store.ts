import type { ApiKeyRepository, AuditRepository, InviteRepository, SessionRepository, SettingsRepository, UserRepository, VisitorRepository } from "./accounts.js";
import type { AgentRepository } from "./agents.js";
import type { ApiKeyUsageRepository } from "./api-key-usage.js";
import type { ConversationRepository } from "./conversations.js";
import type { KnowledgeRepository } from "./knowledge.js";
import type { LorebookRepository } from "./lorebooks.js";
import type { MediaRepository } from "./media.js";
import type { MemoryRepository } from "./memories.js";
import type { SummaryRepository } from "./summaries.js";
import type { QuotaRepository } from "./quotas.js";
import type { WebhookRepository } from "./webhooks.js";

/** The repositories of one database, opened and migrated. */
export interface Store extends AsyncDisposable {
  readonly agents: AgentRepository;
  readonly conversations: ConversationRepository;
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly apiKeyUsage: ApiKeyUsageRepository;
  readonly visitors: VisitorRepository;
  readonly invites: InviteRepository;
  readonly audit: AuditRepository;
  readonly settings: SettingsRepository;
  readonly knowledge: KnowledgeRepository;
  readonly quotas: QuotaRepository;
  readonly webhooks: WebhookRepository;
  readonly memories: MemoryRepository;
  readonly summaries: SummaryRepository;
  readonly lorebooks: LorebookRepository;
  readonly media: MediaRepository;
  /** A cheap query that proves the database answers. */
  ping(): Promise<void>;
}
