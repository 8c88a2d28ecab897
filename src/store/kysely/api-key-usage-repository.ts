import { AtelierError, type ApiKeyUsageRow } from "../../contracts/index.js";
import type { ApiKeyUsageIncrement, ApiKeyUsageRepository } from "../api-key-usage.js";
import type { StoreContext } from "./store-context.js";

/** ApiKeyUsageRepository over any Kysely dialect: one upsert per completion (ON CONFLICT works on both databases). */
export class KyselyApiKeyUsageRepository implements ApiKeyUsageRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async record(increment: ApiKeyUsageIncrement): Promise<void> {
    const { db, errors } = this.#context;
    try {
      await db
        .insertInto("api_key_usage")
        .values({
          key_id: increment.keyId,
          day: increment.day,
          agent_id: increment.agentId,
          requests: increment.requests,
          prompt_tokens: increment.promptTokens,
          completion_tokens: increment.completionTokens,
        })
        .onConflict((conflict) =>
          conflict.columns(["key_id", "day", "agent_id"]).doUpdateSet((eb) => ({
            requests: eb("api_key_usage.requests", "+", eb.ref("excluded.requests")),
            prompt_tokens: eb("api_key_usage.prompt_tokens", "+", eb.ref("excluded.prompt_tokens")),
            completion_tokens: eb("api_key_usage.completion_tokens", "+", eb.ref("excluded.completion_tokens")),
          })),
        )
        .execute();
    } catch (error) {
      if (errors.isForeignKeyViolation(error)) throw new AtelierError("not_found", `No API key "${increment.keyId}".`, { cause: error });
      throw error;
    }
  }

  async listForKey(keyId: string, options: { sinceDay: string }): Promise<ApiKeyUsageRow[]> {
    const rows = await this.#context.db
      .selectFrom("api_key_usage")
      .selectAll()
      .where("key_id", "=", keyId)
      .where("day", ">=", options.sinceDay)
      .orderBy("day", "desc")
      .orderBy("agent_id", "asc")
      .execute();
    return rows.map((row) => ({
      day: row.day,
      agentId: row.agent_id,
      requests: row.requests,
      promptTokens: row.prompt_tokens,
      completionTokens: row.completion_tokens,
    }));
  }
}
