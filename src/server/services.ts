import type { EngineProvider } from "../engine/chat-engine.js";
import type { AgentsService } from "../runtime/agents-service.js";
import type { AccountsService } from "../runtime/auth/accounts-service.js";
import type { AuditLog } from "../runtime/auth/audit-log.js";
import type { CredentialsService } from "../runtime/auth/credentials-service.js";
import type { AgentDrafter } from "../runtime/agent-drafter.js";
import type { ChatService } from "../runtime/chat-service.js";
import type { VisitorQuotas } from "../runtime/quotas.js";
import type { VisitorIdentity } from "../runtime/auth/visitor-identity.js";
import type { InboxService } from "../runtime/inbox-service.js";
import type { InterchangeService } from "../runtime/interchange-service.js";
import type { CompletionsService } from "../runtime/completions-service.js";
import type { KnowledgeService } from "../knowledge/knowledge-service.js";
import type { LorebookService } from "../memory/lorebook-service.js";
import type { MemoryService } from "../memory/memory-service.js";
import type { ModelsService } from "../runtime/models-service.js";
import type { ReplyHub } from "../runtime/reply-hub.js";
import type { EventBus } from "../runtime/events.js";
import type { WebhookService } from "../runtime/webhooks/webhook-service.js";
import type { Store } from "../store/store.js";
import type { Access } from "./authz.js";
import type { SecureCookies } from "./cookies.js";

/** What route handlers may use; built once in the composition root. */
export interface AppServices {
  store: Store;
  engines: EngineProvider;
  agents: AgentsService;
  drafter: AgentDrafter;
  models: ModelsService;
  chat: ChatService;
  /** The owner's inbox: takeover, review, live streams. */
  inbox: InboxService;
  /** The OpenAI-compatible API under /v1. */
  completions: CompletionsService;
  knowledge: KnowledgeService;
  /** Agents' lorebooks (world info): editing, import, and the entries chosen for each turn. */
  lorebooks: LorebookService;
  /** What agents remember about each person (owner's view, visitors' own), and summaries of long conversations. */
  memory: MemoryService;
  /** Agents in and out as files (cards, elizaOS, bundles) and avatars in the media store. */
  interchange: InterchangeService;
  hub: ReplyHub;
  /** What happens in conversations, for the inbox, live streams and webhooks. */
  events: EventBus;
  /** Owners' webhooks: registration, test sends, delivery history (the dispatcher sends in the background). */
  webhooks: WebhookService;
  accounts: AccountsService;
  credentials: CredentialsService;
  /** Visitors an embedding site signs for (POST /api/visitors/identify). */
  identity: VisitorIdentity;
  /** Limits on visitors' messages, from each agent's publish settings. */
  quotas: VisitorQuotas;
  audit: AuditLog;
  /** The authorisation policies guards are built from. */
  access: Access;
  /** SSE heartbeat interval. */
  heartbeatMs: number;
  cookies: { secure: SecureCookies };
}
