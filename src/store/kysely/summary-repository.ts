import type { Selectable } from "kysely";
import { AtelierError, type ConversationSummary } from "../../contracts/index.js";
import type { SummaryRepository } from "../summaries.js";
import type { ConversationSummariesTable } from "./database.js";
import type { StoreContext } from "./store-context.js";

type SummaryRow = Selectable<ConversationSummariesTable>;

/** SummaryRepository over any Kysely dialect. Summaries go with their conversation (cascade). */
export class KyselySummaryRepository implements SummaryRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async add(input: Parameters<SummaryRepository["add"]>[0]): Promise<ConversationSummary> {
    const row: SummaryRow = {
      id: input.id,
      conversation_id: input.conversationId,
      content: input.content,
      through_message_id: input.throughMessageId,
      covered_messages: input.coveredMessages,
      model: input.model,
      created_at: input.now,
    };
    try {
      await this.#context.db.insertInto("conversation_summaries").values(row).execute();
    } catch (error) {
      if (this.#context.errors.isForeignKeyViolation(error)) throw new AtelierError("not_found", `No conversation "${input.conversationId}".`, { cause: error });
      if (this.#context.errors.isUniqueViolation(error)) throw new AtelierError("conflict", `The summary "${input.id}" already exists.`, { cause: error });
      throw error;
    }
    return toSummary(row);
  }

  async latest(conversationId: string): Promise<ConversationSummary | undefined> {
    const row = await this.#context.db.selectFrom("conversation_summaries").selectAll()
      .where("conversation_id", "=", conversationId)
      .orderBy("covered_messages", "desc").orderBy("created_at", "desc").orderBy("id", "desc")
      .limit(1).executeTakeFirst();
    return row && toSummary(row);
  }

  async list(conversationId: string): Promise<ConversationSummary[]> {
    const rows = await this.#context.db.selectFrom("conversation_summaries").selectAll()
      .where("conversation_id", "=", conversationId)
      .orderBy("created_at").orderBy("id").execute();
    return rows.map(toSummary);
  }
}

function toSummary(row: SummaryRow): ConversationSummary {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    content: row.content,
    throughMessageId: row.through_message_id,
    coveredMessages: row.covered_messages,
    model: row.model,
    createdAt: row.created_at,
  };
}
