import type { EngineProvider } from "../engine/chat-engine.js";
import type { AgentsService } from "../runtime/agents-service.js";
import type { ChatService } from "../runtime/chat-service.js";
import type { ReplyHub } from "../runtime/reply-hub.js";
import type { Store } from "../store/store.js";

/** What route handlers may use; built once in the composition root. */
export interface AppServices {
  store: Store;
  engines: EngineProvider;
  agents: AgentsService;
  chat: ChatService;
  hub: ReplyHub;
  /** SSE heartbeat interval. */
  heartbeatMs: number;
}
