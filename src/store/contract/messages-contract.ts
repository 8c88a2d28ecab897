import { describe, expect, it } from "vitest";
import type { NewMessage } from "../conversations.js";
import { at, createAgent, createConversation, expectAtelierError, type OpenStore, uniqueId, useStore } from "./fixtures.js";

export function describeMessageContract(open: OpenStore): void {
  describe("messages", () => {
    const store = useStore(open);

    async function newConversation(): Promise<string> {
      const agent = await createAgent(store());
      return (await createConversation(store(), { agentId: agent.id })).id;
    }

    function userMessage(conversationId: string, overrides: Partial<NewMessage> = {}): NewMessage {
      return { id: uniqueId("msg"), conversationId, role: "user", content: "hi", status: "complete", createdAt: at(1), ...overrides };
    }

    it("appends with defaults and reads the message back", async () => {
      const conversationId = await newConversation();
      const input = userMessage(conversationId, { content: "Bonjour", completedAt: at(1) });
      const stored = await store().conversations.appendMessage(input);

      expect(stored).toEqual({
        id: input.id,
        conversationId,
        role: "user",
        content: "Bonjour",
        status: "complete",
        finishReason: null,
        usage: null,
        model: null,
        agentVersion: null,
        createdAt: at(1),
        completedAt: at(1),
        firstTokenMs: null,
        durationMs: null,
        replacedBy: null,
        citations: [],
        author: null,
        review: null,
      });
      expect(await store().conversations.getMessage(input.id)).toEqual(stored);
      expect(await store().conversations.getMessage(uniqueId("msg"))).toBeUndefined();
    });

    it("appends several messages of one conversation in order, in one transaction", async () => {
      const conversationId = await newConversation();
      await store().conversations.appendMessage(userMessage(conversationId, { content: "first" }));
      const question = userMessage(conversationId, { content: "second", createdAt: at(2) });
      const placeholder = userMessage(conversationId, { role: "assistant", content: "", status: "incomplete", createdAt: at(3), model: "m", agentVersion: 1 });
      const stored = await store().conversations.appendMessages([question, placeholder]);

      expect(stored.map((message) => [message.id, message.role, message.status])).toEqual([[question.id, "user", "complete"], [placeholder.id, "assistant", "incomplete"]]);
      expect((await store().conversations.listMessages(conversationId)).map((message) => message.content)).toEqual(["first", "second", ""]);
      expect((await store().conversations.get(conversationId))?.updatedAt).toBe(at(3));

      // A failure on the second leaves the first unstored too.
      const orphan = userMessage(conversationId, { content: "third" });
      await expectAtelierError(store().conversations.appendMessages([orphan, userMessage(conversationId, { id: question.id })]), "conflict");
      expect(await store().conversations.getMessage(orphan.id)).toBeUndefined();
      expect(await store().conversations.listMessages(conversationId)).toHaveLength(3);

      const elsewhere = await newConversation();
      await expectAtelierError(store().conversations.appendMessages([userMessage(conversationId), userMessage(elsewhere)]), "bad_request");
      expect(await store().conversations.listMessages(elsewhere)).toHaveLength(0);
      expect(await store().conversations.appendMessages([])).toEqual([]);
    });

    it("labels assistant messages with their author (the agent unless told) and keeps a review state", async () => {
      const conversationId = await newConversation();
      const agentReply = await store().conversations.appendMessage(userMessage(conversationId, { role: "assistant" }));
      const ownerReply = await store().conversations.appendMessage(userMessage(conversationId, { role: "assistant", author: "owner" }));
      const held = await store().conversations.appendMessage(userMessage(conversationId, { role: "assistant", review: "pending" }));
      const user = await store().conversations.appendMessage(userMessage(conversationId, { author: "owner" }));
      expect([agentReply, ownerReply, held, user].map((message) => [message.author, message.review])).toEqual([
        ["agent", null],
        ["owner", null],
        ["agent", "pending"],
        [null, null],
      ]);
      expect(await store().conversations.getMessage(held.id)).toEqual(held);
    });

    it("approves, edits and discards a held reply", async () => {
      const conversationId = await newConversation();
      const draft = (content: string) => store().conversations.appendMessage(userMessage(conversationId, { role: "assistant", content, review: "pending" }));
      const first = await draft("As written");
      const second = await draft("Needs work");
      const third = await draft("Off topic");

      expect(await store().conversations.setReview(first.id, "approved")).toEqual({ ...first, review: "approved" });
      expect(await store().conversations.setReview(second.id, "edited", "Much better")).toEqual({ ...second, review: "edited", content: "Much better" });
      expect(await store().conversations.setReview(third.id, "discarded")).toEqual({ ...third, review: "discarded" });
      expect((await store().conversations.listMessages(conversationId)).map((message) => [message.content, message.review])).toEqual([
        ["As written", "approved"],
        ["Much better", "edited"],
        ["Off topic", "discarded"],
      ]);
      await expectAtelierError(store().conversations.setReview(uniqueId("msg"), "approved"), "not_found");
    });

    it("keeps append order even when timestamps tie or go backwards", async () => {
      const conversationId = await newConversation();
      const ids: string[] = [];
      for (const minute of [5, 5, 3, 9, 1]) {
        ids.push((await store().conversations.appendMessage(userMessage(conversationId, { createdAt: at(minute) }))).id);
      }
      expect((await store().conversations.listMessages(conversationId)).map((message) => message.id)).toEqual(ids);
    });

    it("answers not_found when appending to an unknown conversation", async () => {
      await expectAtelierError(store().conversations.appendMessage(userMessage(uniqueId("cnv"))), "not_found");
    });

    it("refuses a duplicate message id with a conflict and keeps the first", async () => {
      const conversationId = await newConversation();
      const first = await store().conversations.appendMessage(userMessage(conversationId, { content: "first" }));
      await expectAtelierError(store().conversations.appendMessage(userMessage(conversationId, { id: first.id, content: "again" })), "conflict");
      expect(await store().conversations.listMessages(conversationId)).toEqual([first]);
    });

    it("saves progress of a streaming reply and then completes it", async () => {
      const conversationId = await newConversation();
      const reply = await store().conversations.appendMessage({
        id: uniqueId("msg"),
        conversationId,
        role: "assistant",
        content: "",
        status: "incomplete",
        model: "tiny-model",
        agentVersion: 3,
        createdAt: at(2),
      });
      await store().conversations.saveProgress(reply.id, "Once upon");
      expect(await store().conversations.getMessage(reply.id)).toMatchObject({ content: "Once upon", status: "incomplete", completedAt: null });

      const completed = await store().conversations.completeMessage(reply.id, {
        content: "Once upon a time.",
        status: "complete",
        finishReason: "stop",
        usage: { promptTokens: 120, evaluatedPromptTokens: 20, completionTokens: 5 },
        completedAt: at(3),
        firstTokenMs: 12.34,
        durationMs: 456.78,
      });
      expect(completed).toEqual({
        ...reply,
        content: "Once upon a time.",
        status: "complete",
        finishReason: "stop",
        usage: { promptTokens: 120, evaluatedPromptTokens: 20, completionTokens: 5 },
        completedAt: at(3),
        firstTokenMs: 12.34,
        durationMs: 456.78,
      });
      expect(await store().conversations.getMessage(reply.id)).toEqual(completed);
    });

    it("completes an aborted reply without usage", async () => {
      const conversationId = await newConversation();
      const reply = await store().conversations.appendMessage(userMessage(conversationId, { role: "assistant", status: "incomplete" }));
      const completed = await store().conversations.completeMessage(reply.id, {
        content: "Half",
        status: "incomplete",
        finishReason: "aborted",
        usage: null,
        completedAt: at(4),
        firstTokenMs: null,
        durationMs: 10,
      });
      expect(completed).toMatchObject({ status: "incomplete", finishReason: "aborted", usage: null, firstTokenMs: null, durationMs: 10 });
    });

    it("answers not_found when writing to an unknown message", async () => {
      const unknown = uniqueId("msg");
      await expectAtelierError(store().conversations.saveProgress(unknown, "x"), "not_found");
      await expectAtelierError(
        store().conversations.completeMessage(unknown, {
          content: "x",
          status: "complete",
          finishReason: "stop",
          usage: null,
          completedAt: at(1),
          firstTokenMs: null,
          durationMs: 1,
        }),
        "not_found",
      );
      await expectAtelierError(store().conversations.replaceMessage(unknown, uniqueId("msg")), "not_found");
    });

    it("hides a replaced reply from the history unless asked", async () => {
      const conversationId = await newConversation();
      const question = await store().conversations.appendMessage(userMessage(conversationId));
      const first = await store().conversations.appendMessage(userMessage(conversationId, { role: "assistant", content: "Take one" }));
      const second = await store().conversations.appendMessage(userMessage(conversationId, { role: "assistant", content: "Take two" }));
      await store().conversations.replaceMessage(first.id, second.id);

      const history = await store().conversations.listMessages(conversationId);
      expect(history.map((message) => message.id)).toEqual([question.id, second.id]);
      const everything = await store().conversations.listMessages(conversationId, { includeReplaced: true });
      expect(everything.map((message) => [message.id, message.replacedBy])).toEqual([
        [question.id, null],
        [first.id, second.id],
        [second.id, null],
      ]);
      expect((await store().conversations.getMessage(first.id))?.replacedBy).toBe(second.id);
    });

    it("gives 50 concurrent appends one distinct place each, in a stable order", async () => {
      const conversationId = await newConversation();
      const appended = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          store().conversations.appendMessage(userMessage(conversationId, { id: uniqueId("msg", String(index)), content: `#${index}` }))),
      );
      const listed = await store().conversations.listMessages(conversationId);

      expect(listed).toHaveLength(50);
      expect(new Set(listed.map((message) => message.id))).toEqual(new Set(appended.map((message) => message.id)));
      expect(await store().conversations.listMessages(conversationId)).toEqual(listed);
      const last = await store().conversations.appendMessage(userMessage(conversationId, { content: "after" }));
      expect((await store().conversations.listMessages(conversationId)).at(-1)?.id).toBe(last.id);
    });
  });
}
