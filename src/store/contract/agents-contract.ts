import { describe, expect, it } from "vitest";
import { PublishSettings } from "../../contracts/index.js";
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

      expect(created).toEqual({
        ...input, id, handle, version: 1, ownerId: owner.id, publishedAt: null, visibility: "private", publishedVersion: null, createdAt: at(1), updatedAt: at(1),
      });
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

    it("publishes, pins a version and unpublishes without making a version", async () => {
      const agent = await createAgent(store(), { now: at(1) });
      const published = await store().agents.setPublication({ id: agent.id, visibility: "unlisted", publishedVersion: 1, publishedAt: at(5), now: at(5) });

      expect(published).toEqual({ ...agent, visibility: "unlisted", publishedVersion: 1, publishedAt: at(5), updatedAt: at(5) });
      expect(await store().agents.get(agent.id)).toEqual(published);
      expect(await store().agents.listVersions(agent.id)).toHaveLength(1);

      // Editing makes version 2; the pin stays on 1 until published again.
      const edited = await store().agents.update({ id: agent.id, handle: agent.handle, profile: profile({ name: "Edited" }), now: at(6) });
      expect(edited).toMatchObject({ version: 2, publishedAt: at(5), visibility: "unlisted", publishedVersion: 1 });
      expect(await store().agents.getVersion(agent.id, 1)).toMatchObject({ version: 1, name: "Chef Bea", publishedAt: at(5), publishedVersion: 1 });

      const repinned = await store().agents.setPublication({ id: agent.id, visibility: "public", publishedVersion: 2, publishedAt: at(5), now: at(7) });
      expect(repinned).toMatchObject({ version: 2, visibility: "public", publishedVersion: 2, publishedAt: at(5), updatedAt: at(7) });

      const unpublished = await store().agents.setPublication({ id: agent.id, visibility: "private", publishedVersion: null, publishedAt: null, now: at(8) });
      expect(unpublished).toMatchObject({ version: 2, name: "Edited", visibility: "private", publishedVersion: null, publishedAt: null, updatedAt: at(8) });
      expect(await store().agents.listVersions(agent.id)).toHaveLength(2);
    });

    it("answers not_found when publishing an unknown agent or version, and changes nothing", async () => {
      await expectAtelierError(
        store().agents.setPublication({ id: uniqueId("agt"), visibility: "public", publishedVersion: null, publishedAt: at(1), now: at(1) }),
        "not_found",
      );
      const agent = await createAgent(store());
      await expectAtelierError(
        store().agents.setPublication({ id: agent.id, visibility: "public", publishedVersion: 3, publishedAt: at(1), now: at(1) }),
        "not_found",
      );
      expect(await store().agents.get(agent.id)).toEqual(agent);
    });

    it("lists public agents at their pinned versions, most recently first published first", async () => {
      const older = await createAgent(store(), { name: "Older" });
      const newer = await createAgent(store(), { name: "Newer" });
      const unlisted = await createAgent(store());
      const hidden = await createAgent(store());
      await store().agents.setPublication({ id: older.id, visibility: "public", publishedVersion: 1, publishedAt: at(900_000), now: at(1) });
      await store().agents.setPublication({ id: newer.id, visibility: "public", publishedVersion: 1, publishedAt: at(900_001), now: at(1) });
      await store().agents.setPublication({ id: unlisted.id, visibility: "unlisted", publishedVersion: 1, publishedAt: at(900_002), now: at(1) });
      await store().agents.update({ id: newer.id, handle: newer.handle, profile: profile({ name: "Newer draft", handle: newer.handle }), now: at(2) });

      const listed = (await store().agents.listPublic({ limit: 1_000 })).filter((agent) => [older.id, newer.id, unlisted.id, hidden.id].includes(agent.id));
      expect(listed.map((agent) => agent.id)).toEqual([newer.id, older.id]);
      expect(listed[0]).toMatchObject({ name: "Newer", version: 1, publishedVersion: 1, visibility: "public" });
      expect(await store().agents.listPublic({ limit: 1 })).toHaveLength(1);
    });

    it("stores publish settings beside the versions, with defaults for an agent that has none", async () => {
      const agent = await createAgent(store());
      const fresh = await store().agents.getPublishing(agent.id);
      expect(fresh).toEqual({ settings: PublishSettings.parse({}), identitySecret: null });
      expect(await store().agents.getPublishing(uniqueId("agt"))).toBeUndefined();

      const settings = PublishSettings.parse({ allowedOrigins: ["https://shop.example"], reviewReplies: true, limits: { visitorPerMinute: 3 } });
      await store().agents.setPublishSettings({ id: agent.id, settings });
      expect((await store().agents.getPublishing(agent.id))?.settings).toEqual(settings);
      expect(await store().agents.listVersions(agent.id)).toHaveLength(1);
      await expectAtelierError(store().agents.setPublishSettings({ id: uniqueId("agt"), settings }), "not_found");
    });

    it("lists the origins that published agents allow, once each", async () => {
      const origin = `https://${uniqueHandle("site")}.example`;
      const privateOrigin = `https://${uniqueHandle("private")}.example`;
      const first = await createAgent(store());
      const second = await createAgent(store());
      const hidden = await createAgent(store());
      for (const agent of [first, second]) {
        await store().agents.setPublishSettings({ id: agent.id, settings: PublishSettings.parse({ allowedOrigins: [origin] }) });
        await store().agents.setPublication({ id: agent.id, visibility: "unlisted", publishedVersion: 1, publishedAt: at(1), now: at(1) });
      }
      await store().agents.setPublishSettings({ id: hidden.id, settings: PublishSettings.parse({ allowedOrigins: [privateOrigin] }) });

      const origins = await store().agents.listAllowedOrigins();
      expect(origins.filter((item) => item === origin)).toHaveLength(1);
      expect(origins).not.toContain(privateOrigin);
    });

    it("keeps the first identity secret when two are made at once, and replaces it when told", async () => {
      const agent = await createAgent(store());
      const [a, b] = await Promise.all([
        store().agents.setIdentitySecret({ id: agent.id, secret: "first", onlyIfUnset: true }),
        store().agents.setIdentitySecret({ id: agent.id, secret: "second", onlyIfUnset: true }),
      ]);
      expect(a).toBe(b);
      expect((await store().agents.getPublishing(agent.id))?.identitySecret).toBe(a);
      expect(await store().agents.setIdentitySecret({ id: agent.id, secret: "rotated" })).toBe("rotated");
      await expectAtelierError(store().agents.setIdentitySecret({ id: uniqueId("agt"), secret: "x" }), "not_found");
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
