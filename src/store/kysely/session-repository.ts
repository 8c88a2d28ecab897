import { AtelierError } from "../../contracts/index.js";
import type { SessionRepository, StoredSession, StoredUser } from "../accounts.js";
import { toSession, toStoredUser } from "./account-rows.js";
import type { StoreContext } from "./store-context.js";

/** SessionRepository over any Kysely dialect. Sessions are found by the hash of their cookie token. */
export class KyselySessionRepository implements SessionRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async create(input: { id: string; userId: string; tokenHash: string; now: string; expiresAt: string }): Promise<StoredSession> {
    const { errors } = this.#context;
    const row = { id: input.id, user_id: input.userId, created_at: input.now, expires_at: input.expiresAt, last_seen_at: input.now };
    try {
      await this.#context.db.insertInto("sessions").values({ ...row, token_hash: input.tokenHash }).execute();
    } catch (error) {
      if (errors.isForeignKeyViolation(error)) throw new AtelierError("not_found", `No user "${input.userId}".`, { cause: error });
      if (errors.isUniqueViolation(error)) throw new AtelierError("conflict", `The session "${input.id}" (or its token) already exists.`, { cause: error });
      throw error;
    }
    return toSession(row);
  }

  async findByTokenHash(tokenHash: string, now: string): Promise<{ session: StoredSession; user: StoredUser } | undefined> {
    const row = await this.#context.db
      .selectFrom("sessions")
      .innerJoin("users", "users.id", "sessions.user_id")
      .selectAll("users")
      .select([
        "sessions.id as session_id",
        "sessions.created_at as session_created_at",
        "sessions.expires_at as session_expires_at",
        "sessions.last_seen_at as session_last_seen_at",
      ])
      .where("sessions.token_hash", "=", tokenHash)
      .where("sessions.expires_at", ">", now)
      .executeTakeFirst();
    if (!row) return undefined;
    const session = toSession({
      id: row.session_id,
      user_id: row.id,
      created_at: row.session_created_at,
      expires_at: row.session_expires_at,
      last_seen_at: row.session_last_seen_at,
    });
    return { session, user: toStoredUser(row) };
  }

  async touch(input: { id: string; now: string; expiresAt: string }): Promise<void> {
    // A session signed out meanwhile stays signed out: touching nothing is not an error.
    await this.#context.db.updateTable("sessions").set({ last_seen_at: input.now, expires_at: input.expiresAt }).where("id", "=", input.id).execute();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#context.db.deleteFrom("sessions").where("id", "=", id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async deleteForUser(userId: string, options?: { exceptId?: string }): Promise<number> {
    let query = this.#context.db.deleteFrom("sessions").where("user_id", "=", userId);
    if (options?.exceptId !== undefined) query = query.where("id", "!=", options.exceptId);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteExpired(now: string): Promise<number> {
    const result = await this.#context.db.deleteFrom("sessions").where("expires_at", "<=", now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
