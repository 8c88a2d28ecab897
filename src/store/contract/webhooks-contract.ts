import { afterEach, describe, expect, it } from "vitest";
import type { WebhookEventType } from "../../contracts/index.js";
import type { ClaimedDelivery } from "../webhooks.js";
import { at, createUser, expectAtelierError, type OpenStore, uniqueId, useStore } from "./fixtures.js";

/*
 * The suite shares one database: every test deletes its webhooks (and so their deliveries) after,
 * and picks its own deliveries out of what a claim returns.
 */

const ALL: WebhookEventType[] = ["conversation.created", "message.created", "conversation.taken_over", "conversation.handed_back"];

export function describeWebhookContract(open: OpenStore): void {
  describe("webhooks", () => {
    const store = useStore(open);
    const made: string[] = [];

    async function webhook(ownerId: string, options: { events?: WebhookEventType[]; enabled?: boolean; now?: string } = {}) {
      const created = await store().webhooks.create({
        id: uniqueId("whk"), ownerId, url: "https://hooks.example.com/in", secret: `whsec_${uniqueId("s")}`,
        events: options.events ?? ALL, description: "CRM", enabled: options.enabled ?? true, now: options.now ?? at(0),
      });
      made.push(created.id);
      return created;
    }

    async function enqueue(ownerId: string, event: WebhookEventType, now: string) {
      return store().webhooks.enqueueEvent({ ownerId, event, payload: JSON.stringify({ event, now }), now, newId: () => uniqueId("dlv") });
    }

    /** Claims everything due at `now` and keeps this test's deliveries. */
    async function claimMine(ids: readonly string[], now: string, leaseUntil: string): Promise<ClaimedDelivery[]> {
      const claimed = await store().webhooks.claimDue({ now, leaseUntil, limit: 500 });
      return claimed.filter((entry) => ids.includes(entry.delivery.id));
    }

    afterEach(async () => {
      for (const id of made.splice(0)) await store().webhooks.delete(id);
    });

    it("creates, reads, lists, updates and deletes webhooks, keeping the secret and events", async () => {
      const owner = await createUser(store());
      const first = await webhook(owner.id, { events: ["message.created"], now: at(1) });
      const second = await webhook(owner.id, { now: at(2) });
      expect(first).toMatchObject({ ownerId: owner.id, url: "https://hooks.example.com/in", events: ["message.created"], enabled: true, description: "CRM", createdAt: at(1), updatedAt: at(1) });
      expect(first.secret).toMatch(/^whsec_/);
      expect(await store().webhooks.get(first.id)).toEqual(first);
      expect((await store().webhooks.list(owner.id)).map((hook) => hook.id)).toEqual([first.id, second.id]);

      const updated = await store().webhooks.update(first.id, { enabled: false, events: ["conversation.created", "message.created"], secret: "whsec_new", now: at(3) });
      expect(updated).toMatchObject({ enabled: false, events: ["conversation.created", "message.created"], secret: "whsec_new", url: first.url, updatedAt: at(3), createdAt: at(1) });
      expect(await store().webhooks.update("whk_missing", { enabled: true, now: at(3) })).toBeUndefined();

      expect(await store().webhooks.delete(first.id)).toBe(true);
      expect(await store().webhooks.delete(first.id)).toBe(false);
      expect(await store().webhooks.get(first.id)).toBeUndefined();
      expect((await store().webhooks.list(owner.id)).map((hook) => hook.id)).toEqual([second.id]);
    });

    it("refuses a webhook for a missing owner", async () => {
      await expectAtelierError(store().webhooks.create({
        id: uniqueId("whk"), ownerId: "usr_missing", url: "https://x.example.com", secret: "whsec_x", events: ALL, description: "", enabled: true, now: at(0),
      }), "not_found");
    });

    it("queues one delivery per enabled webhook of the owner that subscribes to the event", async () => {
      const owner = await createUser(store());
      const stranger = await createUser(store());
      const all = await webhook(owner.id);
      const messages = await webhook(owner.id, { events: ["message.created"] });
      await webhook(owner.id, { events: ["conversation.created"] });
      await webhook(owner.id, { enabled: false });
      await webhook(stranger.id);

      const deliveries = await enqueue(owner.id, "message.created", at(10));
      expect(deliveries.map((delivery) => delivery.webhookId).sort()).toEqual([all.id, messages.id].sort());
      for (const delivery of deliveries) {
        expect(delivery).toMatchObject({ event: "message.created", status: "pending", attempts: 0, lastStatus: null, lastError: null, nextAttemptAt: at(10), createdAt: at(10), deliveredAt: null });
      }
      expect(await enqueue(owner.id, "conversation.handed_back", at(10))).toHaveLength(1);
      const nobody = await createUser(store());
      expect(await enqueue(nobody.id, "message.created", at(10))).toEqual([]);
    });

    it("claims due deliveries with their payload and target, once, until the lease runs out", async () => {
      const owner = await createUser(store());
      const hook = await webhook(owner.id);
      const [now] = await enqueue(owner.id, "conversation.created", at(20));
      const [later] = await enqueue(owner.id, "conversation.created", at(30));
      const ids = [now!.id, later!.id];

      const claimed = await claimMine(ids, at(21), at(22));
      expect(claimed.map((entry) => entry.delivery.id)).toEqual([now!.id]);
      expect(claimed[0]).toMatchObject({ url: hook.url, secret: hook.secret, payload: JSON.stringify({ event: "conversation.created", now: at(20) }), lease: { deliveryId: now!.id, leaseUntil: at(22) } });
      expect(await claimMine(ids, at(21), at(22)), "a live lease keeps it").toEqual([]);

      // The first sender stalled: once its lease ran out another takes the delivery, and the stale lease records nothing.
      const reclaimed = await claimMine(ids, at(23), at(24));
      expect(reclaimed.map((entry) => entry.delivery.id)).toEqual([now!.id]);
      expect(await store().webhooks.recordAttempt(claimed[0]!.lease, { status: "delivered", httpStatus: 200 }, at(23))).toBe(false);
      expect(await store().webhooks.recordAttempt(reclaimed[0]!.lease, { status: "delivered", httpStatus: 204 }, at(23))).toBe(true);
      expect(await store().webhooks.recordAttempt(reclaimed[0]!.lease, { status: "delivered", httpStatus: 204 }, at(23)), "recorded once").toBe(false);
    });

    it("never hands one delivery to two senders claiming at once", async () => {
      const owner = await createUser(store());
      await webhook(owner.id);
      const deliveries = [];
      for (let index = 0; index < 6; index++) deliveries.push(...(await enqueue(owner.id, "message.created", at(40))));
      const ids = deliveries.map((delivery) => delivery.id);
      const [a, b] = await Promise.all([claimMine(ids, at(41), at(42)), claimMine(ids, at(41), at(42))]);
      const claimed = [...a!, ...b!].map((entry) => entry.delivery.id);
      expect(new Set(claimed).size).toBe(claimed.length);
      expect(claimed.sort()).toEqual([...ids].sort());
    });

    it("records retries, delivery and failure, counting attempts and keeping the last status and error", async () => {
      const owner = await createUser(store());
      const hook = await webhook(owner.id);
      const [delivery] = await enqueue(owner.id, "message.created", at(50));
      const ids = [delivery!.id];

      const first = (await claimMine(ids, at(50), at(51)))[0]!;
      expect(await store().webhooks.recordAttempt(first.lease, { status: "retry", httpStatus: 500, error: "HTTP 500", nextAttemptAt: at(55) }, at(50))).toBe(true);
      let [listed] = await store().webhooks.listDeliveries(hook.id, 10);
      expect(listed).toMatchObject({ status: "pending", attempts: 1, lastStatus: 500, lastError: "HTTP 500", nextAttemptAt: at(55) });
      expect(await claimMine(ids, at(54), at(60)), "not due before its retry time").toEqual([]);

      const second = (await claimMine(ids, at(55), at(56)))[0]!;
      expect(await store().webhooks.recordAttempt(second.lease, { status: "retry", httpStatus: null, error: "connection refused", nextAttemptAt: at(57) }, at(55))).toBe(true);
      const third = (await claimMine(ids, at(57), at(58)))[0]!;
      expect(third.delivery.attempts).toBe(2);
      expect(await store().webhooks.recordAttempt(third.lease, { status: "delivered", httpStatus: 202 }, at(57))).toBe(true);
      [listed] = await store().webhooks.listDeliveries(hook.id, 10);
      expect(listed).toMatchObject({ status: "delivered", attempts: 3, lastStatus: 202, lastError: null, nextAttemptAt: null, deliveredAt: at(57) });
      expect(await claimMine(ids, at(90), at(91))).toEqual([]);

      const [doomed] = await enqueue(owner.id, "message.created", at(60));
      const claim = (await claimMine([doomed!.id], at(60), at(61)))[0]!;
      expect(await store().webhooks.recordAttempt(claim.lease, { status: "failed", httpStatus: 410, error: "HTTP 410 Gone" }, at(60))).toBe(true);
      expect((await store().webhooks.listDeliveries(hook.id, 1))[0]).toMatchObject({ id: doomed!.id, status: "failed", attempts: 1, lastStatus: 410, lastError: "HTTP 410 Gone", nextAttemptAt: null, deliveredAt: null });
      expect(await claimMine([doomed!.id], at(90), at(91))).toEqual([]);
    });

    it("lists a webhook's deliveries newest first, up to the limit, tests included", async () => {
      const owner = await createUser(store());
      const hook = await webhook(owner.id);
      const other = await webhook(owner.id);
      await enqueue(owner.id, "conversation.created", at(70));
      await enqueue(owner.id, "message.created", at(71));
      const test = await store().webhooks.enqueueTo({ id: uniqueId("dlv"), webhookId: hook.id, event: "webhook.test", payload: "{}", now: at(72) });
      expect(test).toMatchObject({ webhookId: hook.id, event: "webhook.test", status: "pending" });
      expect((await store().webhooks.listDeliveries(hook.id, 10)).map((delivery) => delivery.event)).toEqual(["webhook.test", "message.created", "conversation.created"]);
      expect((await store().webhooks.listDeliveries(hook.id, 2)).map((delivery) => delivery.event)).toEqual(["webhook.test", "message.created"]);
      expect(await store().webhooks.listDeliveries(other.id, 10)).toHaveLength(2);
      await expectAtelierError(store().webhooks.enqueueTo({ id: uniqueId("dlv"), webhookId: "whk_missing", event: "webhook.test", payload: "{}", now: at(72) }), "not_found");
    });

    it("holds a disabled webhook's deliveries until it is enabled, and says when the next one falls due", async () => {
      const owner = await createUser(store());
      const hook = await webhook(owner.id);
      // Far before anything else in the shared database, so the earliest due is this test's.
      const [early] = await enqueue(owner.id, "message.created", at(-2_000_000));
      expect(await store().webhooks.nextDueAt(at(100))).toBe(at(-2_000_000));
      await store().webhooks.update(hook.id, { enabled: false, now: at(100) });
      expect(await store().webhooks.nextDueAt(at(100))).not.toBe(at(-2_000_000));
      expect(await claimMine([early!.id], at(100), at(101))).toEqual([]);
      await store().webhooks.update(hook.id, { enabled: true, now: at(100) });
      const claimed = await claimMine([early!.id], at(100), at(101));
      expect(claimed).toHaveLength(1);
      expect(await store().webhooks.nextDueAt(at(100)), "a claimed delivery is not waiting").not.toBe(at(-2_000_000));
      expect(await store().webhooks.releaseAllLeases()).toBeGreaterThanOrEqual(1);
      expect(await claimMine([early!.id], at(100), at(101)), "released claims can be taken again").toHaveLength(1);
    });

    it("deletes a webhook's deliveries with it, and prunes old finished deliveries only", async () => {
      const owner = await createUser(store());
      const hook = await webhook(owner.id);
      const [old] = await enqueue(owner.id, "message.created", at(-500));
      const [pending] = await enqueue(owner.id, "message.created", at(-400));
      const claim = (await claimMine([old!.id], at(-500), at(-499)))[0]!;
      await store().webhooks.recordAttempt(claim.lease, { status: "delivered", httpStatus: 200 }, at(-500));
      expect(await store().webhooks.pruneFinished(at(-450))).toBeGreaterThanOrEqual(1);
      expect((await store().webhooks.listDeliveries(hook.id, 10)).map((delivery) => delivery.id)).toEqual([pending!.id]);

      await store().webhooks.delete(hook.id);
      expect(await store().webhooks.listDeliveries(hook.id, 10)).toEqual([]);
      expect(await claimMine([pending!.id], at(1000), at(1001))).toEqual([]);
    });

    it("goes with its owner's account", async () => {
      const owner = await createUser(store());
      const hook = await webhook(owner.id);
      await enqueue(owner.id, "message.created", at(300));
      expect(await store().users.delete(owner.id)).toBe(true);
      expect(await store().webhooks.get(hook.id)).toBeUndefined();
      expect(await store().webhooks.listDeliveries(hook.id, 10)).toEqual([]);
    });

    it("keeps queued deliveries across a reopen (the rows are the queue)", async () => {
      const owner = await createUser(store());
      const hook = await webhook(owner.id);
      const [delivery] = await enqueue(owner.id, "conversation.taken_over", at(200));
      const again = await open();
      try {
        const [listed] = await again.webhooks.listDeliveries(hook.id, 1);
        expect(listed).toMatchObject({ id: delivery!.id, status: "pending", event: "conversation.taken_over" });
      } finally {
        await again[Symbol.asyncDispose]();
      }
    });
  });
}
