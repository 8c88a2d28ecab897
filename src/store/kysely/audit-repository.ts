import { AtelierError, type AuditEvent } from "../../contracts/index.js";
import type { AuditRepository, NewAuditEvent } from "../accounts.js";
import { toAuditEvent } from "./account-rows.js";
import type { StoreContext } from "./store-context.js";

/** AuditRepository over any Kysely dialect: one log per user, and the instance's own (user_id null). */
export class KyselyAuditRepository implements AuditRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async append(event: NewAuditEvent): Promise<void> {
    const { errors } = this.#context;
    try {
      await this.#context.db
        .insertInto("audit_events")
        .values({
          id: event.id,
          user_id: event.userId,
          action: event.action,
          actor: event.actor,
          target_type: event.targetType ?? null,
          target_id: event.targetId ?? null,
          ip: event.ip ?? null,
          detail: JSON.stringify(event.detail ?? {}),
          created_at: event.createdAt,
        })
        .execute();
    } catch (error) {
      if (errors.isForeignKeyViolation(error)) throw new AtelierError("not_found", `No user "${event.userId}" to log the event for.`, { cause: error });
      if (errors.isUniqueViolation(error)) throw new AtelierError("conflict", `An audit event with the id "${event.id}" already exists.`, { cause: error });
      throw error;
    }
  }

  async list(options: { userId: string | null; limit: number; before?: string }): Promise<AuditEvent[]> {
    const { db } = this.#context;
    const { userId } = options;
    // "is null" for the instance's log: "= null" matches nothing in SQL.
    let query = db.selectFrom("audit_events").selectAll().where("user_id", userId === null ? "is" : "=", userId);
    if (options.before !== undefined) {
      // Looked up in the same log, so an event id from another user's log is no cursor here.
      const cursor = await db.selectFrom("audit_events")
        .select(["created_at", "id"])
        .where("id", "=", options.before)
        .where("user_id", userId === null ? "is" : "=", userId)
        .executeTakeFirst();
      if (!cursor) throw new AtelierError("bad_request", `The cursor "${options.before}" is not an event of this log. List again without it.`);
      query = query.where((eb) => eb.or([
        eb("created_at", "<", cursor.created_at),
        eb.and([eb("created_at", "=", cursor.created_at), eb("id", "<", cursor.id)]),
      ]));
    }
    const rows = await query.orderBy("created_at", "desc").orderBy("id", "desc").limit(options.limit).execute();
    return rows.map(toAuditEvent);
  }
}
