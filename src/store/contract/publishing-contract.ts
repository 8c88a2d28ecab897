import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { at, createAgent, createConversation, expectAtelierError, type OpenStore, uniqueId, useStore } from "./fixtures.js";

/** Identified visitors (an embedding site vouches for its users) and the counters behind visitor quotas. */
export function describePublishingContract(open: OpenStore): void {
  describe("identified visitors", () => {
    const store = useStore(open);
    /** A token hash nobody else has (the shape of a SHA-256 hex digest). */
    const hash = () => randomBytes(32).toString("hex");

    it("creates a visitor with an external key and finds it by that key and by token", async () => {
      const externalKey = `${uniqueId("agt")}:user-42`;
      const id = uniqueId("vis");
      const tokenHash = hash();
      const created = await store().visitors.create({ id, tokenHash, externalKey, now: at(1) });

      expect(created).toEqual({ id, externalKey, createdAt: at(1), lastSeenAt: at(1) });
      expect(await store().visitors.findByExternalKey(externalKey)).toEqual(created);
      expect(await store().visitors.findByTokenHash(tokenHash)).toEqual(created);
      expect(await store().visitors.findByExternalKey(`${externalKey}-other`)).toBeUndefined();
    });

    it("gets a visitor by id, with the external key an identified one carries and null for an anonymous one", async () => {
      const externalKey = `${uniqueId("agt")}:user-7`;
      const identified = await store().visitors.create({ id: uniqueId("vis"), tokenHash: hash(), externalKey, now: at(1) });
      const anonymous = await store().visitors.create({ id: uniqueId("vis"), tokenHash: hash(), now: at(2) });
      await store().visitors.touch({ id: identified.id, now: at(5) });

      expect(await store().visitors.get(identified.id)).toEqual({ id: identified.id, externalKey, createdAt: at(1), lastSeenAt: at(5) });
      expect(await store().visitors.get(anonymous.id)).toEqual({ id: anonymous.id, externalKey: null, createdAt: at(2), lastSeenAt: at(2) });
      expect(await store().visitors.get(uniqueId("vis"))).toBeUndefined();
      expect(await store().visitors.delete(identified.id)).toBe(true);
      expect(await store().visitors.get(identified.id)).toBeUndefined();
    });

    it("makes anonymous visitors without an external key, any number of them", async () => {
      // A unique index holds any number of nulls: anonymous visitors never conflict with each other.
      const tokens = [hash(), hash()];
      const first = await store().visitors.create({ id: uniqueId("vis"), tokenHash: tokens[0]!, now: at(1) });
      const second = await store().visitors.create({ id: uniqueId("vis"), tokenHash: tokens[1]!, externalKey: null, now: at(1) });
      expect((await store().visitors.findByTokenHash(tokens[0]!))?.id).toBe(first.id);
      expect((await store().visitors.findByTokenHash(tokens[1]!))?.id).toBe(second.id);
    });

    it("refuses a second visitor with the same external key", async () => {
      const externalKey = `${uniqueId("agt")}:same`;
      await store().visitors.create({ id: uniqueId("vis"), tokenHash: hash(), externalKey, now: at(1) });
      await expectAtelierError(store().visitors.create({ id: uniqueId("vis"), tokenHash: hash(), externalKey, now: at(2) }), "conflict");
    });

    it("replaces a visitor's token: the old one stops working", async () => {
      const original = hash();
      const visitor = await store().visitors.create({ id: uniqueId("vis"), tokenHash: original, externalKey: `${uniqueId("agt")}:u`, now: at(1) });
      const replacement = hash();
      expect(await store().visitors.setTokenHash({ id: visitor.id, tokenHash: replacement })).toBe(true);
      expect(await store().visitors.findByTokenHash(original)).toBeUndefined();
      expect((await store().visitors.findByTokenHash(replacement))?.id).toBe(visitor.id);
      expect(await store().visitors.setTokenHash({ id: uniqueId("vis"), tokenHash: hash() })).toBe(false);
    });

    it("revokes the tokens of one agent's identified visitors only", async () => {
      // Ids hold "_", which LIKE would take for a wildcard: "agt_x1" must not match "agtAx1".
      const agentId = uniqueId("agt");
      const lookalike = agentId.replace("_", "A");
      const tokens = [hash(), hash(), hash(), hash()];
      const mine = await store().visitors.create({ id: uniqueId("vis"), tokenHash: tokens[0]!, externalKey: `${agentId}:alice`, now: at(1) });
      const alsoMine = await store().visitors.create({ id: uniqueId("vis"), tokenHash: tokens[1]!, externalKey: `${agentId}:bob`, now: at(1) });
      const other = await store().visitors.create({ id: uniqueId("vis"), tokenHash: tokens[2]!, externalKey: `${lookalike}:alice`, now: at(1) });
      const anonymous = await store().visitors.create({ id: uniqueId("vis"), tokenHash: tokens[3]!, now: at(1) });

      expect(await store().visitors.revokeIdentifiedTokens(agentId)).toBe(2);
      expect(await store().visitors.findByTokenHash(tokens[0]!)).toBeUndefined();
      expect(await store().visitors.findByTokenHash(tokens[1]!)).toBeUndefined();
      expect((await store().visitors.findByTokenHash(tokens[2]!))?.id).toBe(other.id);
      expect((await store().visitors.findByTokenHash(tokens[3]!))?.id).toBe(anonymous.id);
      // The visitors (and their conversations) stay: identifying them again gives them a token.
      expect((await store().visitors.findByExternalKey(`${agentId}:alice`))?.id).toBe(mine.id);
      expect(await store().visitors.setTokenHash({ id: alsoMine.id, tokenHash: tokens[1]! })).toBe(true);
      expect((await store().visitors.findByTokenHash(tokens[1]!))?.id).toBe(alsoMine.id);
    });

    it("deleting an identified visitor takes their conversations and frees the external key", async () => {
      const agent = await createAgent(store());
      const externalKey = `${agent.id}:leaving`;
      const visitor = await store().visitors.create({ id: uniqueId("vis"), tokenHash: hash(), externalKey, now: at(1) });
      const conversation = await createConversation(store(), { agentId: agent.id, participantId: visitor.id });
      expect(await store().visitors.delete(visitor.id)).toBe(true);
      expect(await store().conversations.get(conversation.id)).toBeUndefined();
      expect(await store().visitors.findByExternalKey(externalKey)).toBeUndefined();
      const again = await store().visitors.create({ id: uniqueId("vis"), tokenHash: hash(), externalKey, now: at(2) });
      expect((await store().visitors.findByExternalKey(externalKey))?.id).toBe(again.id);
    });
  });

  describe("quota counters", () => {
    const store = useStore(open);

    it("counts up from one, per scope and period, and gives back", async () => {
      const scope = `visitor:${uniqueId("agt")}:vis_1`;
      const window = { scope, period: "m:2030-01-01T00:05", expiresAt: at(6) };
      expect(await store().quotas.get(window)).toBe(0);
      expect(await store().quotas.add(window)).toBe(1);
      expect(await store().quotas.add(window)).toBe(2);
      expect(await store().quotas.add({ ...window, period: "m:2030-01-01T00:06" })).toBe(1);
      expect(await store().quotas.add({ ...window, scope: `${scope}x` })).toBe(1);
      expect(await store().quotas.add({ ...window, by: -1 })).toBe(1);
      expect(await store().quotas.get(window)).toBe(1);
    });

    it("gives every concurrent caller its own count", async () => {
      const window = { scope: `agent:${uniqueId("agt")}`, period: "d:2030-01-01", expiresAt: at(1_440) };
      const counts = await Promise.all(Array.from({ length: 25 }, () => store().quotas.add(window)));
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, index) => index + 1));
      expect(await store().quotas.get(window)).toBe(25);
    });

    it("deletes counters whose period has ended, and only those", async () => {
      const scope = `agent:${uniqueId("agt")}`;
      const ended = { scope, period: "m:2030-01-01T00:00", expiresAt: at(1) };
      const running = { scope, period: "m:2030-01-01T00:01", expiresAt: at(2) };
      await store().quotas.add(ended);
      await store().quotas.add(running);
      expect(await store().quotas.deleteExpired(at(1))).toBeGreaterThanOrEqual(1);
      expect(await store().quotas.get(ended)).toBe(0);
      expect(await store().quotas.get(running)).toBe(1);
    });
  });
}
