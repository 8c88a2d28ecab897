import { sql, type Kysely } from "kysely";
import { AtelierError } from "../../contracts/index.js";
import type { Store } from "../store.js";
import { KyselyAgentRepository } from "./agent-repository.js";
import { KyselyApiKeyRepository } from "./api-key-repository.js";
import { KyselyApiKeyUsageRepository } from "./api-key-usage-repository.js";
import { KyselyAuditRepository } from "./audit-repository.js";
import { KyselyConversationRepository } from "./conversation-repository.js";
import type { Database } from "./database.js";
import type { DialectErrors } from "./dialect-errors.js";
import type { SchemaDialect } from "../migrations/schema-dialect.js";
import { KyselyKnowledgeRepository } from "./knowledge-repository.js";
import { KyselyInviteRepository } from "./invite-repository.js";
import { KyselyLorebookRepository } from "./lorebook-repository.js";
import { KyselyMediaRepository } from "./media-repository.js";
import { KyselyMemoryRepository } from "./memory-repository.js";
import { KyselyQuotaRepository } from "./quota-repository.js";
import { KyselySessionRepository } from "./session-repository.js";
import { KyselySettingsRepository } from "./settings-repository.js";
import { KyselySummaryRepository } from "./summary-repository.js";
import type { StoreContext } from "./store-context.js";
import { KyselyUserRepository } from "./user-repository.js";
import { KyselyVisitorRepository } from "./visitor-repository.js";
import { KyselyWebhookRepository } from "./webhook-repository.js";

export interface KyselyStoreOptions {
  /** An open, migrated database. The store owns it from now on and destroys it on dispose. */
  db: Kysely<Database>;
  errors: DialectErrors;
  dialect: SchemaDialect;
  /** Where the data lives, for messages ("SQLite file /x/atelier.db"). */
  description: string;
  /**
   * Resolves once work already under way has finished, where a turn on a connection does not prove
   * it (a pool serves requests on several connections at once). Called on dispose, before destroy.
   */
  drain?: () => Promise<void>;
}

/** The repositories over one Kysely database. Dialects differ only in how they open it. */
export class KyselyStore implements Store {
  readonly agents: KyselyAgentRepository;
  readonly conversations: KyselyConversationRepository;
  readonly users: KyselyUserRepository;
  readonly sessions: KyselySessionRepository;
  readonly apiKeys: KyselyApiKeyRepository;
  readonly apiKeyUsage: KyselyApiKeyUsageRepository;
  readonly visitors: KyselyVisitorRepository;
  readonly invites: KyselyInviteRepository;
  readonly audit: KyselyAuditRepository;
  readonly settings: KyselySettingsRepository;
  readonly knowledge: KyselyKnowledgeRepository;
  readonly quotas: KyselyQuotaRepository;
  readonly webhooks: KyselyWebhookRepository;
  readonly memories: KyselyMemoryRepository;
  readonly summaries: KyselySummaryRepository;
  readonly lorebooks: KyselyLorebookRepository;
  readonly media: KyselyMediaRepository;
  readonly description: string;
  #db: Kysely<Database> | undefined;
  readonly #drain: (() => Promise<void>) | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: KyselyStoreOptions) {
    this.#db = options.db;
    this.description = options.description;
    this.#drain = options.drain;
    const store = this;
    const context: StoreContext = {
      get db() {
        return store.db;
      },
      errors: options.errors,
      dialect: options.dialect,
    };
    this.agents = new KyselyAgentRepository(context);
    this.conversations = new KyselyConversationRepository(context);
    this.users = new KyselyUserRepository(context);
    this.sessions = new KyselySessionRepository(context);
    this.apiKeys = new KyselyApiKeyRepository(context);
    this.apiKeyUsage = new KyselyApiKeyUsageRepository(context);
    this.visitors = new KyselyVisitorRepository(context);
    this.invites = new KyselyInviteRepository(context);
    this.audit = new KyselyAuditRepository(context);
    this.settings = new KyselySettingsRepository(context);
    this.knowledge = new KyselyKnowledgeRepository(context);
    this.quotas = new KyselyQuotaRepository(context);
    this.webhooks = new KyselyWebhookRepository(context);
    this.memories = new KyselyMemoryRepository(context);
    this.summaries = new KyselySummaryRepository(context);
    this.lorebooks = new KyselyLorebookRepository(context);
    this.media = new KyselyMediaRepository(context);
  }

  /** The open database; throws AtelierError("disposed") after dispose. */
  get db(): Kysely<Database> {
    this.ensureOpen();
    return this.#db as Kysely<Database>;
  }

  get disposed(): boolean {
    return this.#db === undefined;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  /** Closes the database once the work already under way is done. Safe to call more than once. */
  [Symbol.asyncDispose](): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    this.#closing ??= db ? closeAfterPendingWork(db, this.#drain) : Promise.resolve();
    return this.#closing;
  }

  protected ensureOpen(): void {
    if (!this.#db) throw new AtelierError("disposed", `The store (${this.description}) is closed; open it again to use it.`);
  }
}

/**
 * Waits for a turn on a connection first: on SQLite that queues behind the open transaction (a
 * reply being completed at shutdown), where destroying at once would cut it off mid-way.
 */
async function closeAfterPendingWork(db: Kysely<Database>, drain: (() => Promise<void>) | undefined): Promise<void> {
  try {
    await db.connection().execute(async () => undefined);
    await drain?.();
  } finally {
    await db.destroy();
  }
}
