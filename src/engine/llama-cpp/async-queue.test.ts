import { describe, expect, it } from "vitest";
import { AsyncQueue } from "./async-queue.js";

async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of iterable) values.push(value);
  return values;
}

describe("AsyncQueue", () => {
  it("delivers values pushed before and after the consumer waits, then ends on close", async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    const values = drain(queue);
    queue.push(2);
    await Promise.resolve();
    queue.push(3);
    queue.close();
    queue.push(4); // ignored after close
    expect(await values).toEqual([1, 2, 3]);
  });

  it("closes when the consumer stops early", async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    queue.push(2);
    for await (const value of queue) {
      expect(value).toBe(1);
      break;
    }
    expect(queue.isClosed).toBe(true);
  });
});
