import { mkdirSync } from "node:fs";
import pino, { type Logger as PinoLogger } from "pino";
import { modelsDirOf, type Config } from "../contracts/index.js";
import { CachingEngineProvider } from "../engine/provider.js";
import { defaultEngineFactories } from "../engine/factories.js";
import { AgentsService } from "../runtime/agents-service.js";
import { AccountsService } from "../runtime/auth/accounts-service.js";
import { AuditLog } from "../runtime/auth/audit-log.js";
import { CredentialsService } from "../runtime/auth/credentials-service.js";
import { CompletionsService } from "../runtime/completions-service.js";
import { ChatService } from "../runtime/chat-service.js";
import { QuotaService } from "../runtime/quotas.js";
import { VisitorIdentity } from "../runtime/auth/visitor-identity.js";
import { InboxService } from "../runtime/inbox-service.js";
import { InterchangeService } from "../runtime/interchange-service.js";
import { ReplyHub } from "../runtime/reply-hub.js";
import { EventBus } from "../runtime/events.js";
import { acquireDataDirLock } from "../runtime/data-dir-lock.js";
import { openStore } from "../store/open-store.js";
import { listGgufFiles } from "../engine/local-models.js";
import { AgentDrafter } from "../runtime/agent-drafter.js";
import { ModelsService } from "../runtime/models-service.js";
import { createEmbeddingEngine } from "../engine/embedding-factory.js";
import type { EmbeddingEngine } from "../engine/embedding-engine.js";
import { Indexer } from "../knowledge/indexer.js";
import { KnowledgeService } from "../knowledge/knowledge-service.js";
import { LorebookService } from "../memory/lorebook-service.js";
import { BackgroundQueue } from "../memory/background.js";
import { MemoryService } from "../memory/memory-service.js";
import { WebhookDispatcher } from "../runtime/webhooks/dispatcher.js";
import { WebhookService } from "../runtime/webhooks/webhook-service.js";
import { buildApp } from "./app.js";
import { defaultWebRoot } from "./static-web.js";
import { Access } from "./authz.js";
import type { AppServices } from "./services.js";

const SESSION_SWEEP_MS = 60 * 60 * 1000;

export interface RunningServer {
  url: string;
  /** Whether the built studio is served at `/` (it is not until `npm run build` wrote dist/public). */
  studio: boolean;
  services: AppServices;
  close(): Promise<void>;
}

/**
 * The composition root: opens the store (SQLite or PostgreSQL) and chooses engine adapters from
 * configuration, loads the default model, and listens. Readiness turns green once the model is loaded.
 */
