import { describe, expect, it } from "vitest";
import { at, createAgent, createConversation, createUser, expectAtelierError, type OpenStore, profile, uniqueHandle, uniqueId, useStore } from "./fixtures.js";

export function describeAgentContract(open: OpenStore): void {
  describe("agents", () => {
    const store = useStore(open);

    it("creates version 1 and reads it back by id and by handle", async () => {
      const handle = uniqueHandle("bea");
      const input = profile({
        name: "Bea",
        handle,
        traits: ["warm", "precise"],
        exampleDialogues: [{ user: "Hi", agent: "Hello!" }],
        model: { temperature: 0.3, maxTokens: 64, seed: 7 },
      });
      const id = uniqueId("agt");
      const owner = await createUser(store());
      const created = await store().agents.create({ id, handle, ownerId: owner.id, profile: input, now: at(1) });

      expect(created).toEqual({ ...input, id, handle, version: 1, ownerId: owner.id, publishedAt: null, createdAt: at(1), updatedAt: at(1) });
      expect(await store().agents.get(id)).toEqual(created);
      expect(await store().agents.getByHandle(handle)).toEqual(created);
      expect(await store().agents.listVersions(id)).toEqual([{ version: 1, createdAt: at(1), name: "Bea" }]);
    });

    it("answers undefined for an unknown agent", async () => {
      expect(await store().agents.get(uniqueId("agt"))).toBeUndefined();
      expect(await store().agents.getByHandle(uniqueHandle())).toBeUndefined();
      expect(await store().agents.getVersion(uniqueId("agt"), 1)).toBeUndefined();
    });

    it("refuses a taken handle with a conflict", async () => {
      const first = await createAgent(store());
      const attempt = store().agents.create({ id: uniqueId("agt"), handle: first.handle, ownerId: null, profile: profile(), now: at(2) });
      await expectAtelierError(attempt, "conflict", `The handle "${first.handle}" is taken. Choose another.`);
    });

    it("refuses a duplicate id with a conflict", async () => {
      const first = await createAgent(store());
      await expectAtelierError(
        store().agents.create({ id: first.id, handle: uniqueHandle(), ownerId: null, profile: profile(), now: at(2) }),
        "conflict",
      );
    });

    it("lists newest first and honours the limit", async () => {
      const older = await createAgent(store(), { now: at(-100_000) });
      const newer = await createAgent(store(), { now: at(-99_999) });
      const ids = (await store().agents.list()).map((agent) => agent.id).filter((id) => id === older.id || id === newer.id);
      expect(ids).toEqual([newer.id, older.id]);
      expect(await store().agents.list({ limit: 1 })).toHaveLength(1);
    });

    it("answers not_found for an owner that does not exist, and creates nothing", async () => {
      const handle = uniqueHandle();
      const attempt = store().agents.create({ id: uniqueId("agt"), handle, ownerId: uniqueId("usr"), profile: profile(), now: at(1) });
      await expectAtelierError(attempt, "not_found");
      expect(await store().agents.getByHandle(handle)).toBeUndefined();
    });

    it("lists one owner's agents, newest first, and no one else's", async () => {
      const owner = await createUser(store());
      const other = await createUser(store());
      const older = await createAgent(store(), { ownerId: owner.id, now: at(1) });
      const newer = await createAgent(store(), { ownerId: owner.id, now: at(2) });
      const theirs = await createAgent(store(), { ownerId: other.id, now: at(3) });
      const ownerless = await createAgent(store(), { now: at(4) });

      expect(await store().agents.list({ ownerId: owner.id })).toEqual([newer, older]);
      expect(await store().agents.list({ ownerId: owner.id, limit: 1 })).toEqual([newer]);
      expect(await store().agents.list({ ownerId: other.id })).toEqual([theirs]);
      const everyone = (await store().agents.list()).map((agent) => agent.id);
      expect(everyone).toEqual(expect.arrayContaining([older.id, newer.id, theirs.id, ownerless.id]));
    });

    it("publishes and unpublishes without making a version", async () => {
      const agent = await createAgent(store(), { now: at(1) });
      const published = await store().agents.setPublished({ id: agent.id, publishedAt: at(5), now: at(5) });

      expect(published).toEqual({ ...agent, publishedAt: at(5), updatedAt: at(5) });
      expect(await store().agents.get(agent.id)).toEqual(published);
      expect(await store().agents.listVersions(agent.id)).toHaveLength(1);

      const edited = await store().agents.update({ id: agent.id, handle: agent.handle, profile: profile({ name: "Edited" }), now: at(6) });
      expect(edited).toMatchObject({ version: 2, publishedAt: at(5) });
      expect(await store().agents.getVersion(agent.id, 1)).toMatchObject({ version: 1, publishedAt: at(5) });

      const unpublished = await store().agents.setPublished({ id: agent.id, publishedAt: null, now: at(7) });
      expect(unpublished).toMatchObject({ version: 2, name: "Edited", publishedAt: null, updatedAt: at(7) });
      expect(await store().agents.listVersions(agent.id)).toHaveLength(2);
    });

    it("answers not_found when publishing an unknown agent", async () => {
      await expectAtelierError(store().agents.setPublished({ id: uniqueId("agt"), publishedAt: at(1), now: at(1) }), "not_found");
    });

    it("stores each update as a new version and keeps the old ones", async () => {
      const agent = await createAgent(store(), { now: at(10), name: "Bea" });
      const renamed = await store().agents.update({
        id: agent.id,
        handle: agent.handle,
        profile: profile({ name: "Beatrice", handle: agent.handle, tagline: "Cooks" }),
        now: at(11),
        expectedVersion: 1,
      });

      expect(renamed).toMatchObject({ id: agent.id, version: 2, name: "Beatrice", tagline: "Cooks", createdAt: at(10), updatedAt: at(11) });
      expect(await store().agents.get(agent.id)).toEqual(renamed);
      const first = await store().agents.getVersion(agent.id, 1);
      expect(first).toMatchObject({ version: 1, name: "Bea", tagline: "", createdAt: at(10), updatedAt: at(10) });
      expect(await store().agents.getVersion(agent.id, 3)).toBeUndefined();
      expect(await store().agents.listVersions(agent.id)).toEqual([
        { version: 2, createdAt: at(11), name: "Beatrice" },
        { version: 1, createdAt: at(10), name: "Bea" },
      ]);
    });

    it("moves the handle on update and frees the old one", async () => {
      const agent = await createAgent(store());
      const newHandle = uniqueHandle("moved");
      await store().agents.update({ id: agent.id, handle: newHandle, profile: profile({ handle: newHandle }), now: at(3) });

      expect((await store().agents.getByHandle(newHandle))?.id).toBe(agent.id);
      expect(await store().agents.getByHandle(agent.handle)).toBeUndefined();
      const reuse = await store().agents.create({ id: uniqueId("agt"), handle: agent.handle, ownerId: null, profile: profile(), now: at(4) });
      expect(reuse.handle).toBe(agent.handle);
    });

    it("refuses a stale expectedVersion and changes nothing", async () => {
      const agent = await createAgent(store());
      await store().agents.update({ id: agent.id, handle: agent.handle, profile: profile({ name: "Second" }), now: at(5) });
      const stale = store().agents.update({
        id: agent.id,
        handle: agent.handle,
        profile: profile({ name: "Lost update" }),
        now: at(6),
        expectedVersion: 1,
      });

      await expectAtelierError(stale, "conflict");
      expect(await store().agents.get(agent.id)).toMatchObject({ version: 2, name: "Second" });
      expect(await store().agents.listVersions(agent.id)).toHaveLength(2);
    });

    it("refuses an update to a taken handle and rolls the whole update back", async () => {
      const taken = await createAgent(store());
      const agent = await createAgent(store());
      const attempt = store().agents.update({ id: agent.id, handle: taken.handle, profile: profile({ name: "Thief" }), now: at(7) });

      await expectAtelierError(attempt, "conflict", `The handle "${taken.handle}" is taken. Choose another.`);
      expect(await store().agents.get(agent.id)).toEqual(agent);
      expect(await store().agents.listVersions(agent.id)).toHaveLength(1);
    });

    it("answers not_found when updating an unknown agent", async () => {
      const attempt = store().agents.update({ id: uniqueId("agt"), handle: uniqueHandle(), profile: profile(), now: at(8) });
      await expectAtelierError(attempt, "not_found");
    });

    it("deletes an agent with its versions, conversations and messages", async () => {
      const agent = await createAgent(store());
      await store().agents.update({ id: agent.id, handle: agent.handle, profile: profile({ name: "v2" }), now: at(1) });
      const conversation = await createConversation(store(), { agentId: agent.id });
      const message = await store().conversations.appendMessage({
        id: uniqueId("msg"),
        conversationId: conversation.id,
        role: "user",
        content: "hello",
        status: "complete",
        createdAt: at(2),
      });

      expect(await store().agents.delete(agent.id)).toBe(true);
      expect(await store().agents.get(agent.id)).toBeUndefined();
      expect(await store().agents.getByHandle(agent.handle)).toBeUndefined();
      expect(await store().agents.listVersions(agent.id)).toEqual([]);
      expect(await store().conversations.get(conversation.id)).toBeUndefined();
      expect(await store().conversations.getMessage(message.id)).toBeUndefined();
      expect(await store().conversations.listMessages(conversation.id, { includeReplaced: true })).toEqual([]);
      expect(await store().agents.delete(agent.id)).toBe(false);
    });
  });
}
