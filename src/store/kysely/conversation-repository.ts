import { sql, type ExpressionBuilder, type SqlBool } from "kysely";
import { AtelierError, type Channel, type Conversation, type ConversationMode, type InboxConversation, type Message, type ReviewState } from "../../contracts/index.js";
import { PREVIEW_CHARS, type ConversationRepository, type InboxOptions, type MessageCompletion, type NewMessage } from "../conversations.js";
import type { Database } from "./database.js";
import { toConversation, toInboxConversation, toMessage, usageColumns, type InboxRow } from "./message-rows.js";
import type { StoreContext } from "./store-context.js";

/** ConversationRepository over any Kysely dialect. Messages are ordered by a per-conversation seq. */
export class KyselyConversationRepository implements ConversationRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async create(input: { id: string; agentId: string; participantId: string; title: string; now: string; channel?: Channel | undefined }): Promise<Conversation> {
    const { errors } = this.#context;
    try {
      const row = await this.#context.db
        .insertInto("conversations")
        .values({
          id: input.id,
          agent_id: input.agentId,
          participant_id: input.participantId,
          title: input.title,
          mode: "ai",
          channel: input.channel ?? "studio",
          owner_read_at: null,
          created_at: input.now,
          updated_at: input.now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toConversation(row);
    } catch (error) {
      if (errors.isForeignKeyViolation(error)) throw new AtelierError("not_found", `No agent "${input.agentId}".`, { cause: error });
      if (errors.isUniqueViolation(error)) {
        throw new AtelierError("conflict", `A conversation with the id "${input.id}" already exists.`, { cause: error });
      }
      throw error;
    }
  }

  async get(id: string): Promise<Conversation | undefined> {
    const row = await this.#context.db.selectFrom("conversations").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toConversation(row);
  }

  async list(options: { agentId?: string; ownerId?: string; participantId?: string; limit: number; before?: string }): Promise<Conversation[]> {
    const { db } = this.#context;
    let query = db.selectFrom("conversations").selectAll("conversations");
    if (options.agentId !== undefined) query = query.where("conversations.agent_id", "=", options.agentId);
    if (options.participantId !== undefined) query = query.where("conversations.participant_id", "=", options.participantId);
    if (options.ownerId !== undefined) {
      // A join rather than a stored owner column: an agent's owner is written in one place only.
      const ownerId = options.ownerId;
      query = query.innerJoin("agents", (join) => join.onRef("agents.id", "=", "conversations.agent_id").on("agents.owner_id", "=", ownerId));
    }
    if (options.before !== undefined) {
      const cursor = await db.selectFrom("conversations").select(["updated_at", "id"]).where("id", "=", options.before).executeTakeFirst();
      // An unknown cursor is an error rather than an empty page, which would read as "no more conversations".
      if (!cursor) {
        throw new AtelierError("bad_request", `The cursor "${options.before}" is not a conversation (it may have been deleted). List again without it.`);
      }
      query = query.where((eb) => eb.or([
        eb("conversations.updated_at", "<", cursor.updated_at),
        eb.and([eb("conversations.updated_at", "=", cursor.updated_at), eb("conversations.id", "<", cursor.id)]),
      ]));
    }
    const rows = await query
      .orderBy("conversations.updated_at", "desc")
      .orderBy("conversations.id", "desc")
      .limit(options.limit)
      .execute();
    return rows.map(toConversation);
  }

  async delete(id: string): Promise<boolean> {
    // One statement is its own transaction; ON DELETE CASCADE removes the messages.
    const result = await this.#context.db.deleteFrom("conversations").where("id", "=", id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async appendMessage(message: NewMessage): Promise<Message> {
    const [stored] = await this.appendMessages([message]);
    return stored!;
  }

  appendMessages(messages: readonly NewMessage[]): Promise<Message[]> {
    const { errors } = this.#context;
    const conversationId = messages[0]?.conversationId;
    if (conversationId === undefined) return Promise.resolve([]);
    if (messages.some((message) => message.conversationId !== conversationId)) {
      return Promise.reject(new AtelierError("bad_request", "Messages appended together must belong to one conversation."));
    }
    return this.#context.db.transaction().execute(async (trx) => {
      // Writing the conversation row first takes its write lock before seq is read, so concurrent
      // appends (PostgreSQL connections, other SQLite processes) queue here instead of racing for a seq.
      const bumped = await trx.updateTable("conversations")
        .set({ updated_at: messages.at(-1)!.createdAt })
        .where("id", "=", conversationId)
        .executeTakeFirstOrThrow();
      if (bumped.numUpdatedRows === 0n) throw new AtelierError("not_found", `No conversation "${conversationId}".`);
      const last = await trx.selectFrom("messages")
        .select("seq")
        .where("conversation_id", "=", conversationId)
        .orderBy("seq", "desc")
        .limit(1)
        .executeTakeFirst();
      let seq = last?.seq ?? 0;
      const stored: Message[] = [];
      for (const message of messages) {
        seq += 1;
        try {
          const row = await trx.insertInto("messages")
            .values({
              id: message.id,
              conversation_id: conversationId,
              seq,
              role: message.role,
              content: message.content,
              status: message.status,
              finish_reason: null,
              ...usageColumns(null),
              model: message.model ?? null,
              agent_version: message.agentVersion ?? null,
              created_at: message.createdAt,
              completed_at: message.completedAt ?? null,
              first_token_ms: null,
              duration_ms: null,
              replaced_by: null,
              citations: message.citations && message.citations.length > 0 ? JSON.stringify(message.citations) : null,
              author: message.role === "assistant" ? (message.author ?? "agent") : null,
              review: message.review ?? null,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          stored.push(toMessage(row));
        } catch (error) {
          if (errors.isUniqueViolation(error)) {
            throw new AtelierError("conflict", `A message with the id "${message.id}" already exists.`, { cause: error });
          }
          throw error;
        }
      }
      return stored;
    });
  }

  async saveProgress(messageId: string, content: string): Promise<void> {
    const result = await this.#context.db.updateTable("messages").set({ content }).where("id", "=", messageId).executeTakeFirstOrThrow();
    if (result.numUpdatedRows === 0n) throw messageNotFound(messageId);
  }

  async completeMessage(messageId: string, completion: MessageCompletion): Promise<Message> {
    const row = await this.#context.db
      .updateTable("messages")
      .set({
        content: completion.content,
        status: completion.status,
        finish_reason: completion.finishReason,
        ...usageColumns(completion.usage),
        completed_at: completion.completedAt,
        first_token_ms: completion.firstTokenMs,
        duration_ms: completion.durationMs,
      })
      .where("id", "=", messageId)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw messageNotFound(messageId);
    return toMessage(row);
  }

  async replaceMessage(oldId: string, newId: string): Promise<void> {
    const result = await this.#context.db.updateTable("messages").set({ replaced_by: newId }).where("id", "=", oldId).executeTakeFirstOrThrow();
    if (result.numUpdatedRows === 0n) throw messageNotFound(oldId);
  }

  async setMode(id: string, mode: ConversationMode): Promise<Conversation> {
    const row = await this.#context.db.updateTable("conversations").set({ mode }).where("id", "=", id).returningAll().executeTakeFirst();
    if (!row) throw new AtelierError("not_found", `No conversation "${id}".`);
    return toConversation(row);
  }

  async markRead(id: string, at: string): Promise<void> {
    const result = await this.#context.db.updateTable("conversations").set({ owner_read_at: at }).where("id", "=", id).executeTakeFirstOrThrow();
    if (result.numUpdatedRows === 0n) throw new AtelierError("not_found", `No conversation "${id}".`);
  }

  async setReview(messageId: string, review: ReviewState, content?: string): Promise<Message> {
    const row = await this.#context.db
      .updateTable("messages")
      .set(content === undefined ? { review } : { review, content })
      .where("id", "=", messageId)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw messageNotFound(messageId);
    return toMessage(row);
  }

  async inbox(options: InboxOptions): Promise<InboxConversation[]> {
    const { db } = this.#context;
    const { ownerId } = options;
    let query = db
      .selectFrom("conversations as c")
      .innerJoin("agents as a", (join) => join.onRef("a.id", "=", "c.agent_id").on("a.owner_id", "=", ownerId))
      .innerJoin("agent_versions as v", (join) => join.onRef("v.agent_id", "=", "a.id").onRef("v.version", "=", "a.current_version"))
      // The owner's own chats with their agents are the studio's, not the inbox's.
      .whereRef("c.participant_id", "<>", "a.owner_id")
      .selectAll("c")
      .select((eb) => [
        "a.handle as agent_handle",
        "v.profile as agent_profile",
        latestMessage(eb, true).select(sql<string>`substr(m.content, 1, ${PREVIEW_CHARS + 1})`.as("t")).as("preview"),
        latestMessage(eb, true).select("m.role").as("preview_role"),
        latestMessage(eb, true).select("m.author").as("preview_author"),
        latestMessage(eb, false).select("m.author").as("last_author"),
        eb.selectFrom("messages as m").select((inner) => inner.fn.countAll().as("n"))
          .whereRef("m.conversation_id", "=", "c.id").where("m.review", "=", "pending").where("m.replaced_by", "is", null)
          .as("pending_reviews"),
        eb.case().when(unreadCondition(eb)).then(1).else(0).end().as("unread"),
      ]);
    if (options.agentId !== undefined) query = query.where("c.agent_id", "=", options.agentId);
    if (options.conversationId !== undefined) query = query.where("c.id", "=", options.conversationId);
    if (options.unread) query = query.where((eb) => unreadCondition(eb));
    if (options.q !== undefined && options.q.trim() !== "") {
      const pattern = containsPattern(options.q.trim());
      // lower() on both sides: the same folding applies to the text and the pattern on either database.
      const like = (column: string) => sql<SqlBool>`lower(${sql.ref(column)}) like lower(${pattern}) escape '!'`;
      query = query.where((eb) => eb.or([
        like("c.title"),
        like("c.participant_id"),
        eb.exists(eb.selectFrom("messages as m").select(sql.lit(1).as("one")).whereRef("m.conversation_id", "=", "c.id").where(like("m.content"))),
      ]));
    }
    if (options.before !== undefined) {
      const cursor = await db.selectFrom("conversations").select(["updated_at", "id"]).where("id", "=", options.before).executeTakeFirst();
      if (!cursor) {
        throw new AtelierError("bad_request", `The cursor "${options.before}" is not a conversation (it may have been deleted). List again without it.`);
      }
      query = query.where((eb) => eb.or([
        eb("c.updated_at", "<", cursor.updated_at),
        eb.and([eb("c.updated_at", "=", cursor.updated_at), eb("c.id", "<", cursor.id)]),
      ]));
    }
    const rows = await query.orderBy("c.updated_at", "desc").orderBy("c.id", "desc").limit(options.limit).execute();
    return rows.map((row) => toInboxConversation(row as InboxRow, PREVIEW_CHARS));
  }

  async getMessage(id: string): Promise<Message | undefined> {
    const row = await this.#context.db.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toMessage(row);
  }

  async listMessages(conversationId: string, options?: { includeReplaced?: boolean }): Promise<Message[]> {
    let query = this.#context.db.selectFrom("messages").selectAll().where("conversation_id", "=", conversationId);
    if (!options?.includeReplaced) query = query.where("replaced_by", "is", null);
    return (await query.orderBy("seq", "asc").execute()).map(toMessage);
  }
}

type InboxScope = ExpressionBuilder<Database & { c: Database["conversations"]; a: Database["agents"] }, "c" | "a">;

/** The latest message of the conversation `c` (replaced replies left out), optionally only what a visitor may see. */
function latestMessage(eb: InboxScope, visibleOnly: boolean) {
  let query = eb.selectFrom("messages as m").whereRef("m.conversation_id", "=", "c.id").where("m.replaced_by", "is", null);
  if (visibleOnly) query = query.where((inner) => inner.or([inner("m.review", "is", null), inner("m.review", "in", ["approved", "edited"])]));
  return query.orderBy("m.seq", "desc").limit(1);
}

/** Something happened since the owner last read it, and it was not the owner's own message. */
function unreadCondition(eb: InboxScope) {
  return eb.and([
    eb.or([eb("c.owner_read_at", "is", null), eb("c.updated_at", ">", eb.ref("c.owner_read_at"))]),
    eb(eb.fn.coalesce(latestMessage(eb, false).select("m.author"), sql.lit("")), "<>", "owner"),
  ]);
}

/** `%text%` for LIKE with '!' as the escape character, so %, _ and ! in the search are literal. */
function containsPattern(text: string): string {
  return `%${text.replace(/[!%_]/g, (char) => `!${char}`)}%`;
}

function messageNotFound(id: string): AtelierError {
  return new AtelierError("not_found", `No message "${id}".`);
}
