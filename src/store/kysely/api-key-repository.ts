import { AtelierError, type ApiKey } from "../../contracts/index.js";
import type { ApiKeyRepository, NewApiKey, StoredApiKey, StoredUser } from "../accounts.js";
import { toApiKey, toStoredApiKey, toStoredUser } from "./account-rows.js";
import type { StoreContext } from "./store-context.js";

/** ApiKeyRepository over any Kysely dialect. Keys are looked up by id (the token names it) and checked by hash. */
export class KyselyApiKeyRepository implements ApiKeyRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async create(input: NewApiKey): Promise<ApiKey> {
    const { errors } = this.#context;
    try {
      const row = await this.#context.db
        .insertInto("api_keys")
        .values({
          id: input.id,
          user_id: input.userId,
          name: input.name,
          prefix: input.prefix,
          token_hash: input.tokenHash,
          scopes: JSON.stringify(input.scopes),
          agent_ids: input.agentIds === undefined || input.agentIds === null ? null : JSON.stringify(input.agentIds),
          created_at: input.now,
          last_used_at: null,
          expires_at: input.expiresAt,
          revoked_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toApiKey(row);
    } catch (error) {
      if (errors.isForeignKeyViolation(error)) throw new AtelierError("not_found", `No user "${input.userId}".`, { cause: error });
      if (errors.isUniqueViolation(error)) throw new AtelierError("conflict", `An API key with the id "${input.id}" already exists.`, { cause: error });
      throw error;
    }
  }

  async findById(id: string): Promise<{ key: StoredApiKey; user: StoredUser } | undefined> {
    const row = await this.#context.db
      .selectFrom("api_keys")
      .innerJoin("users", "users.id", "api_keys.user_id")
      .selectAll("api_keys")
      .select([
        "users.email as user_email",
        "users.name as user_name",
        "users.role as user_role",
        "users.password_hash as user_password_hash",
        "users.created_at as user_created_at",
        "users.updated_at as user_updated_at",
      ])
      .where("api_keys.id", "=", id)
      .executeTakeFirst();
    if (!row) return undefined;
    const user = toStoredUser({
      id: row.user_id,
      email: row.user_email,
      name: row.user_name,
      role: row.user_role,
      password_hash: row.user_password_hash,
      created_at: row.user_created_at,
      updated_at: row.user_updated_at,
    });
    return { key: toStoredApiKey(row), user };
  }

  async listForUser(userId: string): Promise<ApiKey[]> {
    const rows = await this.#context.db
      .selectFrom("api_keys")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .execute();
    return rows.map(toApiKey);
  }

  async revoke(input: { userId: string; id: string; now: string }): Promise<boolean> {
    // coalesce keeps the first revocation time, so revoking twice is harmless and changes nothing.
    const result = await this.#context.db
      .updateTable("api_keys")
      .set((eb) => ({ revoked_at: eb.fn.coalesce("revoked_at", eb.val(input.now)) }))
      .where("id", "=", input.id)
      .where("user_id", "=", input.userId)
      .executeTakeFirstOrThrow();
    return result.numUpdatedRows > 0n;
  }

  async touch(input: { id: string; now: string }): Promise<void> {
    await this.#context.db.updateTable("api_keys").set({ last_used_at: input.now }).where("id", "=", input.id).execute();
  }
}
