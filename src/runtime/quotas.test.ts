import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AtelierError, PublishSettings, type Agent } from "../contracts/index.js";
import { openSqliteStore, type SqliteStore } from "../store/sqlite/sqlite-store.js";
import { QuotaService, windowsFor } from "./quotas.js";

/* QuotaService over the real SQLite store, with a clock the tests move. */

const directory = mkdtempSync(path.join(tmpdir(), "atelier-quotas-"));
let store: SqliteStore;
beforeAll(async () => {
  store = await openSqliteStore({ file: path.join(directory, "atelier.db") });
});
afterAll(async () => {
  await store?.[Symbol.asyncDispose]();
  rmSync(directory, { recursive: true, force: true });
});

let agents = 0;
function setup(limits: Partial<PublishSettings["limits"]>, start = "2030-01-01T10:05:20.000Z") {
  let now = new Date(start);
  const settings = PublishSettings.parse({ limits, limitMessage: "Please wait." });
  const quotas = new QuotaService({ counters: store.quotas, settings: async () => settings, now: () => now });
  const agent = { id: `agt_q${++agents}`, ownerId: "usr_owner" } as Agent;
  return {
    quotas,
    agent,
    admit: (participantId: string) => quotas.admit({ agent, participantId }),
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

async function refusal(promise: Promise<void>): Promise<AtelierError> {
  const error = await promise.then(() => undefined, (reason: unknown) => reason);
  expect(error).toBeInstanceOf(AtelierError);
  expect((error as AtelierError).code).toBe("rate_limited");
  return error as AtelierError;
}

describe("QuotaService", () => {
  it("refuses past the visitor's per-minute limit until the minute ends", async () => {
    const { admit, advance } = setup({ visitorPerMinute: 2 });
    await admit("vis_a");
    await admit("vis_a");
    const refused = await refusal(admit("vis_a"));
    expect(refused.message).toBe("Please wait.");
    expect(refused.retryAfterSeconds).toBe(40); // 10:05:20 -> 10:06:00
    await admit("vis_b"); // another visitor has their own budget
    advance(40_000);
    await admit("vis_a");
  });

  it("counts the day in UTC and says how long until midnight", async () => {
    const { admit } = setup({ visitorPerMinute: 0, visitorPerDay: 1 }, "2030-01-01T23:00:00.000Z");
    await admit("vis_a");
    expect((await refusal(admit("vis_a"))).retryAfterSeconds).toBe(3_600);
  });

  it("does not charge refused messages to the agent's budget", async () => {
    const { admit } = setup({ visitorPerMinute: 1, agentPerMinute: 3 });
    await admit("vis_a");
    for (let attempt = 0; attempt < 5; attempt++) await refusal(admit("vis_a")); // hammering at the limit
    await admit("vis_b");
    await admit("vis_c");
    await refusal(admit("vis_d")); // the agent's three are used by three admitted messages, no more
  });

  it("never limits the agent's owner, and 0 turns a limit off", async () => {
    const { admit } = setup({ visitorPerMinute: 1, visitorPerDay: 0, agentPerMinute: 0, agentPerDay: 0 });
    for (let index = 0; index < 3; index++) await admit("usr_owner");
    await admit("vis_a");
    await refusal(admit("vis_a"));
    const off = setup({ visitorPerMinute: 0, visitorPerDay: 0, agentPerMinute: 0, agentPerDay: 0 });
    for (let index = 0; index < 5; index++) await off.admit("vis_a");
  });

  it("names windows by UTC minute and day, ending at the next boundary", () => {
    const windows = windowsFor({
      agentId: "agt_1", participantId: "vis_1", now: new Date("2030-01-01T10:05:20.000Z"),
      limits: { visitorPerMinute: 1, visitorPerDay: 2, agentPerMinute: 3, agentPerDay: 0 },
    });
    expect(windows.map(({ scope, period, limit, endsAt }) => ({ scope, period, limit, endsAt: endsAt.toISOString() }))).toEqual([
      { scope: "visitor:agt_1:vis_1", period: "m:2030-01-01T10:05", limit: 1, endsAt: "2030-01-01T10:06:00.000Z" },
      { scope: "visitor:agt_1:vis_1", period: "d:2030-01-01", limit: 2, endsAt: "2030-01-02T00:00:00.000Z" },
      { scope: "agent:agt_1", period: "m:2030-01-01T10:05", limit: 3, endsAt: "2030-01-01T10:06:00.000Z" },
    ]);
  });
});
