import { sql, type Selectable } from "kysely";
import { AtelierError, Memory, MemoryKind } from "../../contracts/index.js";
import type { MemoryRepository } from "../memories.js";
import type { MemoriesTable } from "./database.js";
import type { StoreContext } from "./store-context.js";
import { parseStored } from "./stored-data.js";

type MemoryRow = Selectable<MemoriesTable>;

const Origin = Memory.shape.origin;

/**
 * MemoryRepository over any Kysely dialect. Every query that reads or deletes more than one row is
 * keyed by both agent and participant, so none can reach across people or agents.
 */
export class KyselyMemoryRepository implements MemoryRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async add(input: Parameters<MemoryRepository["add"]>[0]): Promise<Memory> {
    const row: MemoryRow = {
      id: input.id,
      agent_id: input.agentId,
      participant_id: input.participantId,
      kind: input.kind,
      content: input.content,
      origin: input.origin,
      conversation_id: input.conversationId,
      created_at: input.now,
      updated_at: input.now,
    };
    try {
      await this.#context.db.insertInto("memories").values(row).execute();
    } catch (error) {
      if (this.#context.errors.isForeignKeyViolation(error)) throw await this.#missing(input, error);
      if (this.#context.errors.isUniqueViolation(error)) throw new AtelierError("conflict", `The memory "${input.id}" already exists.`, { cause: error });
      throw error;
    }
    return toMemory(row);
  }

  async get(id: string): Promise<Memory | undefined> {
    const row = await this.#context.db.selectFrom("memories").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toMemory(row);
  }

  async listFor(input: { agentId: string; participantId: string }): Promise<Memory[]> {
    const rows = await this.#context.db.selectFrom("memories").selectAll()
      .where("agent_id", "=", input.agentId).where("participant_id", "=", input.participantId)
      .orderBy("created_at").orderBy("id").execute();
    return rows.map(toMemory);
  }

  async listPeople(input: { agentId: string; limit: number }): Promise<Array<{ participantId: string; memoryCount: number; updatedAt: string }>> {
    const rows = await this.#context.db.selectFrom("memories")
      .select((eb) => ["participant_id", eb.fn.countAll().as("count"), eb.fn.max("updated_at").as("latest")])
      .where("agent_id", "=", input.agentId)
      .groupBy("participant_id")
      .orderBy(sql`max(updated_at)`, "desc").orderBy("participant_id")
      .limit(input.limit)
      .execute();
    return rows.map((row) => ({ participantId: row.participant_id, memoryCount: Number(row.count), updatedAt: row.latest }));
  }

  async update(input: Parameters<MemoryRepository["update"]>[0]): Promise<Memory | undefined> {
    const row = await this.#context.db.updateTable("memories")
      .set({
        ...(input.kind !== undefined && { kind: input.kind }),
        ...(input.content !== undefined && { content: input.content }),
        origin: input.origin,
        updated_at: input.now,
      })
      .where("id", "=", input.id)
      .returningAll().executeTakeFirst();
    return row && toMemory(row);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#context.db.deleteFrom("memories").where("id", "=", id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async deleteFor(input: { agentId: string; participantId: string }): Promise<number> {
    const result = await this.#context.db.deleteFrom("memories")
      .where("agent_id", "=", input.agentId).where("participant_id", "=", input.participantId)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async prune(input: { agentId: string; participantId: string; keep: number }): Promise<number> {
    return this.#context.db.transaction().execute(async (trx) => {
      // What the owner wrote outranks what was extracted; within each, the newest stay.
      const ranked = await trx.selectFrom("memories").select("id")
        .where("agent_id", "=", input.agentId).where("participant_id", "=", input.participantId)
        .orderBy(sql`case when origin = 'owner' then 0 else 1 end`)
        .orderBy("updated_at", "desc").orderBy("id", "desc")
        .execute();
      const doomed = ranked.slice(Math.max(0, input.keep)).map((row) => row.id);
      let deleted = 0;
      // Bounded batches: SQLite caps bound parameters per statement.
      for (let start = 0; start < doomed.length; start += 500) {
        const result = await trx.deleteFrom("memories")
          .where("agent_id", "=", input.agentId).where("participant_id", "=", input.participantId)
          .where("id", "in", doomed.slice(start, start + 500))
          .executeTakeFirst();
        deleted += Number(result.numDeletedRows);
      }
      return deleted;
    });
  }

  /** Which reference an insert's foreign key violation was about. */
  async #missing(input: { agentId: string; conversationId: string | null }, cause: unknown): Promise<AtelierError> {
    const agent = await this.#context.db.selectFrom("agents").select("id").where("id", "=", input.agentId).executeTakeFirst();
    if (!agent || input.conversationId === null) return new AtelierError("not_found", `No agent "${input.agentId}".`, { cause });
    return new AtelierError("not_found", `No conversation "${input.conversationId}".`, { cause });
  }
}

function toMemory(row: MemoryRow): Memory {
  return {
    id: row.id,
    agentId: row.agent_id,
    participantId: row.participant_id,
    kind: parseStored(MemoryKind, row.kind, `kind of memory "${row.id}"`),
    content: row.content,
    origin: parseStored(Origin, row.origin, `origin of memory "${row.id}"`),
    conversationId: row.conversation_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
