import { describe, expect, it } from "vitest";
import { AtelierError, LorebookContent, type LorebookContentInput } from "../../contracts/index.js";
import { KyselyStore } from "../kysely/kysely-store.js";
import { at, createAgent, expectAtelierError, type OpenStore, useStore } from "./fixtures.js";

function book(input: LorebookContentInput = {}): LorebookContent {
  return LorebookContent.parse({
    name: "Eldoria",
    entries: [{ id: "1", name: "The capital", keys: ["Eldoria", "/capital/i"], secondaryKeys: ["city"], selective: true, content: "Eldoria is the capital.", extensions: { depth: 4 } }],
    extensions: { world: "eldoria" },
    ...input,
  });
}

export function describeLorebookContract(open: OpenStore): void {
  describe("lorebooks", () => {
    const store = useStore(open);

    it("has none until the first put, which makes revision 1; each put raises it by one", async () => {
      const agent = await createAgent(store());
      expect(await store().lorebooks.get(agent.id)).toBeUndefined();

      const first = await store().lorebooks.put({ agentId: agent.id, content: book(), now: at(1) });
      expect(first).toEqual({ ...book(), agentId: agent.id, revision: 1, updatedAt: at(1) });
      expect(await store().lorebooks.get(agent.id)).toEqual(first);

      const second = await store().lorebooks.put({ agentId: agent.id, content: book({ name: "Eldoria II", entries: [] }), expectedRevision: 1, now: at(2) });
      expect(second).toMatchObject({ name: "Eldoria II", entries: [], revision: 2, updatedAt: at(2) });
      const third = await store().lorebooks.put({ agentId: agent.id, content: book({ tokenBudget: 1024 }), now: at(3) });
      expect(third).toMatchObject({ tokenBudget: 1024, revision: 3, updatedAt: at(3) });
      expect(await store().lorebooks.get(agent.id)).toEqual(third);
    });

    it("keeps entries, settings and extensions exactly", async () => {
      const agent = await createAgent(store());
      const content = book({ scanDepth: 7, caseSensitive: true, matchWholeWords: false, recursiveScanning: true, description: "A world" });
      await store().lorebooks.put({ agentId: agent.id, content, now: at(1) });
      const { agentId: _agent, revision: _revision, updatedAt: _updated, ...stored } = (await store().lorebooks.get(agent.id))!;
      expect(stored).toEqual(content);
    });

    it("refuses a stale expectedRevision, and expectedRevision 0 once one exists", async () => {
      const agent = await createAgent(store());
      await expectAtelierError(store().lorebooks.put({ agentId: agent.id, content: book(), expectedRevision: 1, now: at(1) }), "conflict", /revision 1.*revision 0/);
      await store().lorebooks.put({ agentId: agent.id, content: book(), expectedRevision: 0, now: at(1) });
      await store().lorebooks.put({ agentId: agent.id, content: book(), expectedRevision: 1, now: at(2) });

      await expectAtelierError(store().lorebooks.put({ agentId: agent.id, content: book({ name: "Lost" }), expectedRevision: 0, now: at(3) }), "conflict", /Reload/);
      await expectAtelierError(store().lorebooks.put({ agentId: agent.id, content: book({ name: "Lost" }), expectedRevision: 1, now: at(3) }), "conflict", /now at revision 2/);
      expect(await store().lorebooks.get(agent.id)).toMatchObject({ name: "Eldoria", revision: 2, updatedAt: at(2) });
    });

    it("lets exactly one of several puts over the same revision win", async () => {
      const agent = await createAgent(store());
      for (const expectedRevision of [0, 1]) {
        const results = await Promise.allSettled(Array.from({ length: 4 }, (_, index) =>
          store().lorebooks.put({ agentId: agent.id, content: book({ name: `Editor ${index}` }), expectedRevision, now: at(expectedRevision + 1) })));
        const won = results.filter((result) => result.status === "fulfilled");
        const lost = results.filter((result) => result.status === "rejected");
        expect(won).toHaveLength(1);
        expect(lost.map((result) => AtelierError.is(result.reason, "conflict"))).toEqual([true, true, true]);
        expect((await store().lorebooks.get(agent.id))?.revision).toBe(expectedRevision + 1);
      }
    });

    it("refuses a lorebook for an unknown agent, however it is put", async () => {
      for (const expectedRevision of [undefined, 0, 3]) {
        await expectAtelierError(store().lorebooks.put({ agentId: "agt_missing", content: book(), expectedRevision, now: at(1) }), "not_found", /agt_missing/);
      }
      expect(await store().lorebooks.get("agt_missing")).toBeUndefined();
    });

    it("goes with the agent", async () => {
      const agent = await createAgent(store());
      await store().lorebooks.put({ agentId: agent.id, content: book(), now: at(1) });
      expect(await store().agents.delete(agent.id)).toBe(true);
      expect(await store().lorebooks.get(agent.id)).toBeUndefined();
    });

    it("reports a corrupted stored lorebook as a typed error", async () => {
      const agent = await createAgent(store());
      await store().lorebooks.put({ agentId: agent.id, content: book(), now: at(1) });
      const kysely = store();
      if (!(kysely instanceof KyselyStore)) return;
      for (const content of ['{"entries": 42}', "not json"]) {
        await kysely.db.updateTable("lorebooks").set({ content }).where("agent_id", "=", agent.id).execute();
        await expectAtelierError(store().lorebooks.get(agent.id), "internal", new RegExp(`stored lorebook of agent "${agent.id}" revision 1 is corrupted`));
      }
    });
  });
}
