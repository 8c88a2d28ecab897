import { describe, expect, it } from "vitest";
import type { MemoryKind } from "../../contracts/index.js";
import type { Store } from "../store.js";
import { at, createAgent, createConversation, createUser, expectAtelierError, type OpenStore, uniqueId, useStore } from "./fixtures.js";

export function describeMemoryContract(open: OpenStore): void {
  describe("memories", () => {
    const store = useStore(open);

    function remember(
      s: Store,
      input: { agentId: string; participantId: string; content?: string; kind?: MemoryKind; origin?: "extracted" | "owner"; conversationId?: string | null; now?: string },
    ) {
      return s.memories.add({
        id: uniqueId("mem"),
        agentId: input.agentId,
        participantId: input.participantId,
        kind: input.kind ?? "fact",
        content: input.content ?? "Likes tea",
        origin: input.origin ?? "extracted",
        conversationId: input.conversationId ?? null,
        now: input.now ?? at(0),
      });
    }

    it("adds, reads, updates and deletes a memory", async () => {
      const agent = await createAgent(store());
      const conversation = await createConversation(store(), { agentId: agent.id, participantId: "vis_a" });
      const memory = await remember(store(), { agentId: agent.id, participantId: "vis_a", kind: "name", content: "Is called Ada", conversationId: conversation.id, now: at(1) });
      expect(memory).toEqual({
        id: memory.id, agentId: agent.id, participantId: "vis_a", kind: "name", content: "Is called Ada", origin: "extracted",
        conversationId: conversation.id, createdAt: at(1), updatedAt: at(1),
      });
      expect(await store().memories.get(memory.id)).toEqual(memory);

      const contentOnly = await store().memories.update({ id: memory.id, content: "Is called Ada L.", origin: "owner", now: at(2) });
      expect(contentOnly).toEqual({ ...memory, content: "Is called Ada L.", origin: "owner", updatedAt: at(2) });
      const kindOnly = await store().memories.update({ id: memory.id, kind: "preference", origin: "owner", now: at(3) });
      expect(kindOnly).toEqual({ ...memory, kind: "preference", content: "Is called Ada L.", origin: "owner", updatedAt: at(3) });
      expect(await store().memories.get(memory.id)).toEqual(kindOnly);
      expect(await store().memories.update({ id: "mem_missing", content: "x", origin: "owner", now: at(3) })).toBeUndefined();

      expect(await store().memories.delete(memory.id)).toBe(true);
      expect(await store().memories.delete(memory.id)).toBe(false);
      expect(await store().memories.get(memory.id)).toBeUndefined();
    });

    it("refuses a memory for an unknown agent or conversation", async () => {
      await expectAtelierError(remember(store(), { agentId: "agt_missing", participantId: "vis_a" }), "not_found", /agt_missing/);
      const agent = await createAgent(store());
      await expectAtelierError(remember(store(), { agentId: agent.id, participantId: "vis_a", conversationId: "cnv_missing" }), "not_found", /cnv_missing/);
    });

    it("never lists another person's or another agent's memories", async () => {
      const [first, second] = [await createAgent(store()), await createAgent(store())];
      const mine = await remember(store(), { agentId: first.id, participantId: "vis_me", content: "Mine", now: at(1) });
      const mineLater = await remember(store(), { agentId: first.id, participantId: "vis_me", content: "Mine too", now: at(2) });
      await remember(store(), { agentId: first.id, participantId: "vis_other", content: "Another person's" });
      await remember(store(), { agentId: second.id, participantId: "vis_me", content: "Another agent's" });

      expect(await store().memories.listFor({ agentId: first.id, participantId: "vis_me" })).toEqual([mine, mineLater]);
      expect((await store().memories.listFor({ agentId: second.id, participantId: "vis_me" })).map((memory) => memory.content)).toEqual(["Another agent's"]);
      expect((await store().memories.listFor({ agentId: first.id, participantId: "vis_other" })).map((memory) => memory.content)).toEqual(["Another person's"]);
      expect(await store().memories.listFor({ agentId: second.id, participantId: "vis_other" })).toEqual([]);

      expect(await store().memories.deleteFor({ agentId: first.id, participantId: "vis_me" })).toBe(2);
      expect(await store().memories.listFor({ agentId: first.id, participantId: "vis_me" })).toEqual([]);
      expect(await store().memories.listFor({ agentId: first.id, participantId: "vis_other" })).toHaveLength(1);
      expect(await store().memories.listFor({ agentId: second.id, participantId: "vis_me" })).toHaveLength(1);
      expect(await store().memories.deleteFor({ agentId: first.id, participantId: "vis_me" })).toBe(0);
    });

    it("lists the people an agent remembers with their counts, most recently updated first", async () => {
      const [agent, other] = [await createAgent(store()), await createAgent(store())];
      await remember(store(), { agentId: agent.id, participantId: "vis_old", now: at(1) });
      await remember(store(), { agentId: agent.id, participantId: "vis_new", now: at(2) });
      const updated = await remember(store(), { agentId: agent.id, participantId: "vis_new", now: at(3) });
      await remember(store(), { agentId: agent.id, participantId: "vis_mid", now: at(4) });
      await remember(store(), { agentId: other.id, participantId: "vis_elsewhere", now: at(9) });
      await store().memories.update({ id: updated.id, content: "Likes green tea", origin: "owner", now: at(5) });

      expect(await store().memories.listPeople({ agentId: agent.id, limit: 10 })).toEqual([
        { participantId: "vis_new", memoryCount: 2, updatedAt: at(5) },
        { participantId: "vis_mid", memoryCount: 1, updatedAt: at(4) },
        { participantId: "vis_old", memoryCount: 1, updatedAt: at(1) },
      ]);
      expect(await store().memories.listPeople({ agentId: agent.id, limit: 2 })).toHaveLength(2);
    });

    it("prunes to the newest memories, dropping extracted ones before the owner's", async () => {
      const agent = await createAgent(store());
      const person = { agentId: agent.id, participantId: "vis_many" };
      const ownerOld = await remember(store(), { ...person, origin: "owner", content: "owner old", now: at(1) });
      await remember(store(), { ...person, content: "extracted oldest", now: at(2) });
      const ownerNew = await remember(store(), { ...person, origin: "owner", content: "owner new", now: at(3) });
      await remember(store(), { ...person, content: "extracted middle", now: at(4) });
      const newest = await remember(store(), { ...person, content: "extracted newest", now: at(5) });
      const neighbour = await remember(store(), { agentId: agent.id, participantId: "vis_neighbour", now: at(0) });

      expect(await store().memories.prune({ ...person, keep: 5 })).toBe(0);
      expect(await store().memories.prune({ ...person, keep: 3 })).toBe(2);
      expect((await store().memories.listFor(person)).map((memory) => memory.content)).toEqual([ownerOld.content, ownerNew.content, newest.content]);
      expect(await store().memories.prune({ ...person, keep: 1 })).toBe(2);
      expect(await store().memories.listFor(person)).toEqual([ownerNew]);
      expect(await store().memories.prune({ ...person, keep: 0 })).toBe(1);
      expect(await store().memories.listFor(person)).toEqual([]);
      expect(await store().memories.get(neighbour.id)).toEqual(neighbour);
    });

    it("goes with the agent", async () => {
      const agent = await createAgent(store());
      const memory = await remember(store(), { agentId: agent.id, participantId: "vis_a" });
      expect(await store().agents.delete(agent.id)).toBe(true);
      expect(await store().memories.get(memory.id)).toBeUndefined();
      expect(await store().memories.listPeople({ agentId: agent.id, limit: 10 })).toEqual([]);
    });

    it("outlives its conversation, forgetting where it was noted", async () => {
      const agent = await createAgent(store());
      const conversation = await createConversation(store(), { agentId: agent.id, participantId: "vis_a" });
      const memory = await remember(store(), { agentId: agent.id, participantId: "vis_a", conversationId: conversation.id });
      expect(await store().conversations.delete(conversation.id)).toBe(true);
      expect(await store().memories.get(memory.id)).toEqual({ ...memory, conversationId: null });
    });

    it("goes with the visitor it is about, with every agent, and only theirs", async () => {
      const [first, second] = [await createAgent(store()), await createAgent(store())];
      const visitor = await store().visitors.create({ id: uniqueId("vis"), tokenHash: uniqueId("hash"), now: at(0) });
      const other = await store().visitors.create({ id: uniqueId("vis"), tokenHash: uniqueId("hash"), now: at(0) });
      await remember(store(), { agentId: first.id, participantId: visitor.id });
      await remember(store(), { agentId: second.id, participantId: visitor.id });
      const kept = await remember(store(), { agentId: first.id, participantId: other.id });

      expect(await store().visitors.delete(visitor.id)).toBe(true);
      expect(await store().memories.listFor({ agentId: first.id, participantId: visitor.id })).toEqual([]);
      expect(await store().memories.listFor({ agentId: second.id, participantId: visitor.id })).toEqual([]);
      expect(await store().memories.get(kept.id)).toEqual(kept);
    });

    it("goes with the user it is about, and with the agents of a deleted owner", async () => {
      const owner = await createUser(store());
      const person = await createUser(store());
      const ownersAgent = await createAgent(store(), { ownerId: owner.id });
      const othersAgent = await createAgent(store());
      const aboutPerson = await remember(store(), { agentId: othersAgent.id, participantId: person.id });
      const byOwnersAgent = await remember(store(), { agentId: ownersAgent.id, participantId: "vis_a" });
      const aboutOwner = await remember(store(), { agentId: othersAgent.id, participantId: owner.id });

      expect(await store().users.delete(person.id)).toBe(true);
      expect(await store().memories.get(aboutPerson.id)).toBeUndefined();
      expect(await store().memories.get(aboutOwner.id)).toEqual(aboutOwner);

      expect(await store().users.delete(owner.id)).toBe(true);
      expect(await store().memories.get(byOwnersAgent.id)).toBeUndefined();
      expect(await store().memories.get(aboutOwner.id)).toBeUndefined();
    });

    it("keeps memories filed under a label when no visitor or user by that id is deleted", async () => {
      const agent = await createAgent(store());
      const memory = await remember(store(), { agentId: agent.id, participantId: "vis_never_existed" });
      expect(await store().visitors.delete("vis_never_existed")).toBe(false);
      expect(await store().users.delete("vis_never_existed")).toBe(false);
      expect(await store().memories.get(memory.id)).toEqual(memory);
    });
  });
}
