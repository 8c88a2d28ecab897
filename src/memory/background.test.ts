import { describe, expect, it } from "vitest";
import { BackgroundQueue } from "./background.js";

const logger = () => {
  const warnings: string[] = [];
  return { warnings, logger: { debug() {}, info() {}, error() {}, warn: (_: object, message?: string) => void warnings.push(message ?? "") } };
};

describe("BackgroundQueue", () => {
  it("runs one job at a time, in order, and a newer job replaces a pending one with the same key", async () => {
    const { logger: log } = logger();
    const queue = new BackgroundQueue({ logger: log });
    const ran: string[] = [];
    let running = 0;
    const job = (name: string) => async () => {
      running++;
      expect(running).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      ran.push(name);
      running--;
    };
    queue.enqueue("a", "job", job("a1"));
    queue.enqueue("b", "job", job("b1"));
    queue.enqueue("b", "job", job("b2"));
    queue.enqueue("c", "job", job("c1"));
    await queue.idle();
    expect(ran).toEqual(["a1", "b2", "c1"]);
  });

  it("logs a failed job and carries on", async () => {
    const { logger: log, warnings } = logger();
    const queue = new BackgroundQueue({ logger: log });
    const ran: string[] = [];
    queue.enqueue("a", "extraction", async () => { throw new Error("boom"); });
    queue.enqueue("b", "summary", async () => void ran.push("b"));
    await queue.idle();
    expect(warnings).toEqual(["background extraction failed"]);
    expect(ran).toEqual(["b"]);
  });

  it("on dispose, stops the running job through its signal, waits for it and drops the rest", async () => {
    const { logger: log } = logger();
    const queue = new BackgroundQueue({ logger: log });
    const ran: string[] = [];
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    queue.enqueue("a", "job", async (signal) => {
      started();
      await new Promise((resolve) => signal.addEventListener("abort", resolve));
      ran.push("a stopped");
    });
    queue.enqueue("b", "job", async () => void ran.push("b"));
    await running;
    await queue.dispose();
    expect(ran).toEqual(["a stopped"]);
    queue.enqueue("c", "job", async () => void ran.push("c"));
    await queue.idle();
    expect(ran).toEqual(["a stopped"]);
  });

  it("cancels pending jobs by key", async () => {
    const { logger: log } = logger();
    const queue = new BackgroundQueue({ logger: log });
    const ran: string[] = [];
    queue.enqueue("first", "job", async () => void ran.push("first"));
    queue.enqueue("extract:x:1", "job", async () => void ran.push("x"));
    queue.enqueue("extract:y:1", "job", async () => void ran.push("y"));
    queue.cancel((key) => key.startsWith("extract:x:"));
    await queue.idle();
    expect(ran).toEqual(["first", "y"]);
  });
});
