import type { QuotaRepository } from "../quotas.js";
import type { StoreContext } from "./store-context.js";

/** QuotaRepository over any Kysely dialect: one upsert per count, the same SQL on SQLite and PostgreSQL. */
export class KyselyQuotaRepository implements QuotaRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async add(input: { scope: string; period: string; expiresAt: string; by?: number }): Promise<number> {
    const by = input.by ?? 1;
    // One statement: the row lock (PostgreSQL) or the single writer (SQLite) makes read-add-return atomic.
    const row = await this.#context.db
      .insertInto("quota_counters")
      .values({ scope: input.scope, period: input.period, count: by, expires_at: input.expiresAt })
      .onConflict((conflict) => conflict.columns(["scope", "period"]).doUpdateSet((eb) => ({ count: eb("quota_counters.count", "+", by) })))
      .returning("count")
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async get(input: { scope: string; period: string }): Promise<number> {
    const row = await this.#context.db.selectFrom("quota_counters").select("count")
      .where("scope", "=", input.scope).where("period", "=", input.period).executeTakeFirst();
    return row ? Number(row.count) : 0;
  }

  async deleteExpired(now: string): Promise<number> {
    const result = await this.#context.db.deleteFrom("quota_counters").where("expires_at", "<=", now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
