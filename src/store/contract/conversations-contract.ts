import { describe, expect, it } from "vitest";
import type { Conversation } from "../../contracts/index.js";
import type { Store } from "../store.js";
import { at, createAgent, createConversation, createUser, expectAtelierError, type OpenStore, uniqueId, useStore } from "./fixtures.js";

export function describeConversationContract(open: OpenStore): void {
  describe("conversations", () => {
    const store = useStore(open);

    it("creates a conversation and reads it back", async () => {
      const agent = await createAgent(store());
      const id = uniqueId("cnv");
      const created = await store().conversations.create({ id, agentId: agent.id, participantId: "p-9", title: "Soup", now: at(4) });

      expect(created).toEqual({ id, agentId: agent.id, participantId: "p-9", title: "Soup", createdAt: at(4), updatedAt: at(4) });
      expect(await store().conversations.get(id)).toEqual(created);
      expect(await store().conversations.get(uniqueId("cnv"))).toBeUndefined();
    });

    it("answers not_found for a conversation with an unknown agent", async () => {
      await expectAtelierError(createConversation(store(), { agentId: uniqueId("agt") }), "not_found");
    });

    it("refuses a duplicate id with a conflict", async () => {
      const agent = await createAgent(store());
      const first = await createConversation(store(), { agentId: agent.id });
      await expectAtelierError(createConversation(store(), { agentId: agent.id, id: first.id }), "conflict");
    });

    it("lists the most recently active first, ties broken by id, and pages with before", async () => {
      const agent = await createAgent(store());
      const base = uniqueId("cnv");
      const make = (suffix: string, minute: number) => createConversation(store(), { agentId: agent.id, id: `${base}${suffix}`, now: at(minute) });
      await make("a", 1);
      await make("b", 3);
      await make("c", 2);
      await make("d", 3); // same updatedAt as "b": the larger id comes first
      await make("e", 0);
      const expected = [`${base}d`, `${base}b`, `${base}c`, `${base}a`, `${base}e`];

      const all = await store().conversations.list({ agentId: agent.id, limit: 10 });
      expect(all.map((conversation) => conversation.id)).toEqual(expected);
      expect(await pageThrough(store(), { agentId: agent.id, pageSize: 2 })).toEqual(expected);
    });

    it("moves a conversation to the front when a message is appended", async () => {
      const agent = await createAgent(store());
      const quiet = await createConversation(store(), { agentId: agent.id, now: at(1) });
      const busy = await createConversation(store(), { agentId: agent.id, now: at(2) });
      await store().conversations.appendMessage({
        id: uniqueId("msg"),
        conversationId: quiet.id,
        role: "user",
        content: "back again",
        status: "complete",
        createdAt: at(5),
      });

      const listed = await store().conversations.list({ agentId: agent.id, limit: 10 });
      expect(listed.map((conversation) => conversation.id)).toEqual([quiet.id, busy.id]);
      expect((await store().conversations.get(quiet.id))?.updatedAt).toBe(at(5));
    });

    it("lists across agents when no agent is given", async () => {
      const first = await createAgent(store());
      const second = await createAgent(store());
      const older = await createConversation(store(), { agentId: first.id, now: at(-50_000) });
      const newer = await createConversation(store(), { agentId: second.id, now: at(-49_999) });
      const mine = new Set([older.id, newer.id]);

      const listed = await store().conversations.list({ limit: 100_000 });
      expect(listed.filter((conversation) => mine.has(conversation.id)).map((conversation) => conversation.id)).toEqual([newer.id, older.id]);
      const onlyFirst = await store().conversations.list({ agentId: first.id, limit: 10 });
      expect(onlyFirst.map((conversation) => conversation.id)).toEqual([older.id]);
    });

    it("lists the conversations with one owner's agents, across their agents, and pages them", async () => {
      const owner = await createUser(store());
      const other = await createUser(store());
      const first = await createAgent(store(), { ownerId: owner.id });
      const second = await createAgent(store(), { ownerId: owner.id });
      const theirs = await createAgent(store(), { ownerId: other.id });
      const a = await createConversation(store(), { agentId: first.id, now: at(1) });
      const b = await createConversation(store(), { agentId: second.id, now: at(2) });
      const c = await createConversation(store(), { agentId: first.id, now: at(3) });
      await createConversation(store(), { agentId: theirs.id, now: at(4), participantId: owner.id });

      const listed = await store().conversations.list({ ownerId: owner.id, limit: 10 });
      expect(listed).toEqual([c, b, a]);
      expect(await pageThrough(store(), { ownerId: owner.id, pageSize: 2 })).toEqual([c.id, b.id, a.id]);
      expect((await store().conversations.list({ ownerId: owner.id, agentId: first.id, limit: 10 })).map((found) => found.id)).toEqual([c.id, a.id]);
      expect(await store().conversations.list({ ownerId: owner.id, agentId: theirs.id, limit: 10 })).toEqual([]);
    });

    it("lists one participant's conversations, across agents and owners, and combines with the other filters", async () => {
      const owner = await createUser(store());
      const mine = await createAgent(store(), { ownerId: owner.id });
      const ownerless = await createAgent(store());
      const participantId = uniqueId("vis");
      const first = await createConversation(store(), { agentId: mine.id, participantId, now: at(1) });
      const second = await createConversation(store(), { agentId: ownerless.id, participantId, now: at(2) });
      await createConversation(store(), { agentId: mine.id, participantId: uniqueId("vis"), now: at(3) });

      expect(await store().conversations.list({ participantId, limit: 10 })).toEqual([second, first]);
      expect(await pageThrough(store(), { participantId, pageSize: 1 })).toEqual([second.id, first.id]);
      expect(await store().conversations.list({ participantId, ownerId: owner.id, limit: 10 })).toEqual([first]);
      expect(await store().conversations.list({ participantId, agentId: ownerless.id, limit: 10 })).toEqual([second]);
    });

    it("refuses a cursor that is not a conversation", async () => {
      await expectAtelierError(store().conversations.list({ limit: 5, before: uniqueId("cnv") }), "bad_request");
    });

    it("deletes a conversation with its messages", async () => {
      const agent = await createAgent(store());
      const conversation = await createConversation(store(), { agentId: agent.id });
      const message = await store().conversations.appendMessage({
        id: uniqueId("msg"),
        conversationId: conversation.id,
        role: "user",
        content: "bye",
        status: "complete",
        createdAt: at(1),
      });

      expect(await store().conversations.delete(conversation.id)).toBe(true);
      expect(await store().conversations.get(conversation.id)).toBeUndefined();
      expect(await store().conversations.getMessage(message.id)).toBeUndefined();
      expect(await store().conversations.delete(conversation.id)).toBe(false);
      expect(await store().agents.get(agent.id)).toEqual(agent);
    });
  });
}

/** Every id, page by page, following the `before` cursor. */
async function pageThrough(
  store: Store,
  options: { agentId?: string; ownerId?: string; participantId?: string; pageSize: number },
): Promise<string[]> {
  const { pageSize, ...filters } = options;
  const ids: string[] = [];
  let before: string | undefined;
  for (;;) {
    const page: Conversation[] = await store.conversations.list({ ...filters, limit: pageSize, ...(before === undefined ? {} : { before }) });
    ids.push(...page.map((conversation) => conversation.id));
    if (page.length < pageSize) return ids;
    before = page.at(-1)?.id;
  }
}
