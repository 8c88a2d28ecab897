import type { Transaction } from "kysely";
import { AtelierError, type User, type UserRole } from "../../contracts/index.js";
import type { StoredUser, UserRepository } from "../accounts.js";
import { toStoredUser, toUser } from "./account-rows.js";
import type { Database } from "./database.js";
import type { StoreContext } from "./store-context.js";

/** The instance_settings row that serialises "admin-if-first" sign-ups; its value is the first admin's id. */
export const FIRST_ADMIN_KEY = "first_admin";

/** UserRepository over any Kysely dialect. Everything a user owns cascades from the users row. */
export class KyselyUserRepository implements UserRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async create(input: { id: string; email: string; name: string; role: UserRole | "admin-if-first"; passwordHash: string; now: string }): Promise<User> {
    const { id, email, now } = input;
    const { errors } = this.#context;
    try {
      return await this.#context.db.transaction().execute(async (trx) => {
        const isFirstAdmin = input.role === "admin-if-first" && (await claimFirstAdmin(trx, { id, now }));
        const role: UserRole = input.role === "admin-if-first" ? (isFirstAdmin ? "admin" : "owner") : input.role;
        const row = await trx.insertInto("users")
          .values({ id, email, name: input.name, role, password_hash: input.passwordHash, created_at: now, updated_at: now })
          .returningAll()
          .executeTakeFirstOrThrow();
        // Agents made before accounts existed belong to nobody until the instance has its admin.
        if (isFirstAdmin) await trx.updateTable("agents").set({ owner_id: id }).where("owner_id", "is", null).execute();
        return toUser(row);
      });
    } catch (error) {
      if (!errors.isUniqueViolation(error)) throw error;
      if (await this.getByEmail(email)) {
        throw new AtelierError("conflict", `An account with the email "${email}" already exists. Sign in, or use another email.`, { cause: error });
      }
      throw new AtelierError("conflict", `A user with the id "${id}" already exists.`, { cause: error });
    }
  }

  async get(id: string): Promise<StoredUser | undefined> {
    const row = await this.#context.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toStoredUser(row);
  }

  async getByEmail(email: string): Promise<StoredUser | undefined> {
    const row = await this.#context.db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
    return row && toStoredUser(row);
  }

  async list(): Promise<User[]> {
    const rows = await this.#context.db.selectFrom("users").selectAll().orderBy("created_at", "asc").orderBy("id", "asc").execute();
    return rows.map(toUser);
  }

  async count(): Promise<number> {
    const row = await this.#context.db.selectFrom("users").select((eb) => eb.fn.countAll().as("count")).executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async countAdmins(): Promise<number> {
    const row = await this.#context.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll().as("count"))
      .where("role", "=", "admin")
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async setPassword(input: { id: string; passwordHash: string; now: string }): Promise<void> {
    const result = await this.#context.db.updateTable("users")
      .set({ password_hash: input.passwordHash, updated_at: input.now })
      .where("id", "=", input.id)
      .executeTakeFirstOrThrow();
    if (result.numUpdatedRows === 0n) throw new AtelierError("not_found", `No user "${input.id}".`);
  }

  delete(id: string): Promise<boolean> {
    // ON DELETE CASCADE takes sessions, API keys, invites, audit events and agents, and through the
    // agents their versions, conversations, messages, memories and lorebooks. What other people's
    // agents remember about this user is keyed by participant (no foreign key), so it goes here,
    // in the same transaction, and only when the user existed.
    return this.#context.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom("users").where("id", "=", id).executeTakeFirst();
      if (result.numDeletedRows === 0n) return false;
      await trx.deleteFrom("memories").where("participant_id", "=", id).execute();
      return true;
    });
  }
}

/**
 * True when this transaction creates the instance's first user. Writing the marker row first takes
 * its lock (PostgreSQL row lock; SQLite's BEGIN IMMEDIATE already holds the database's), so racing
 * sign-ups count the users one after the other and only one of them sees none. Counting, rather
 * than trusting the marker alone, lets an instance whose every user was deleted get an admin again.
 */
async function claimFirstAdmin(trx: Transaction<Database>, input: { id: string; now: string }): Promise<boolean> {
  await trx.insertInto("instance_settings")
    .values({ key: FIRST_ADMIN_KEY, value: "", updated_at: input.now })
    .onConflict((conflict) => conflict.column("key").doUpdateSet({ key: (eb) => eb.ref("excluded.key") }))
    .execute();
  const row = await trx.selectFrom("users").select((eb) => eb.fn.countAll().as("count")).executeTakeFirstOrThrow();
  if (Number(row.count) > 0) return false;
  await trx.updateTable("instance_settings").set({ value: input.id, updated_at: input.now }).where("key", "=", FIRST_ADMIN_KEY).execute();
  return true;
}