export async function startServer(options: { config: Config; logger?: PinoLogger; waitForModel?: boolean }): Promise<RunningServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config);
  mkdirSync(config.dataDir, { recursive: true });
  // One server per SQLite file: `atelier restore` checks this before swapping the file.
  const lock = config.databaseUrl === undefined ? acquireDataDirLock(config.dataDir) : undefined;
  const store = await openStore(config).catch((error: unknown) => {
    lock?.release();
    throw error;
  });
  const engines = new CachingEngineProvider({ config, factories: defaultEngineFactories({ logger }) });
  const hub = new ReplyHub({ detachGraceMs: config.detachedReplyGraceMs });
  const events = new EventBus();
  const agents = new AgentsService({ agents: store.agents });
  // Loaded once, on first use; a failed load is retried by the next caller.
  let embedding: Promise<EmbeddingEngine | undefined> | undefined;
  const embedder = (): Promise<EmbeddingEngine | undefined> => {
    embedding ??= createEmbeddingEngine({ config, logger }).catch((error: unknown) => {
      embedding = undefined;
      throw error;
    });
    return embedding;
  };
  const indexer = new Indexer({
    repository: store.knowledge,
    embedder,
    chunking: { chunkTokens: config.knowledge.chunkTokens, overlapTokens: Math.min(config.knowledge.overlapTokens, Math.floor(config.knowledge.chunkTokens / 2)) },
    workers: config.knowledge.workers,
    ownsAllLeases: config.databaseUrl === undefined,
    logger,
  });
  const knowledge = new KnowledgeService({
    repository: store.knowledge,
    indexer,
    embedder,
    limits: { maxFileBytes: config.knowledge.maxFileBytes, allowPrivateUrls: config.knowledge.allowPrivateUrls },
    logger,
  });
  const lorebooks = new LorebookService({ store });
  // Memory extraction and summaries run after turns, one at a time; shutdown waits for the one running.
  const background = new BackgroundQueue({ logger });
  const memory = new MemoryService({ store, logger, settings: config.memory, background });
  const chat = new ChatService({
    store, agents, engines, hub, logger, knowledge, events, memory, lorebooks,
    reviewsReplies: async (agent) => (await agents.publishSettings(agent)).reviewReplies,
  });
  const audit = new AuditLog({ repository: store.audit, logger });
  const webhookDispatcher = new WebhookDispatcher({ repository: store.webhooks, events, settings: config.webhooks, ownsAllLeases: config.databaseUrl === undefined, logger });
  const webhooks = new WebhookService({ repository: store.webhooks, dispatcher: webhookDispatcher, audit, allowPrivateUrls: config.webhooks.allowPrivateUrls });
  const { signupMode, sessionTtlDays, secureCookies } = config.auth;
  const modelsDir = modelsDirOf(config);
  const models = new ModelsService({
    defaults: { engine: config.engine, model: config.model },
    engines,
    modelsDir,
    listLocal: async () => (await listGgufFiles(modelsDir)).map(({ name, bytes, modifiedAt }) => ({ name, bytes, modifiedAt })),
    // Loaded on first use: node-llama-cpp's downloader is not needed until someone downloads.
    pull: async (options) => (await import("../engine/llama-cpp/model-files.js")).pullModel({ ...options, modelsDir }),
    logger,
  });
  const services: AppServices = {
    store, engines, agents, chat, hub, events, webhooks,
    audit, models, knowledge, lorebooks, memory,
    inbox: new InboxService({ store, chat, hub, events }),
    interchange: new InterchangeService({ store, agents, knowledge, indexer, maxKnowledgeBytes: config.knowledge.maxFileBytes }),
    drafter: new AgentDrafter({ engines }),
    accounts: new AccountsService({ store, audit, defaultSignupMode: signupMode, sessionTtlDays }),
    credentials: new CredentialsService({ store, audit, sessionTtlDays }),
    identity: new VisitorIdentity({ visitors: store.visitors, agents }),
    quotas: new QuotaService({ counters: store.quotas, settings: (agent) => agents.publishSettings(agent), logger }),
    completions: new CompletionsService({ agents, chat, usage: store.apiKeyUsage, memory, logger }),
    access: new Access({ agents, chat }),
    heartbeatMs: 15_000,
    cookies: { secure: secureCookies },
  };

  const webRoot = defaultWebRoot();
  const app = await buildApp({ services, logger, bodyLimit: config.bodyLimitBytes, uploadLimitBytes: config.knowledge.maxFileBytes, rateLimits: config.rateLimits, trustProxy: config.trustProxy, webRoot });
  // Expired sessions are refused on sight; this only keeps the table from growing without end.
  const sweeper = setInterval(() => {
    store.sessions.deleteExpired(new Date().toISOString()).catch((error: unknown) => logger.warn({ err: error }, "could not delete expired sessions"));
  }, SESSION_SWEEP_MS).unref();
  const warming = engines.warmUp().then(
    () => logger.info({ model: engines.status().detail }, "model ready"),
    (error: unknown) => logger.error({ err: error }, "could not load the default model; requests will retry"),
  );
  if (options.waitForModel ?? true) await warming;
  await indexer.start();
  // Before listening: no request can announce an event the dispatcher would miss.
  await webhookDispatcher.start();
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    studio: webRoot !== undefined,
    services,
    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
        await hub.abortAll("The server is shutting down.");
        // Before the engines go: the job running may be generating with one.
        await background.dispose();
        await indexer[Symbol.asyncDispose]();
        await models[Symbol.asyncDispose]();
        await app.close();
        // After the requests: events of replies cut off above are queued (rows) before the store closes.
        await webhookDispatcher[Symbol.asyncDispose]();
        await warming;
        await engines[Symbol.asyncDispose]();
        await (await embedding?.catch(() => undefined))?.[Symbol.asyncDispose]();
        await store[Symbol.asyncDispose]();
        lock?.release();
      })();
      return closing;
    },
  };
}

/**
 * Credentials and passwords never reach the log, even at debug level or from a stray object; request
 * logs carry no headers or bodies in the first place (Fastify's default serializers).
 */
export function createLogger(config: Pick<Config, "logLevel">, destination?: pino.DestinationStream): PinoLogger {
  return pino({
    level: config.logLevel,
    redact: {
      paths: [
        "req.headers.authorization", "req.headers.cookie", "res.headers[\"set-cookie\"]",
        "password", "*.password", "newPassword", "*.newPassword", "currentPassword", "*.currentPassword",
        "token", "*.token", "apiKey", "*.apiKey", "databaseUrl", "*.databaseUrl",
      ],
      censor: "[redacted]",
    },
  }, destination);
}
