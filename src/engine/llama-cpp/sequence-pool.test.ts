import { describe, expect, it } from "vitest";
import { SequencePool } from "./sequence-pool.js";

function makePool(capacity: number): SequencePool<number> {
  let next = 0;
  return new SequencePool<number>({ capacity, create: () => next++ });
}

describe("SequencePool", () => {
  it("keeps a key's resource between calls and reports it warm", async () => {
    const pool = makePool(2);
    const first = await pool.acquire({ key: "a" });
    expect(first.warm).toBe(false);
    first.release();
    const second = await pool.acquire({ key: "a" });
    expect(second.resource).toBe(first.resource);
    expect(second.warm).toBe(true);
    second.release();
  });

  it("creates resources lazily, then evicts the least recently used idle key", async () => {
    const pool = makePool(2);
    (await pool.acquire({ key: "a" })).release();
    (await pool.acquire({ key: "b" })).release();
    (await pool.acquire({ key: "a" })).release(); // b is now the least recently used
    const c = await pool.acquire({ key: "c" });
    expect(pool.stats()).toMatchObject({ created: 2, evictions: 1 });
    c.release();
    expect(pool.isWarm("a")).toBe(true);
    expect(pool.isWarm("b")).toBe(false);
    expect(pool.isWarm("c")).toBe(true);
  });

  it("hands keyless (temporary) resources out before evicting a warm conversation", async () => {
    const pool = makePool(2);
    (await pool.acquire({ key: "a" })).release();
    (await pool.acquire({})).release();
    (await pool.acquire({ key: "b" })).release();
    expect(pool.isWarm("a")).toBe(true);
    expect(pool.stats().evictions).toBe(0);
  });

  it("queues callers in FIFO order when every resource is busy", async () => {
    const pool = makePool(1);
    const holder = await pool.acquire({ key: "a" });
    const order: string[] = [];
    const b = pool.acquire({ key: "b" }).then((lease) => {
      order.push("b");
      return lease;
    });
    const c = pool.acquire({ key: "c" }).then((lease) => {
      order.push("c");
      return lease;
    });
    expect(pool.stats().waiting).toBe(2);
    holder.release();
    (await b).release();
    (await c).release();
    expect(order).toEqual(["b", "c"]);
  });

  it("makes a second call of a busy conversation wait without blocking other conversations", async () => {
    const pool = makePool(2);
    const a1 = await pool.acquire({ key: "a" });
    let a2Served = false;
    const a2 = pool.acquire({ key: "a" }).then((lease) => {
      a2Served = true;
      return lease;
    });
    const b = await pool.acquire({ key: "b" }); // a free resource exists: b does not queue behind a2
    expect(a2Served).toBe(false);
    b.release();
    await Promise.resolve();
    expect(a2Served).toBe(false); // b's release must not hand a's cache to a different resource
    a1.release();
    const lease = await a2;
    expect(lease.resource).toBe(a1.resource);
    expect(lease.warm).toBe(true);
    lease.release();
  });

  it("removes a waiter whose signal aborts", async () => {
    const pool = makePool(1);
    const holder = await pool.acquire({ key: "a" });
    const controller = new AbortController();
    const waiting = pool.acquire({ key: "b", signal: controller.signal });
    controller.abort(new Error("stop waiting"));
    await expect(waiting).rejects.toThrow("stop waiting");
    expect(pool.stats().waiting).toBe(0);
    holder.release();
    expect(pool.stats().busy).toBe(0);
  });

  it("rejects waiters and later callers once closed", async () => {
    const pool = makePool(1);
    await pool.acquire({ key: "a" });
    const waiting = pool.acquire({ key: "b" });
    pool.close(() => new Error("closed"));
    await expect(waiting).rejects.toThrow("closed");
    await expect(pool.acquire({ key: "c" })).rejects.toThrow("closed");
  });

  it("ignores a second release of the same lease", async () => {
    const pool = makePool(1);
    const lease = await pool.acquire({ key: "a" });
    lease.release();
    const other = await pool.acquire({ key: "b" });
    lease.release();
    expect(pool.stats().busy).toBe(1);
    other.release();
  });
});
