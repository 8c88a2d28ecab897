import { describe, expect, it } from "vitest";
import { AtelierError } from "../../contracts/index.js";
import { at, createAgent, createConversation, expectAtelierError, type OpenStore, profile, uniqueId } from "./fixtures.js";

/** Opening, closing and reopening: no store stays open between these tests. */
export function describeLifecycleContract(open: OpenStore): void {
  describe("lifecycle", () => {
    it("answers ping", async () => {
      await using store = await open();
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("keeps everything written after closing and reopening", async () => {
      const first = await open();
      const agent = await createAgent(first, { name: "Durable" });
      const updated = await first.agents.update({ id: agent.id, handle: agent.handle, profile: profile({ name: "Durable 2" }), now: at(1) });
      const conversation = await createConversation(first, { agentId: agent.id, now: at(1) });
      const question = await first.conversations.appendMessage({
        id: uniqueId("msg"),
        conversationId: conversation.id,
        role: "user",
        content: "Still there?",
        status: "complete",
        createdAt: at(2),
        completedAt: at(2),
      });
      const reply = await first.conversations.appendMessage({
        id: uniqueId("msg"),
        conversationId: conversation.id,
        role: "assistant",
        content: "",
        status: "incomplete",
        createdAt: at(3),
      });
      const completed = await first.conversations.completeMessage(reply.id, {
        content: "Yes.",
        status: "complete",
        finishReason: "stop",
        usage: { promptTokens: 9, evaluatedPromptTokens: 9, completionTokens: 2 },
        completedAt: at(4),
        firstTokenMs: 5,
        durationMs: 8,
      });
      await first[Symbol.asyncDispose]();

      await using second = await open();
      expect(await second.agents.get(agent.id)).toEqual(updated);
      expect(await second.agents.listVersions(agent.id)).toHaveLength(2);
      expect(await second.conversations.get(conversation.id)).toEqual({ ...conversation, updatedAt: at(3) });
      expect(await second.conversations.listMessages(conversation.id)).toEqual([question, completed]);
    });

    it("lets writes already under way finish before it closes", async () => {
      const store = await open();
      const agent = await createAgent(store);
      const conversation = await createConversation(store, { agentId: agent.id });
      const appends = Array.from({ length: 5 }, (_, index) => store.conversations.appendMessage({
        id: uniqueId("msg", String(index)),
        conversationId: conversation.id,
        role: "user",
        content: `last words ${index}`,
        status: "complete",
        createdAt: at(index),
      }));
      await store[Symbol.asyncDispose]();
      const written = await Promise.all(appends);

      await using reopened = await open();
      // Every write, in some order: concurrent appends on several connections (PostgreSQL) commit in
      // whichever order they reach the database, not the order they were called in.
      const stored = await reopened.conversations.listMessages(conversation.id);
      expect(stored).toHaveLength(written.length);
      expect(stored).toEqual(expect.arrayContaining(written));
    });

    it("says it is disposed when used after closing, and closes twice quietly", async () => {
      const store = await open();
      await store[Symbol.asyncDispose]();
      await store[Symbol.asyncDispose]();

      await expectAtelierError(store.ping(), "disposed");
      const error = await store.agents.get("agt_any").catch((reason: unknown) => reason);
      expect(AtelierError.is(error, "disposed")).toBe(true);
    });
  });
}
