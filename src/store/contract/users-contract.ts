import { describe, expect, it } from "vitest";
import type { Store } from "../store.js";
import {
  at,
  type ContractStores,
  createAgent,
  createConversation,
  createUser,
  expectAtelierError,
  profile,
  uniqueId,
  useStore,
} from "./fixtures.js";

export function describeUserContract(stores: ContractStores): void {
  describe("users", () => {
    const store = useStore(stores.open);

    it("makes the first user the admin, who adopts the agents made before accounts, and later ones owners", async () => {
      await using empty = await stores.openEmpty();
      const legacy = await createAgent(empty, { now: at(0) });
      const ada = await createUser(empty, { role: "admin-if-first", now: at(1) });
      const bob = await createUser(empty, { role: "admin-if-first", now: at(2) });
      const made = await createAgent(empty, { now: at(3) }); // after the adoption: nobody adopts it

      expect(ada.role).toBe("admin");
      expect(bob.role).toBe("owner");
      expect(await empty.agents.get(legacy.id)).toEqual({ ...legacy, ownerId: ada.id });
      expect(await empty.agents.list({ ownerId: ada.id })).toEqual([{ ...legacy, ownerId: ada.id }]);
      expect((await empty.agents.get(made.id))?.ownerId).toBeNull();
      expect(await empty.users.count()).toBe(2);
      expect(await empty.users.countAdmins()).toBe(1);
      expect(await empty.users.list()).toEqual([ada, bob]);
    });

    it("makes exactly one admin when the first sign-ups race", async () => {
      await using empty = await stores.openEmpty();
      const legacy = await createAgent(empty);
      // Connections opened beforehand (a pool's), so the sign-ups overlap instead of queueing for a connect.
      await Promise.all(Array.from({ length: 6 }, () => empty.ping()));
      const users = await Promise.all(Array.from({ length: 6 }, () => createUser(empty, { role: "admin-if-first" })));

      const admins = users.filter((user) => user.role === "admin");
      expect(admins).toHaveLength(1);
      expect(await empty.users.countAdmins()).toBe(1);
      expect(await empty.users.count()).toBe(6);
      expect((await empty.agents.get(legacy.id))?.ownerId).toBe(admins[0]?.id);
    });

    it("does not count an explicitly created user as a reason to make anyone else admin", async () => {
      await using empty = await stores.openEmpty();
      const owner = await createUser(empty, { role: "owner" });
      const later = await createUser(empty, { role: "admin-if-first" });
      const admin = await createUser(empty, { role: "admin" });

      expect([owner.role, later.role, admin.role]).toEqual(["owner", "owner", "admin"]);
      expect(await empty.users.countAdmins()).toBe(1);
    });

    it("makes the next sign-up admin again once every user was deleted", async () => {
      await using empty = await stores.openEmpty();
      const first = await createUser(empty, { role: "admin-if-first" });
      expect(await empty.users.delete(first.id)).toBe(true);
      expect(await empty.users.count()).toBe(0);

      expect((await createUser(empty, { role: "admin-if-first" })).role).toBe("admin");
    });

    it("reads users back by id and by email, with the password hash only there", async () => {
      const created = await createUser(store(), { now: at(5), name: "Grace" });
      expect(created).not.toHaveProperty("passwordHash");

      const stored = await store().users.get(created.id);
      expect(stored).toEqual({ ...created, passwordHash: `$argon2id$hash-of-${created.id}` });
      expect(await store().users.getByEmail(created.email)).toEqual(stored);
      expect(await store().users.get(uniqueId("usr"))).toBeUndefined();
      expect(await store().users.getByEmail("nobody@example.com")).toBeUndefined();
      expect((await store().users.list()).find((user) => user.id === created.id)).toEqual(created);
    });

    it("refuses a taken email with a conflict and keeps the first account", async () => {
      const first = await createUser(store());
      const attempt = store().users.create({
        id: uniqueId("usr"), email: first.email, name: "Impostor", role: "owner", passwordHash: "x", now: at(9),
      });

      await expectAtelierError(attempt, "conflict", new RegExp(`email "${first.email}"`));
      expect(await store().users.getByEmail(first.email)).toMatchObject({ id: first.id, name: first.name });
    });

    it("refuses a taken id with a conflict", async () => {
      const first = await createUser(store());
      const attempt = store().users.create({ id: first.id, email: `${uniqueId("x")}@example.com`, name: "Twin", role: "owner", passwordHash: "x", now: at(9) });
      await expectAtelierError(attempt, "conflict", new RegExp(`id "${first.id}"`));
    });

    it("sets a password", async () => {
      const user = await createUser(store(), { now: at(1) });
      await store().users.setPassword({ id: user.id, passwordHash: "$argon2id$new", now: at(2) });

      expect(await store().users.get(user.id)).toEqual({ ...user, passwordHash: "$argon2id$new", updatedAt: at(2) });
      await expectAtelierError(store().users.setPassword({ id: uniqueId("usr"), passwordHash: "x", now: at(2) }), "not_found");
    });

    it("deletes a user with everything they own, and nothing of anyone else", async () => {
      const doomed = await seedAccount(store());
      const survivor = await seedAccount(store());
      // The doomed user talking to the survivor's agent: the survivor's conversation, which stays.
      const visit = await createConversation(store(), { agentId: survivor.agentId, participantId: doomed.userId });
      const instanceEvent = uniqueId("aud");
      await store().audit.append({ id: instanceEvent, userId: null, action: "user.deleted", actor: survivor.userId, targetId: doomed.userId, createdAt: at(9) });

      expect(await store().users.delete(doomed.userId)).toBe(true);

      expect(await store().users.get(doomed.userId)).toBeUndefined();
      expect(await footprint(store(), doomed)).toEqual(GONE);
      expect(await footprint(store(), survivor)).toEqual(KEPT);
      expect(await store().conversations.get(visit.id)).toBeDefined();
      expect((await store().audit.list({ userId: null, limit: 1_000 })).map((event) => event.id)).toContain(instanceEvent);
      expect(await store().users.delete(doomed.userId)).toBe(false);
    });
  });
}

