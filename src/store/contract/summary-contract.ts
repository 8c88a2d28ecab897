import { describe, expect, it } from "vitest";
import type { Store } from "../store.js";
import { at, createAgent, createConversation, expectAtelierError, type OpenStore, uniqueId, useStore } from "./fixtures.js";

export function describeSummaryContract(open: OpenStore): void {
  describe("conversation summaries", () => {
    const store = useStore(open);

    function summarise(s: Store, input: { conversationId: string; coveredMessages: number; now: string; content?: string }) {
      return s.summaries.add({
        id: uniqueId("sum"),
        conversationId: input.conversationId,
        content: input.content ?? `The first ${input.coveredMessages} messages, in short.`,
        throughMessageId: `msg_${input.coveredMessages}`,
        coveredMessages: input.coveredMessages,
        model: "stories260K",
        now: input.now,
      });
    }

    it("keeps every summary and puts the one covering the most messages in force", async () => {
      const agent = await createAgent(store());
      const conversation = await createConversation(store(), { agentId: agent.id });
      const other = await createConversation(store(), { agentId: agent.id });
      expect(await store().summaries.latest(conversation.id)).toBeUndefined();
      expect(await store().summaries.list(conversation.id)).toEqual([]);

      const first = await summarise(store(), { conversationId: conversation.id, coveredMessages: 10, now: at(1) });
      expect(first).toEqual({
        id: first.id, conversationId: conversation.id, content: "The first 10 messages, in short.", throughMessageId: "msg_10",
        coveredMessages: 10, model: "stories260K", createdAt: at(1),
      });
      const widest = await summarise(store(), { conversationId: conversation.id, coveredMessages: 30, now: at(2) });
      // Written later but covering less (a slower summariser finishing after a faster one): not in force.
      const narrower = await summarise(store(), { conversationId: conversation.id, coveredMessages: 20, now: at(3) });
      await summarise(store(), { conversationId: other.id, coveredMessages: 99, now: at(4) });

      expect(await store().summaries.latest(conversation.id)).toEqual(widest);
      expect(await store().summaries.list(conversation.id)).toEqual([first, widest, narrower]);

      const tie = await summarise(store(), { conversationId: conversation.id, coveredMessages: 30, now: at(5), content: "Newer wording" });
      expect(await store().summaries.latest(conversation.id)).toEqual(tie);
    });

    it("refuses a summary of an unknown conversation", async () => {
      await expectAtelierError(summarise(store(), { conversationId: "cnv_missing", coveredMessages: 2, now: at(1) }), "not_found", /cnv_missing/);
    });

    it("goes with its conversation, and with the agent", async () => {
      const agent = await createAgent(store());
      const conversation = await createConversation(store(), { agentId: agent.id });
      const kept = await createConversation(store(), { agentId: agent.id });
      await summarise(store(), { conversationId: conversation.id, coveredMessages: 4, now: at(1) });
      const other = await summarise(store(), { conversationId: kept.id, coveredMessages: 4, now: at(1) });

      expect(await store().conversations.delete(conversation.id)).toBe(true);
      expect(await store().summaries.list(conversation.id)).toEqual([]);
      expect(await store().summaries.latest(kept.id)).toEqual(other);

      expect(await store().agents.delete(agent.id)).toBe(true);
      expect(await store().summaries.list(kept.id)).toEqual([]);
    });
  });
}
