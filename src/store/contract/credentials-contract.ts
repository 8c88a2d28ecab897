import { describe, expect, it } from "vitest";
import { at, createAgent, createConversation, createUser, expectAtelierError, type OpenStore, uniqueId, useStore } from "./fixtures.js";

/** Sessions, API keys, visitors and invites: everything found by the hash of a token. */
export function describeCredentialContract(open: OpenStore): void {
  describe("sessions", () => {
    const store = useStore(open);

    async function newSession(options: { userId: string; expiresAt?: string; now?: string }) {
      const tokenHash = uniqueId("hash");
      const session = await store().sessions.create({
        id: uniqueId("ses"), userId: options.userId, tokenHash, now: options.now ?? at(1), expiresAt: options.expiresAt ?? at(100),
      });
      return { session, tokenHash };
    }

    it("finds a live session with its user by token hash, until it expires", async () => {
      const user = await createUser(store());
      const { session, tokenHash } = await newSession({ userId: user.id, now: at(1), expiresAt: at(100) });

      expect(session).toEqual({ id: session.id, userId: user.id, createdAt: at(1), expiresAt: at(100), lastSeenAt: at(1) });
      const found = await store().sessions.findByTokenHash(tokenHash, at(50));
      expect(found).toEqual({ session, user: await store().users.get(user.id) });
      expect(await store().sessions.findByTokenHash(tokenHash, at(100))).toBeUndefined();
      expect(await store().sessions.findByTokenHash(tokenHash, at(101))).toBeUndefined();
      expect(await store().sessions.findByTokenHash(uniqueId("hash"), at(50))).toBeUndefined();
    });

    it("slides the expiry when touched", async () => {
      const user = await createUser(store());
      const { session, tokenHash } = await newSession({ userId: user.id, expiresAt: at(100) });
      await store().sessions.touch({ id: session.id, now: at(90), expiresAt: at(190) });

      expect((await store().sessions.findByTokenHash(tokenHash, at(150)))?.session).toEqual({ ...session, lastSeenAt: at(90), expiresAt: at(190) });
    });

    it("refuses an unknown user (not_found) and a token hash in use (conflict)", async () => {
      const user = await createUser(store());
      const { tokenHash } = await newSession({ userId: user.id });
      await expectAtelierError(newSession({ userId: uniqueId("usr") }), "not_found");
      const reuse = store().sessions.create({ id: uniqueId("ses"), userId: user.id, tokenHash, now: at(1), expiresAt: at(100) });
      await expectAtelierError(reuse, "conflict");
    });

    it("signs out one session, or all of a user's but one, and leaves other users signed in", async () => {
      const user = await createUser(store());
      const other = await createUser(store());
      const kept = await newSession({ userId: user.id });
      const ended = [await newSession({ userId: user.id }), await newSession({ userId: user.id })];
      const others = await newSession({ userId: other.id });

      expect(await store().sessions.deleteForUser(user.id, { exceptId: kept.session.id })).toBe(2);
      for (const { tokenHash } of ended) expect(await store().sessions.findByTokenHash(tokenHash, at(2))).toBeUndefined();
      expect(await store().sessions.findByTokenHash(kept.tokenHash, at(2))).toBeDefined();
      expect(await store().sessions.findByTokenHash(others.tokenHash, at(2))).toBeDefined();

      expect(await store().sessions.delete(kept.session.id)).toBe(true);
      expect(await store().sessions.delete(kept.session.id)).toBe(false);
      expect(await store().sessions.deleteForUser(user.id)).toBe(0);
      expect(await store().sessions.deleteForUser(other.id)).toBe(1);
    });

    it("purges expired sessions only", async () => {
      const user = await createUser(store());
      // Far in the past, so no other test's session is old enough to be purged here too.
      const expired = await newSession({ userId: user.id, now: at(-2_000_010), expiresAt: at(-2_000_000) });
      const live = await newSession({ userId: user.id, now: at(-2_000_010), expiresAt: at(-1_999_000) });

      expect(await store().sessions.deleteExpired(at(-1_999_999))).toBe(1);
      expect(await store().sessions.delete(expired.session.id)).toBe(false);
      expect(await store().sessions.findByTokenHash(live.tokenHash, at(-1_999_999))).toBeDefined();
    });
  });

  describe("API keys", () => {
    const store = useStore(open);

    async function newKey(options: { userId: string; now?: string; expiresAt?: string | null; agentIds?: string[] | null }) {
      const tokenHash = uniqueId("hash");
      const key = await store().apiKeys.create({
        id: uniqueId("key"),
        userId: options.userId,
        name: "deploy bot",
        prefix: "atl_k3y",
        tokenHash,
        scopes: ["agents:read", "conversations:write"],
        ...(options.agentIds === undefined ? {} : { agentIds: options.agentIds }),
        now: options.now ?? at(1),
        expiresAt: options.expiresAt === undefined ? null : options.expiresAt,
      });
      return { key, tokenHash };
    }

    it("creates a key, shows no secret, and finds it by id with its user", async () => {
      const user = await createUser(store());
      const { key, tokenHash } = await newKey({ userId: user.id, expiresAt: at(500) });

      expect(key).toEqual({
        id: key.id, name: "deploy bot", prefix: "atl_k3y", scopes: ["agents:read", "conversations:write"], agentIds: null,
        createdAt: at(1), lastUsedAt: null, expiresAt: at(500), revokedAt: null,
      });
      expect(await store().apiKeys.findById(key.id)).toEqual({ key: { ...key, userId: user.id, tokenHash }, user: await store().users.get(user.id) });
      expect(await store().apiKeys.findById(uniqueId("key"))).toBeUndefined();
      await expectAtelierError(newKey({ userId: uniqueId("usr") }), "not_found");
    });

    it("keeps the agents a key is limited to, in order; none (null) means all", async () => {
      const user = await createUser(store());
      const limited = await newKey({ userId: user.id, agentIds: ["agt_b", "agt_a"] });
      const unlimited = await newKey({ userId: user.id, agentIds: null });

      expect(limited.key.agentIds).toEqual(["agt_b", "agt_a"]);
      expect((await store().apiKeys.findById(limited.key.id))?.key.agentIds).toEqual(["agt_b", "agt_a"]);
      expect(unlimited.key.agentIds).toBeNull();
      const listed = new Map((await store().apiKeys.listForUser(user.id)).map((key) => [key.id, key.agentIds]));
      expect(listed).toEqual(new Map([[limited.key.id, ["agt_b", "agt_a"]], [unlimited.key.id, null]]));
    });

    it("lists a user's keys newest first, revoked ones included, and records use", async () => {
      const user = await createUser(store());
      const older = await newKey({ userId: user.id, now: at(1) });
      const newer = await newKey({ userId: user.id, now: at(2) });
      await newKey({ userId: (await createUser(store())).id, now: at(3) });
      await store().apiKeys.revoke({ userId: user.id, id: older.key.id, now: at(4) });
      await store().apiKeys.touch({ id: newer.key.id, now: at(5) });

      expect(await store().apiKeys.listForUser(user.id)).toEqual([{ ...newer.key, lastUsedAt: at(5) }, { ...older.key, revokedAt: at(4) }]);
    });

    it("revokes idempotently, keeping the first time, and only for the key's own user", async () => {
      const user = await createUser(store());
      const other = await createUser(store());
      const { key } = await newKey({ userId: user.id });

      expect(await store().apiKeys.revoke({ userId: other.id, id: key.id, now: at(2) })).toBe(false);
      expect((await store().apiKeys.findById(key.id))?.key.revokedAt).toBeNull();
      expect(await store().apiKeys.revoke({ userId: user.id, id: key.id, now: at(3) })).toBe(true);
      expect(await store().apiKeys.revoke({ userId: user.id, id: key.id, now: at(4) })).toBe(true);
      expect((await store().apiKeys.findById(key.id))?.key.revokedAt).toBe(at(3));
      expect(await store().apiKeys.revoke({ userId: user.id, id: uniqueId("key"), now: at(4) })).toBe(false);
    });
  });

  describe("visitors", () => {
    const store = useStore(open);

    it("creates a visitor, finds them by token hash and records their visits", async () => {
      const tokenHash = uniqueId("hash");
      const visitor = await store().visitors.create({ id: uniqueId("vis"), tokenHash, now: at(1) });

      expect(visitor).toEqual({ id: visitor.id, externalKey: null, createdAt: at(1), lastSeenAt: at(1) });
      expect(await store().visitors.findByTokenHash(tokenHash)).toEqual(visitor);
      await store().visitors.touch({ id: visitor.id, now: at(7) });
      expect(await store().visitors.findByTokenHash(tokenHash)).toEqual({ ...visitor, lastSeenAt: at(7) });
      expect(await store().visitors.findByTokenHash(uniqueId("hash"))).toBeUndefined();
      await expectAtelierError(store().visitors.create({ id: uniqueId("vis"), tokenHash, now: at(2) }), "conflict");
    });

    it("deletes a visitor with their conversations and messages, and no one else's", async () => {
      const tokenHash = uniqueId("hash");
      const visitor = await store().visitors.create({ id: uniqueId("vis"), tokenHash, now: at(1) });
      const agent = await createAgent(store());
      const first = await createConversation(store(), { agentId: agent.id, participantId: visitor.id });
      const second = await createConversation(store(), { agentId: (await createAgent(store())).id, participantId: visitor.id });
      const theirs = [first, second];
      const message = await store().conversations.appendMessage({
        id: uniqueId("msg"), conversationId: first.id, role: "user", content: "hi", status: "complete", createdAt: at(2),
      });
      const someoneElses = await createConversation(store(), { agentId: agent.id, participantId: uniqueId("vis") });

      expect(await store().visitors.delete(visitor.id)).toBe(true);
      expect(await store().visitors.findByTokenHash(tokenHash)).toBeUndefined();
      for (const conversation of theirs) expect(await store().conversations.get(conversation.id)).toBeUndefined();
      expect(await store().conversations.getMessage(message.id)).toBeUndefined();
      expect(await store().conversations.get(someoneElses.id)).toEqual(someoneElses);
      expect(await store().visitors.delete(visitor.id)).toBe(false);
    });

    it("takes no conversation when the visitor does not exist", async () => {
      const agent = await createAgent(store());
      const label = uniqueId("vis");
      const conversation = await createConversation(store(), { agentId: agent.id, participantId: label });

      expect(await store().visitors.delete(label)).toBe(false);
      expect(await store().conversations.get(conversation.id)).toEqual(conversation);
    });
  });

  describe("invites", () => {
    const store = useStore(open);

    async function newInvite(options: { email?: string | null; expiresAt?: string; now?: string } = {}) {
      const admin = await createUser(store(), { role: "admin" });
      const tokenHash = uniqueId("hash");
      const invite = await store().invites.create({
        id: uniqueId("inv"), createdBy: admin.id, email: options.email ?? null, tokenHash, now: options.now ?? at(1), expiresAt: options.expiresAt ?? at(100),
      });
      return { invite, tokenHash };
    }

    it("admits one account: the second use finds it used", async () => {
      const { invite, tokenHash } = await newInvite({ now: at(1), expiresAt: at(100) });
      expect(invite).toEqual({ id: invite.id, email: null, createdAt: at(1), expiresAt: at(100), usedAt: null });

      expect(await store().invites.consume({ tokenHash, email: "a@example.com", now: at(5) })).toEqual({ ...invite, usedAt: at(5) });
      expect(await store().invites.consume({ tokenHash, email: "b@example.com", now: at(6) })).toBeUndefined();
      expect(await store().invites.consume({ tokenHash: uniqueId("hash"), email: "a@example.com", now: at(5) })).toBeUndefined();
    });

    it("admits exactly one of several sign-ups racing for it", async () => {
      const { tokenHash } = await newInvite();
      await Promise.all(Array.from({ length: 5 }, () => store().ping())); // a pool's connections open, so the attempts overlap
      const outcomes = await Promise.all(Array.from({ length: 5 }, (_, index) => store().invites.consume({ tokenHash, email: `r${index}@example.com`, now: at(5) })));
      expect(outcomes.filter((outcome) => outcome !== undefined)).toHaveLength(1);
    });

    it("refuses an expired invite", async () => {
      const { tokenHash } = await newInvite({ expiresAt: at(10) });
      expect(await store().invites.consume({ tokenHash, email: "a@example.com", now: at(10) })).toBeUndefined();
      expect(await store().invites.consume({ tokenHash, email: "a@example.com", now: at(11) })).toBeUndefined();
    });

    it("admits only the email it names, and stays usable by it after a wrong one", async () => {
      const { invite, tokenHash } = await newInvite({ email: "grace@example.com" });
      expect(await store().invites.consume({ tokenHash, email: "mallory@example.com", now: at(5) })).toBeUndefined();
      expect(await store().invites.consume({ tokenHash, email: "grace@example.com", now: at(6) })).toEqual({ ...invite, usedAt: at(6) });
    });

    it("lists newest first and refuses an unknown creator", async () => {
      const older = await newInvite({ now: at(-90_001) });
      const newer = await newInvite({ now: at(-90_000) });
      const ids = (await store().invites.list()).map((invite) => invite.id).filter((id) => id === older.invite.id || id === newer.invite.id);
      expect(ids).toEqual([newer.invite.id, older.invite.id]);

      const orphan = store().invites.create({ id: uniqueId("inv"), createdBy: uniqueId("usr"), email: null, tokenHash: uniqueId("hash"), now: at(1), expiresAt: at(2) });
      await expectAtelierError(orphan, "not_found");
    });
  });
}
