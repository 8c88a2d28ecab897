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

  async create(input: { id: string; tokenHash: string; now: string }): Promise<StoredVisitor> {
    const row = { id: input.id, created_at: input.now, last_seen_at: input.now, external_key: null };
    try {
      await this.#context.db.insertInto("visitors").values({ ...row, token_hash: input.tokenHash }).execute();
    } catch (error) {
      if (this.#context.errors.isUniqueViolation(error)) {
        throw new AtelierError("conflict", `The visitor "${input.id}" (or their token) already exists.`, { cause: error });
      }
      throw error;
    }
    return toVisitor(row);
  }

  async findByTokenHash(tokenHash: string): Promise<StoredVisitor | undefined> {
    const row = await this.#context.db.selectFrom("visitors").select(["id", "created_at", "last_seen_at", "external_key"]).where("token_hash", "=", tokenHash).executeTakeFirst();
    return row && toVisitor(row);
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
      return true;
    });
  }
}
