import { AtelierError, type Invite } from "../../contracts/index.js";
import type { InviteRepository } from "../accounts.js";
import { toInvite } from "./account-rows.js";
import type { StoreContext } from "./store-context.js";

/** InviteRepository over any Kysely dialect. */
export class KyselyInviteRepository implements InviteRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async create(input: { id: string; createdBy: string; email: string | null; tokenHash: string; now: string; expiresAt: string }): Promise<Invite> {
    const { errors } = this.#context;
    try {
      const row = await this.#context.db
        .insertInto("invites")
        .values({
          id: input.id,
          created_by: input.createdBy,
          email: input.email,
          token_hash: input.tokenHash,
          created_at: input.now,
          expires_at: input.expiresAt,
          used_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toInvite(row);
    } catch (error) {
      if (errors.isForeignKeyViolation(error)) throw new AtelierError("not_found", `No user "${input.createdBy}".`, { cause: error });
      if (errors.isUniqueViolation(error)) throw new AtelierError("conflict", `The invite "${input.id}" (or its token) already exists.`, { cause: error });
      throw error;
    }
  }

  async consume(input: { tokenHash: string; email: string; now: string }): Promise<Invite | undefined> {
    // Check and use in one UPDATE: a second sign-up racing for the invite finds used_at set (on
    // PostgreSQL it waits for the first one's row lock, then re-checks) and gets nothing.
    const row = await this.#context.db
      .updateTable("invites")
      .set({ used_at: input.now })
      .where("token_hash", "=", input.tokenHash)
      .where("used_at", "is", null)
      .where("expires_at", ">", input.now)
      .where((eb) => eb.or([eb("email", "is", null), eb("email", "=", input.email)]))
      .returningAll()
      .executeTakeFirst();
    return row && toInvite(row);
  }

  async list(): Promise<Invite[]> {
    const rows = await this.#context.db.selectFrom("invites").selectAll().orderBy("created_at", "desc").orderBy("id", "desc").execute();
    return rows.map(toInvite);
  }
}
