import type { SettingsRepository } from "../accounts.js";
import type { StoreContext } from "./store-context.js";

/** SettingsRepository over any Kysely dialect: one row per key. */
export class KyselySettingsRepository implements SettingsRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async get(key: string): Promise<string | undefined> {
    const row = await this.#context.db.selectFrom("instance_settings").select("value").where("key", "=", key).executeTakeFirst();
    return row?.value;
  }

  async set(input: { key: string; value: string; now: string }): Promise<void> {
    await this.#context.db
      .insertInto("instance_settings")
      .values({ key: input.key, value: input.value, updated_at: input.now })
      .onConflict((conflict) => conflict.column("key").doUpdateSet({ value: input.value, updated_at: input.now }))
      .execute();
  }
}
