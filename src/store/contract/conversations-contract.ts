import { describe, expect, it } from "vitest";
import type { Conversation } from "../../contracts/index.js";
import type { NewMessage } from "../conversations.js";
import type { Store } from "../store.js";
import { at, createAgent, createConversation, createUser, expectAtelierError, type OpenStore, uniqueId, useStore } from "./fixtures.js";

export function describeConversationContract(open: OpenStore): void {
  describe("conversations", () => {
    const store = useStore(open);

    it("creates a conversation and reads it back", async () => {
      const agent = await createAgent(store());
      const id = uniqueId("cnv");
      const created = await store().conversations.create({ id, agentId: agent.id, participantId: "p-9", title: "Soup", now: at(4) });

      expect(created).toEqual({ id, agentId: agent.id, participantId: "p-9", title: "Soup", mode: "ai", channel: "studio", createdAt: at(4), updatedAt: at(4) });
      expect(await store().conversations.get(id)).toEqual(created);
      expect(await store().conversations.get(uniqueId("cnv"))).toBeUndefined();
    });

    it("keeps the channel a conversation came from", async () => {
      const agent = await createAgent(store());
      const id = uniqueId("cnv");
      const created = await store().conversations.create({ id, agentId: agent.id, participantId: "p-9", title: "Soup", now: at(4), channel: "widget" });
      expect(created.channel).toBe("widget");
      expect((await store().conversations.get(id))?.channel).toBe("widget");
    });

    it("takes a conversation over and hands it back without moving it in the list", async () => {
      const agent = await createAgent(store());
      const conversation = await createConversation(store(), { agentId: agent.id, now: at(2) });
      const taken = await store().conversations.setMode(conversation.id, "owner");
      expect(taken).toEqual({ ...conversation, mode: "owner" });
      expect(await store().conversations.get(conversation.id)).toEqual(taken);
      expect(await store().conversations.setMode(conversation.id, "ai")).toEqual(conversation);
      await expectAtelierError(store().conversations.setMode(uniqueId("cnv"), "owner"), "not_found");
      await expectAtelierError(store().conversations.markRead(uniqueId("cnv"), at(1)), "not_found");
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
  describeInboxContract(open);
}

export function describeInboxContract(open: OpenStore): void {
  describe("inbox", () => {
    const store = useStore(open);

    async function say(conversationId: string, minute: number, content: string, extra: Partial<NewMessage> = {}) {
      return store().conversations.appendMessage({ id: uniqueId("msg"), conversationId, role: "user", content, status: "complete", createdAt: at(minute), ...extra });
    }

    async function ownerWithAgents() {
      const owner = await createUser(store());
      const first = await createAgent(store(), { ownerId: owner.id, name: "Chef Bea" });
      const second = await createAgent(store(), { ownerId: owner.id, name: "Baker Bo" });
      return { owner, first, second };
    }

    it("lists visitors' conversations with the owner's agents, newest first, with the agent's name, and pages them", async () => {
      const { owner, first, second } = await ownerWithAgents();
      const other = await createUser(store());
      const theirs = await createAgent(store(), { ownerId: other.id });
      const a = await createConversation(store(), { agentId: first.id, participantId: uniqueId("vis"), now: at(1) });
      const b = await createConversation(store(), { agentId: second.id, participantId: uniqueId("vis"), now: at(2) });
      const c = await createConversation(store(), { agentId: first.id, participantId: uniqueId("vis"), now: at(3) });
      await createConversation(store(), { agentId: first.id, participantId: owner.id, now: at(4) }); // the owner's own chat
      await createConversation(store(), { agentId: theirs.id, participantId: uniqueId("vis"), now: at(5) });

      const listed = await store().conversations.inbox({ ownerId: owner.id, limit: 10 });
      expect(listed.map((entry) => entry.id)).toEqual([c.id, b.id, a.id]);
      expect(listed[1]).toEqual({
        ...b, agentName: "Baker Bo", agentHandle: second.handle, preview: "", previewRole: null, unread: true, pendingReviews: 0,
      });
      const firstPage = await store().conversations.inbox({ ownerId: owner.id, limit: 2 });
      const secondPage = await store().conversations.inbox({ ownerId: owner.id, limit: 2, before: firstPage.at(-1)!.id });
      expect([...firstPage, ...secondPage].map((entry) => entry.id)).toEqual([c.id, b.id, a.id]);
      expect((await store().conversations.inbox({ ownerId: owner.id, agentId: first.id, limit: 10 })).map((entry) => entry.id)).toEqual([c.id, a.id]);
      expect(await store().conversations.inbox({ ownerId: owner.id, agentId: theirs.id, limit: 10 })).toEqual([]);
      expect((await store().conversations.inbox({ ownerId: owner.id, conversationId: b.id, limit: 10 })).map((entry) => entry.id)).toEqual([b.id]);
      await expectAtelierError(store().conversations.inbox({ ownerId: owner.id, limit: 5, before: uniqueId("cnv") }), "bad_request");
    });

    it("previews the latest message the visitor can see, says who wrote it, and counts replies waiting for review", async () => {
      const { owner, first } = await ownerWithAgents();
      const conversation = await createConversation(store(), { agentId: first.id, participantId: uniqueId("vis"), now: at(1) });
      const summary = async () => (await store().conversations.inbox({ ownerId: owner.id, conversationId: conversation.id, limit: 1 }))[0]!;

      await say(conversation.id, 2, "x".repeat(500));
      expect(await summary()).toMatchObject({ previewRole: "user", pendingReviews: 0 });
      expect((await summary()).preview).toHaveLength(160);
      expect((await summary()).preview.endsWith("…")).toBe(true);

      await say(conversation.id, 3, "An agent answer", { role: "assistant" });
      expect(await summary()).toMatchObject({ preview: "An agent answer", previewRole: "agent" });
      await say(conversation.id, 4, "Held draft", { role: "assistant", review: "pending" });
      await say(conversation.id, 5, "Thrown away", { role: "assistant", review: "discarded" });
      expect(await summary()).toMatchObject({ preview: "An agent answer", previewRole: "agent", pendingReviews: 1 });
      const replaced = await say(conversation.id, 6, "Old take", { role: "assistant" });
      const newer = await say(conversation.id, 7, "New take", { role: "assistant", review: "approved" });
      await store().conversations.replaceMessage(replaced.id, newer.id);
      expect(await summary()).toMatchObject({ preview: "New take", previewRole: "agent" });
      await say(conversation.id, 8, "The owner here", { role: "assistant", author: "owner" });
      expect(await summary()).toMatchObject({ preview: "The owner here", previewRole: "owner", pendingReviews: 1 });
    });

    it("is unread until the owner reads it, again after a newer message, but not after the owner's own", async () => {
      const { owner, first } = await ownerWithAgents();
      const conversation = await createConversation(store(), { agentId: first.id, participantId: uniqueId("vis"), now: at(1) });
      const quiet = await createConversation(store(), { agentId: first.id, participantId: uniqueId("vis"), now: at(1) });
      await store().conversations.markRead(quiet.id, at(1));
      const unread = async () => (await store().conversations.inbox({ ownerId: owner.id, agentId: first.id, unread: true, limit: 10 })).map((entry) => entry.id);
      const isUnread = async () => (await store().conversations.inbox({ ownerId: owner.id, conversationId: conversation.id, limit: 1 }))[0]!.unread;

      expect(await isUnread()).toBe(true);
      expect(await unread()).toEqual([conversation.id]);
      await say(conversation.id, 2, "Hello?");
      await store().conversations.markRead(conversation.id, at(2));
      expect(await isUnread()).toBe(false);
      expect(await unread()).toEqual([]);
      await say(conversation.id, 3, "Anyone?");
      expect(await isUnread()).toBe(true);
      await say(conversation.id, 4, "Yes, me", { role: "assistant", author: "owner" });
      expect(await isUnread()).toBe(false);
      expect(await unread()).toEqual([]);
    });

    it("finds conversations by title, participant or message text, case-insensitively, with wildcards taken literally", async () => {
      const { owner, first } = await ownerWithAgents();
      const tag = uniqueId("t");
      const byTitle = await store().conversations.create({ id: uniqueId("cnv"), agentId: first.id, participantId: uniqueId("vis"), title: `Refund ${tag}`, now: at(1) });
      const byParticipant = await createConversation(store(), { agentId: first.id, participantId: `Customer-${tag}`, now: at(2) });
      const byMessage = await createConversation(store(), { agentId: first.id, participantId: uniqueId("vis"), now: at(3) });
      await say(byMessage.id, 4, `My order ${tag} is 100% late_ish`);
      const find = async (q: string) => (await store().conversations.inbox({ ownerId: owner.id, q, limit: 10 })).map((entry) => entry.id);

      expect(await find(tag.toUpperCase())).toEqual([byMessage.id, byParticipant.id, byTitle.id]);
      expect(await find(`refund ${tag}`)).toEqual([byTitle.id]);
      expect(await find(`customer-${tag}`)).toEqual([byParticipant.id]);
      expect(await find(`${tag} is 100% LATE_ISH`)).toEqual([byMessage.id]);
      expect(await find(`${tag} is 100_`)).toEqual([]);
      expect(await find(`${tag}%late`)).toEqual([]);
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
