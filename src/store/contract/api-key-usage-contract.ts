import { describe, expect, it } from "vitest";
import type { Store } from "../store.js";
import { at, createUser, expectAtelierError, type OpenStore, uniqueId, useStore } from "./fixtures.js";

/** API key usage: counters per key, UTC day and agent, added to atomically. */
export function describeApiKeyUsageContract(open: OpenStore): void {
  describe("API key usage", () => {
    const store = useStore(open);

    async function newKey(): Promise<string> {
      const user = await createUser(store());
      const key = await store().apiKeys.create({
        id: uniqueId("key"), userId: user.id, name: "bot", prefix: "atk_x", tokenHash: uniqueId("hash"), scopes: ["chat"], now: at(1), expiresAt: null,
      });
      return key.id;
    }

    const add = (s: Store, keyId: string, day: string, agentId: string, prompt: number, completion: number) =>
      s.apiKeyUsage.record({ keyId, day, agentId, requests: 1, promptTokens: prompt, completionTokens: completion });

    it("adds up requests and tokens per day and agent, newest day first", async () => {
      const keyId = await newKey();
      await add(store(), keyId, "2030-01-01", "agt_b", 10, 5);
      await add(store(), keyId, "2030-01-02", "agt_b", 7, 3);
      await add(store(), keyId, "2030-01-02", "agt_a", 1, 0);
      await add(store(), keyId, "2030-01-01", "agt_b", 20, 6);

      expect(await store().apiKeyUsage.listForKey(keyId, { sinceDay: "2030-01-01" })).toEqual([
        { day: "2030-01-02", agentId: "agt_a", requests: 1, promptTokens: 1, completionTokens: 0 },
        { day: "2030-01-02", agentId: "agt_b", requests: 1, promptTokens: 7, completionTokens: 3 },
        { day: "2030-01-01", agentId: "agt_b", requests: 2, promptTokens: 30, completionTokens: 11 },
      ]);
      expect(await store().apiKeyUsage.listForKey(keyId, { sinceDay: "2030-01-02" })).toHaveLength(2);
    });

    it("loses no count when completions finish at the same time", async () => {
      const keyId = await newKey();
      await Promise.all(Array.from({ length: 5 }, () => store().ping()));
      await Promise.all(Array.from({ length: 10 }, () => add(store(), keyId, "2030-02-01", "agt_x", 3, 2)));

      expect(await store().apiKeyUsage.listForKey(keyId, { sinceDay: "2030-01-01" })).toEqual([
        { day: "2030-02-01", agentId: "agt_x", requests: 10, promptTokens: 30, completionTokens: 20 },
      ]);
    });

    it("keeps keys apart and refuses an unknown key", async () => {
      const keyId = await newKey();
      const other = await newKey();
      await add(store(), keyId, "2030-03-01", "agt_x", 1, 1);

      expect(await store().apiKeyUsage.listForKey(other, { sinceDay: "2030-01-01" })).toEqual([]);
      await expectAtelierError(add(store(), uniqueId("key"), "2030-03-01", "agt_x", 1, 1), "not_found");
    });
  });
}
