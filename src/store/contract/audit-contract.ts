import { describe, expect, it } from "vitest";
import type { AuditEvent } from "../../contracts/index.js";
import type { NewAuditEvent } from "../accounts.js";
import type { Store } from "../store.js";
import { at, createUser, expectAtelierError, type OpenStore, uniqueId, useStore } from "./fixtures.js";

/** The audit log and the instance settings. */
export function describeAuditContract(open: OpenStore): void {
  describe("audit log", () => {
    const store = useStore(open);

    function event(userId: string | null, overrides: Partial<NewAuditEvent> = {}): NewAuditEvent {
      return { id: uniqueId("aud"), userId, action: "user.logged_in", actor: userId, createdAt: at(1), ...overrides };
    }

    it("stores every field, and defaults the optional ones to null and an empty detail", async () => {
      const user = await createUser(store());
      const full = event(user.id, {
        action: "agent.published", targetType: "agent", targetId: "agt_1", ip: "10.0.0.7",
        detail: { handle: "bea", version: 3, public: true, note: null }, createdAt: at(2),
      });
      const bare = event(user.id, { action: "user.login_failed", actor: null, createdAt: at(1) });
      await store().audit.append(full);
      await store().audit.append(bare);

      expect(await store().audit.list({ userId: user.id, limit: 10 })).toEqual([
        { id: full.id, action: "agent.published", actor: user.id, targetType: "agent", targetId: "agt_1", ip: "10.0.0.7", detail: full.detail, createdAt: at(2) },
        { id: bare.id, action: "user.login_failed", actor: null, targetType: null, targetId: null, ip: null, detail: {}, createdAt: at(1) },
      ]);
    });

    it("lists newest first, ties broken by id, and pages with before", async () => {
      const user = await createUser(store());
      const base = uniqueId("aud");
      for (const [suffix, minute] of [["a", 1], ["b", 3], ["c", 2], ["d", 3], ["e", 0]] as const) {
        await store().audit.append(event(user.id, { id: `${base}${suffix}`, createdAt: at(minute) }));
      }
      const expected = ["d", "b", "c", "a", "e"].map((suffix) => `${base}${suffix}`);

      expect((await store().audit.list({ userId: user.id, limit: 10 })).map((found) => found.id)).toEqual(expected);
      expect(await pageThrough(store(), { userId: user.id, pageSize: 2 })).toEqual(expected);
    });

    it("keeps each user's log and the instance's apart", async () => {
      const ada = await createUser(store());
      const bob = await createUser(store());
      const adas = event(ada.id);
      const bobs = event(bob.id);
      const instances = event(null, { action: "instance.settings_changed", actor: ada.id });
      for (const each of [adas, bobs, instances]) await store().audit.append(each);

      expect((await store().audit.list({ userId: ada.id, limit: 10 })).map((found) => found.id)).toEqual([adas.id]);
      expect((await store().audit.list({ userId: bob.id, limit: 10 })).map((found) => found.id)).toEqual([bobs.id]);
      const instanceIds = (await store().audit.list({ userId: null, limit: 100_000 })).map((found) => found.id);
      expect(instanceIds).toContain(instances.id);
      expect(instanceIds).not.toContain(adas.id);
      // A cursor from another log is no cursor here.
      await expectAtelierError(store().audit.list({ userId: bob.id, limit: 10, before: adas.id }), "bad_request");
    });

    it("refuses an unknown cursor and an unknown user", async () => {
      const user = await createUser(store());
      await expectAtelierError(store().audit.list({ userId: user.id, limit: 10, before: uniqueId("aud") }), "bad_request");
      await expectAtelierError(store().audit.append(event(uniqueId("usr"))), "not_found");
    });
  });

  describe("instance settings", () => {
    const store = useStore(open);

    it("answers undefined for a key never set, and the last value set otherwise", async () => {
      const key = uniqueId("setting");
      expect(await store().settings.get(key)).toBeUndefined();

      await store().settings.set({ key, value: "invite", now: at(1) });
      expect(await store().settings.get(key)).toBe("invite");
      await store().settings.set({ key, value: "closed", now: at(2) });
      expect(await store().settings.get(key)).toBe("closed");
      expect(await store().settings.get(uniqueId("setting"))).toBeUndefined();
    });
  });
}

/** Every id of one log, page by page, following the `before` cursor. */
async function pageThrough(store: Store, options: { userId: string; pageSize: number }): Promise<string[]> {
  const ids: string[] = [];
  let before: string | undefined;
  for (;;) {
    const page: AuditEvent[] = await store.audit.list({ userId: options.userId, limit: options.pageSize, ...(before === undefined ? {} : { before }) });
    ids.push(...page.map((found) => found.id));
    if (page.length < options.pageSize) return ids;
    before = page.at(-1)?.id;
  }
}
