import type { Kysely, Selectable, Transaction } from "kysely";
import { z } from "zod";
import { AtelierError, WebhookDeliveryType, WebhookEventType, type WebhookDelivery } from "../../contracts/index.js";
import type { AttemptOutcome, ClaimedDelivery, DeliveryLease, NewWebhook, StoredWebhook, WebhookChanges, WebhookRepository } from "../webhooks.js";
import type { Database, WebhookDeliveriesTable, WebhooksTable } from "./database.js";
import type { StoreContext } from "./store-context.js";
import { parseStored, parseStoredJson } from "./stored-data.js";

const Events = z.array(WebhookEventType);
const DeliveryStatus = z.enum(["pending", "delivered", "failed"]);

/** WebhookRepository over any Kysely dialect; claiming locks rows on PostgreSQL (SKIP LOCKED). */
export class KyselyWebhookRepository implements WebhookRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async create(input: NewWebhook): Promise<StoredWebhook> {
    const { errors } = this.#context;
    try {
      const row = await this.#context.db.insertInto("webhooks").values({
        id: input.id,
        owner_id: input.ownerId,
        url: input.url,
        secret: input.secret,
        events: JSON.stringify(input.events),
        description: input.description,
        enabled: input.enabled ? 1 : 0,
        created_at: input.now,
        updated_at: input.now,
      }).returningAll().executeTakeFirstOrThrow();
      return toWebhook(row);
    } catch (error) {
      if (errors.isForeignKeyViolation(error)) throw new AtelierError("not_found", `No user "${input.ownerId}".`, { cause: error });
      if (errors.isUniqueViolation(error)) throw new AtelierError("conflict", `A webhook with the id "${input.id}" already exists.`, { cause: error });
      throw error;
    }
  }

  async get(id: string): Promise<StoredWebhook | undefined> {
    const row = await this.#context.db.selectFrom("webhooks").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toWebhook(row);
  }

  async list(ownerId: string): Promise<StoredWebhook[]> {
    const rows = await this.#context.db.selectFrom("webhooks").selectAll()
      .where("owner_id", "=", ownerId).orderBy("created_at").orderBy("id").execute();
    return rows.map(toWebhook);
  }

  async update(id: string, changes: WebhookChanges): Promise<StoredWebhook | undefined> {
    const row = await this.#context.db.updateTable("webhooks")
      .set({
        ...(changes.url === undefined ? {} : { url: changes.url }),
        ...(changes.secret === undefined ? {} : { secret: changes.secret }),
        ...(changes.events === undefined ? {} : { events: JSON.stringify(changes.events) }),
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.enabled === undefined ? {} : { enabled: changes.enabled ? 1 : 0 }),
        updated_at: changes.now,
      })
      .where("id", "=", id).returningAll().executeTakeFirst();
    return row && toWebhook(row);
  }

  async delete(id: string): Promise<boolean> {
    // Deliveries go with it by the foreign key's cascade; deleted explicitly too, in case a database runs without it.
    return this.#context.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("webhook_deliveries").where("webhook_id", "=", id).execute();
      const result = await trx.deleteFrom("webhooks").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  async enqueueEvent(input: { ownerId: string; event: WebhookEventType; payload: string; now: string; newId: () => string }): Promise<WebhookDelivery[]> {
    const listeners = (db: Kysely<Database>) => db.selectFrom("webhooks").select(["id", "events"])
      .where("owner_id", "=", input.ownerId).where("enabled", "=", 1).execute()
      .then((hooks) => hooks.filter((hook) => parseEvents(hook.events, hook.id).includes(input.event)));
    // Most events have no listener: a plain read answers that without taking the write lock (a
    // transaction per chat message was measurable in the server-overhead benchmark).
    if ((await listeners(this.#context.db)).length === 0) return [];
    return this.#context.db.transaction().execute(async (trx) => {
      const listening = await listeners(trx);
      if (listening.length === 0) return [];
      const rows = await trx.insertInto("webhook_deliveries")
        .values(listening.map((hook) => pendingRow({ id: input.newId(), webhookId: hook.id, event: input.event, payload: input.payload, now: input.now })))
        .returningAll().execute();
      return rows.map(toDelivery);
    });
  }

  async enqueueTo(input: { id: string; webhookId: string; event: WebhookDeliveryType; payload: string; now: string }): Promise<WebhookDelivery> {
    try {
      const row = await this.#context.db.insertInto("webhook_deliveries").values(pendingRow(input)).returningAll().executeTakeFirstOrThrow();
      return toDelivery(row);
    } catch (error) {
      if (this.#context.errors.isForeignKeyViolation(error)) throw new AtelierError("not_found", `No webhook "${input.webhookId}".`, { cause: error });
      throw error;
    }
  }

  async claimDue(input: { now: string; leaseUntil: string; limit: number }): Promise<ClaimedDelivery[]> {
    const { db, dialect } = this.#context;
    const due = claimable(db, input.now).select("id").orderBy("next_attempt_at").orderBy("id").limit(input.limit);
    // Several PostgreSQL processes claim at once: each skips rows another is claiming.
    const candidates = dialect === "postgres" ? due.forUpdate().skipLocked() : due;
    const rows = await db.updateTable("webhook_deliveries")
      .set({ lease_until: input.leaseUntil })
      .where("id", "in", candidates)
      .returningAll().execute();
    if (rows.length === 0) return [];
    const hooks = await db.selectFrom("webhooks").select(["id", "url", "secret"])
      .where("id", "in", [...new Set(rows.map((row) => row.webhook_id))]).execute();
    const byId = new Map(hooks.map((hook) => [hook.id, hook]));
    const claimed: ClaimedDelivery[] = [];
    for (const row of rows.sort((a, b) => (a.next_attempt_at ?? "").localeCompare(b.next_attempt_at ?? "") || a.id.localeCompare(b.id))) {
      const hook = byId.get(row.webhook_id);
      // Deleted between the claim and this read: its deliveries are gone with it.
      if (!hook) continue;
      claimed.push({ delivery: toDelivery(row), payload: row.payload, url: hook.url, secret: hook.secret, lease: { deliveryId: row.id, leaseUntil: input.leaseUntil } });
    }
    return claimed;
  }

  async nextDueAt(now: string): Promise<string | undefined> {
    const row = await claimable(this.#context.db, undefined, now)
      .select((eb) => eb.fn.min("next_attempt_at").as("next"))
      .executeTakeFirst();
    return row?.next ?? undefined;
  }

  async recordAttempt(lease: DeliveryLease, outcome: AttemptOutcome, now: string): Promise<boolean> {
    const fields = outcome.status === "delivered"
      ? { status: "delivered", last_status: outcome.httpStatus, last_error: null, next_attempt_at: null, delivered_at: now }
      : outcome.status === "retry"
        ? { status: "pending", last_status: outcome.httpStatus, last_error: outcome.error, next_attempt_at: outcome.nextAttemptAt }
        : { status: "failed", last_status: outcome.httpStatus, last_error: outcome.error, next_attempt_at: null };
    const result = await this.#context.db.updateTable("webhook_deliveries")
      .set((eb) => ({ ...fields, attempts: eb("attempts", "+", 1), lease_until: null }))
      .where("id", "=", lease.deliveryId)
      .where("status", "=", "pending")
      .where("lease_until", "=", lease.leaseUntil)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async releaseAllLeases(): Promise<number> {
    const result = await this.#context.db.updateTable("webhook_deliveries").set({ lease_until: null })
      .where("status", "=", "pending").where("lease_until", "is not", null).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async listDeliveries(webhookId: string, limit: number): Promise<WebhookDelivery[]> {
    const rows = await this.#context.db.selectFrom("webhook_deliveries").selectAll()
      .where("webhook_id", "=", webhookId).orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
    return rows.map(toDelivery);
  }

  async pruneFinished(before: string): Promise<number> {
    const result = await this.#context.db.deleteFrom("webhook_deliveries")
      .where("status", "in", ["delivered", "failed"]).where("created_at", "<", before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/**
 * Pending deliveries of enabled webhooks that nobody holds a live claim on; with `dueAt`, only those
 * due by then. A disabled webhook's deliveries wait: enabling it again sends them.
 */
function claimable(db: Kysely<Database> | Transaction<Database>, dueAt: string | undefined, leaseNow: string | undefined = dueAt) {
  let query = db.selectFrom("webhook_deliveries")
    .where("status", "=", "pending")
    .where("webhook_id", "in", (eb) => eb.selectFrom("webhooks").select("id").where("enabled", "=", 1));
  if (dueAt !== undefined) query = query.where("next_attempt_at", "<=", dueAt);
  if (leaseNow !== undefined) query = query.where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", leaseNow)]));
  return query;
}

function pendingRow(input: { id: string; webhookId: string; event: string; payload: string; now: string }): Selectable<WebhookDeliveriesTable> {
  return {
    id: input.id,
    webhook_id: input.webhookId,
    event: input.event,
    payload: input.payload,
    status: "pending",
    attempts: 0,
    next_attempt_at: input.now,
    last_status: null,
    last_error: null,
    lease_until: null,
    created_at: input.now,
    delivered_at: null,
  };
}

function parseEvents(text: string, id: string): WebhookEventType[] {
  return parseStored(Events, parseStoredJson(text, `events of webhook "${id}"`), `events of webhook "${id}"`);
}

function toWebhook(row: Selectable<WebhooksTable>): StoredWebhook {
  return {
    id: row.id,
    ownerId: row.owner_id,
    url: row.url,
    secret: row.secret,
    events: parseEvents(row.events, row.id),
    description: row.description,
    enabled: row.enabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toDelivery(row: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    event: parseStored(WebhookDeliveryType, row.event, `event of webhook delivery "${row.id}"`),
    status: parseStored(DeliveryStatus, row.status, `status of webhook delivery "${row.id}"`),
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    nextAttemptAt: row.status === "pending" ? row.next_attempt_at : null,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}
