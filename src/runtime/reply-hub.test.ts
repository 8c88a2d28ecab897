import { describe, expect, it } from "vitest";
import { AtelierError } from "../contracts/index.js";
import { ReplyHub, type SequencedEvent } from "./reply-hub.js";

const delta = (text: string) => ({ type: "text-delta" as const, messageId: "m1", delta: text });

async function drain(iterable: AsyncIterable<SequencedEvent>): Promise<SequencedEvent[]> {
  const seen: SequencedEvent[] = [];
  for await (const item of iterable) seen.push(item);
  return seen;
}

describe("ReplyHub", () => {
  it("replays from an event id and then follows live events", async () => {
    const hub = new ReplyHub({ detachGraceMs: 1000 });
    const run = hub.begin("c1", "m1");
    run.push(delta("a"));
    run.push(delta("b"));
    const resumed = drain(run.subscribe(1));
    run.push(delta("c"));
    run.finish();
    expect((await resumed).map((item) => [item.seq, item.event.type === "text-delta" && item.event.delta])).toEqual([[2, "b"], [3, "c"]]);
  });

  it("allows one reply per conversation at a time", async () => {
    const hub = new ReplyHub({ detachGraceMs: 1000 });
    const run = hub.begin("c1", "m1");
    expect(() => hub.begin("c1", "m2")).toThrow(AtelierError);
    run.finish();
    await run.finished;
    expect(() => hub.begin("c1", "m3")).not.toThrow();
  });

  it("aborts a reply once its last listener has been gone for the grace period", async () => {
    const hub = new ReplyHub({ detachGraceMs: 5 });
    const run = hub.begin("c1", "m1");
    const listening = new AbortController();
    const subscription = drain(run.subscribe(0, listening.signal));
    run.push(delta("a"));
    listening.abort();
    await subscription;
    await new Promise((resolve) => run.signal.addEventListener("abort", resolve));
    expect(run.signal.reason).toSatisfy((reason) => AtelierError.is(reason, "aborted"));
  });

  it("keeps a reply running when a listener comes back within the grace period", async () => {
    const hub = new ReplyHub({ detachGraceMs: 50 });
    const run = hub.begin("c1", "m1");
    const first = new AbortController();
    const firstSubscription = drain(run.subscribe(0, first.signal));
    first.abort();
    await firstSubscription;
    const second = drain(run.subscribe(0));
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(run.signal.aborted).toBe(false);
    run.finish();
    await second;
  });

  it("abortAll stops every reply and waits for each to finish", async () => {
    const hub = new ReplyHub({ detachGraceMs: 1000 });
    const runs = [hub.begin("a", "1"), hub.begin("b", "2")];
    for (const run of runs) run.signal.addEventListener("abort", () => setTimeout(() => run.finish(), 1));
    await hub.abortAll("shutdown");
    expect(runs.every((run) => run.done)).toBe(true);
    expect(hub.activeCount).toBe(0);
  });
});
