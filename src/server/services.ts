import type { EngineProvider } from "../engine/chat-engine.js";
import type { AgentsService } from "../runtime/agents-service.js";
import type { AccountsService } from "../runtime/auth/accounts-service.js";
import type { AuditLog } from "../runtime/auth/audit-log.js";
import type { CredentialsService } from "../runtime/auth/credentials-service.js";
import type { AgentDrafter } from "../runtime/agent-drafter.js";
import type { ChatService } from "../runtime/chat-service.js";
import type { KnowledgeService } from "../knowledge/knowledge-service.js";
import type { ModelsService } from "../runtime/models-service.js";
import type { ReplyHub } from "../runtime/reply-hub.js";
import type { EventBus } from "../runtime/events.js";
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
  knowledge: KnowledgeService;
  hub: ReplyHub;
  /** What happens in conversations, for the inbox, live streams and webhooks. */
  events: EventBus;
  accounts: AccountsService;
  credentials: CredentialsService;
  audit: AuditLog;
  /** The authorisation policies guards are built from. */
  access: Access;
  /** SSE heartbeat interval. */
  heartbeatMs: number;
  cookies: { secure: SecureCookies };
}
