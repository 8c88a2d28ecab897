import { AtelierError, LorebookContent, type Lorebook } from "../../contracts/index.js";
import type { LorebookRepository } from "../lorebooks.js";
import type { LorebooksTable } from "./database.js";
import type { StoreContext } from "./store-context.js";
import { parseStored, parseStoredJson } from "./stored-data.js";

/**
 * LorebookRepository over any Kysely dialect. Every put is one statement whose condition is the
 * revision check (UPDATE … WHERE revision = expected, or INSERT … ON CONFLICT), so two editors
 * saving over the same revision at once cannot both win, on SQLite or on PostgreSQL.
 */
export class KyselyLorebookRepository implements LorebookRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async get(agentId: string): Promise<Lorebook | undefined> {
    const row = await this.#context.db.selectFrom("lorebooks").selectAll().where("agent_id", "=", agentId).executeTakeFirst();
    return row && toLorebook(row);
  }

  async put(input: { agentId: string; content: LorebookContent; expectedRevision?: number | undefined; now: string }): Promise<Lorebook> {
    const { db, errors } = this.#context;
    const checked = LorebookContent.safeParse(input.content);
    // Checked on the way in too: a row this repository wrote must always read back.
    if (!checked.success) throw new AtelierError("validation_failed", `The lorebook is not valid (${checked.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ")}).`);
    const content = JSON.stringify(checked.data);
    const expected = input.expectedRevision;
    let row: LorebooksTable | undefined;
    try {
      if (expected === undefined) {
        row = await db.insertInto("lorebooks")
          .values({ agent_id: input.agentId, revision: 1, content, updated_at: input.now })
          .onConflict((conflict) => conflict.column("agent_id").doUpdateSet((eb) => ({
            revision: eb("lorebooks.revision", "+", 1),
            content: eb.ref("excluded.content"),
            updated_at: eb.ref("excluded.updated_at"),
          })))
          .returningAll().executeTakeFirst();
      } else if (expected === 0) {
        row = await db.insertInto("lorebooks")
          .values({ agent_id: input.agentId, revision: 1, content, updated_at: input.now })
          .onConflict((conflict) => conflict.column("agent_id").doNothing())
          .returningAll().executeTakeFirst();
      } else {
        row = await db.updateTable("lorebooks")
          .set((eb) => ({ revision: eb("revision", "+", 1), content, updated_at: input.now }))
          .where("agent_id", "=", input.agentId).where("revision", "=", expected)
          .returningAll().executeTakeFirst();
      }
    } catch (error) {
      if (errors.isForeignKeyViolation(error)) throw notFound(input.agentId, error);
      throw error;
    }
    if (row) return toLorebook(row);
    throw await this.#refusal(input.agentId, expected ?? 0);
  }

  /** Why a conditional put changed nothing: the agent is gone, or someone saved first. */
  async #refusal(agentId: string, expected: number): Promise<AtelierError> {
    const { db } = this.#context;
    const agent = await db.selectFrom("agents").select("id").where("id", "=", agentId).executeTakeFirst();
    if (!agent) return notFound(agentId);
    const current = await db.selectFrom("lorebooks").select("revision").where("agent_id", "=", agentId).executeTakeFirst();
    return new AtelierError(
      "conflict",
      `The lorebook changed since you loaded it (you edited revision ${expected}, it is now at revision ${current?.revision ?? 0}). Reload it, apply your changes again and save.`,
    );
  }
}

function notFound(agentId: string, cause?: unknown): AtelierError {
  return new AtelierError("not_found", `No agent "${agentId}".`, cause === undefined ? undefined : { cause });
}

/** Parsed, not cast: defaults added to the schema later fill in for lorebooks saved before them. */
function toLorebook(row: LorebooksTable): Lorebook {
  const what = `lorebook of agent "${row.agent_id}" revision ${row.revision}`;
  const content = parseStored(LorebookContent, parseStoredJson(row.content, what), what);
  return { ...content, agentId: row.agent_id, revision: row.revision, updatedAt: row.updated_at };
}