interface SeededAccount {
  userId: string;
  sessionToken: string;
  keyId: string;
  agentId: string;
  conversationId: string;
  messageId: string;
  inviteId: string;
}

/** A user with one of everything a user can own. */
async function seedAccount(store: Store): Promise<SeededAccount> {
  const user = await createUser(store);
  const sessionToken = uniqueId("hash");
  await store.sessions.create({ id: uniqueId("ses"), userId: user.id, tokenHash: sessionToken, now: at(1), expiresAt: at(100_000) });
  const key = await store.apiKeys.create({
    id: uniqueId("key"), userId: user.id, name: "ci", prefix: "atl_1", tokenHash: uniqueId("hash"), scopes: ["agents:read"], now: at(1), expiresAt: null,
  });
  const agent = await createAgent(store, { ownerId: user.id });
  await store.agents.update({ id: agent.id, handle: agent.handle, profile: profile({ name: "Second" }), now: at(2) });
  const conversation = await createConversation(store, { agentId: agent.id, participantId: uniqueId("vis") });
  const message = await store.conversations.appendMessage({
    id: uniqueId("msg"), conversationId: conversation.id, role: "user", content: "hi", status: "complete", createdAt: at(3),
  });
  const invite = await store.invites.create({
    id: uniqueId("inv"), createdBy: user.id, email: null, tokenHash: uniqueId("hash"), now: at(1), expiresAt: at(100_000),
  });
  await store.audit.append({ id: uniqueId("aud"), userId: user.id, action: "user.logged_in", actor: user.id, createdAt: at(4) });
  return {
    userId: user.id, sessionToken, keyId: key.id, agentId: agent.id, conversationId: conversation.id, messageId: message.id, inviteId: invite.id,
  };
}

const GONE = { session: false, key: false, agent: false, versions: 0, conversation: false, message: false, invite: false, auditEvents: 0 };
const KEPT = { session: true, key: true, agent: true, versions: 2, conversation: true, message: true, invite: true, auditEvents: 1 };

/** What is left of a seeded account. */
async function footprint(store: Store, account: SeededAccount) {
  return {
    session: (await store.sessions.findByTokenHash(account.sessionToken, at(5))) !== undefined,
    key: (await store.apiKeys.findById(account.keyId)) !== undefined,
    agent: (await store.agents.get(account.agentId)) !== undefined,
    versions: (await store.agents.listVersions(account.agentId)).length,
    conversation: (await store.conversations.get(account.conversationId)) !== undefined,
    message: (await store.conversations.getMessage(account.messageId)) !== undefined,
    invite: (await store.invites.list()).some((invite) => invite.id === account.inviteId),
    auditEvents: (await store.audit.list({ userId: account.userId, limit: 100 })).length,
  };
}
