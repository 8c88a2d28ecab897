import { sql } from "kysely";
import { AtelierError } from "../../contracts/index.js";
import type { StoredVisitor, VisitorRepository } from "../accounts.js";
import { toVisitor } from "./account-rows.js";
import type { StoreContext } from "./store-context.js";

/** VisitorRepository over any Kysely dialect. A visitor's conversations carry their id as participant_id. */
export class KyselyVisitorRepository implements VisitorRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async create(input: { id: string; tokenHash: string; now: string; externalKey?: string | null }): Promise<StoredVisitor> {
    const row = { id: input.id, created_at: input.now, last_seen_at: input.now, external_key: input.externalKey ?? null };
    try {
      await this.#context.db.insertInto("visitors").values({ ...row, token_hash: input.tokenHash }).execute();
    } catch (error) {
      if (this.#context.errors.isUniqueViolation(error)) {
        throw new AtelierError("conflict", `The visitor "${input.id}" (or their token or external key) already exists.`, { cause: error });
      }
      throw error;
    }
    return toVisitor(row);
  }

  async get(id: string): Promise<StoredVisitor | undefined> {
    const row = await this.#context.db.selectFrom("visitors").select(["id", "created_at", "last_seen_at", "external_key"]).where("id", "=", id).executeTakeFirst();
    return row && toVisitor(row);
  }

  async findByTokenHash(tokenHash: string): Promise<StoredVisitor | undefined> {
    const row = await this.#context.db.selectFrom("visitors").select(["id", "created_at", "last_seen_at", "external_key"]).where("token_hash", "=", tokenHash).executeTakeFirst();
    return row && toVisitor(row);
  }

  async findByExternalKey(externalKey: string): Promise<StoredVisitor | undefined> {
    const row = await this.#context.db.selectFrom("visitors").select(["id", "created_at", "last_seen_at", "external_key"]).where("external_key", "=", externalKey).executeTakeFirst();
    return row && toVisitor(row);
  }

  async setTokenHash(input: { id: string; tokenHash: string }): Promise<boolean> {
    const result = await this.#context.db.updateTable("visitors").set({ token_hash: input.tokenHash }).where("id", "=", input.id).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async revokeIdentifiedTokens(agentId: string): Promise<number> {
    // A range, not LIKE: ids hold "_", a LIKE wildcard. ";" sorts right after ":", so this is every "<agentId>:…".
    // The stand-in hash is unique (the id) and no SHA-256 hex digest equals it, so no token matches it.
    const result = await this.#context.db.updateTable("visitors")
      .set({ token_hash: sql<string>`'revoked:' || id` })
      .where("external_key", ">=", `${agentId}:`)
      .where("external_key", "<", `${agentId};`)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async touch(input: { id: string; now: string }): Promise<void> {
    await this.#context.db.updateTable("visitors").set({ last_seen_at: input.now }).where("id", "=", input.id).execute();
  }

  delete(id: string): Promise<boolean> {
    return this.#context.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom("visitors").where("id", "=", id).executeTakeFirst();
      // participant_id is free text (an owner may file a conversation under any label), so only a
      // visitor that existed takes conversations with it; messages go by cascade.
      if (result.numDeletedRows === 0n) return false;
      await trx.deleteFrom("conversations").where("participant_id", "=", id).execute();
      // What every agent remembers about them goes with them.
      await trx.deleteFrom("memories").where("participant_id", "=", id).execute();
      return true;
    });
  }
}
