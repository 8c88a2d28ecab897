import { mkdirSync } from "node:fs";
import path from "node:path";
import pino, { type Logger as PinoLogger } from "pino";
import type { Config } from "../contracts/index.js";
import { CachingEngineProvider } from "../engine/provider.js";
import { defaultEngineFactories } from "../engine/factories.js";
import { AgentsService } from "../runtime/agents-service.js";
import { ChatService } from "../runtime/chat-service.js";
import { ReplyHub } from "../runtime/reply-hub.js";
import { openPostgresStore } from "../store/postgres/postgres-store.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Store } from "../store/store.js";
import { buildApp } from "./app.js";
import type { AppServices } from "./services.js";

export interface RunningServer {
  url: string;
  services: AppServices;
  close(): Promise<void>;
}

/**
 * The composition root: opens the store (SQLite or PostgreSQL) and chooses engine adapters from
 * configuration, loads the default model, and listens. Readiness turns green once the model is loaded.
 */
export async function startServer(options: { config: Config; logger?: PinoLogger; waitForModel?: boolean }): Promise<RunningServer> {
  const { config } = options;
  const logger = options.logger ?? pino({ level: config.logLevel });
  mkdirSync(config.dataDir, { recursive: true });
  const store = await openStore(config);
  const engines = new CachingEngineProvider({ config, factories: defaultEngineFactories({ logger }) });
  const hub = new ReplyHub({ detachGraceMs: config.detachedReplyGraceMs });
  const agents = new AgentsService({ agents: store.agents });
  const chat = new ChatService({ store, agents, engines, hub, logger });
  const services: AppServices = { store, engines, agents, chat, hub, heartbeatMs: 15_000 };

  const app = await buildApp({ services, logger });
  const warming = engines.warmUp().then(
    () => logger.info({ model: engines.status().detail }, "model ready"),
    (error: unknown) => logger.error({ err: error }, "could not load the default model; requests will retry"),
  );
  if (options.waitForModel ?? true) await warming;
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    services,
    close() {
      closing ??= (async () => {
        await hub.abortAll("The server is shutting down.");
        await app.close();
        await warming;
        await engines[Symbol.asyncDispose]();
        await store[Symbol.asyncDispose]();
      })();
      return closing;
    },
  };
}

/** PostgreSQL when a database URL is configured (several processes can share it); else the embedded SQLite file. */
function openStore(config: Config): Promise<Store> {
  if (config.databaseUrl !== undefined) return openPostgresStore({ connectionString: config.databaseUrl });
  return openSqliteStore({ file: path.join(config.dataDir, "atelier.db") });
}
