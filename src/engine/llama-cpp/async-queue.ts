/**
 * A single-consumer queue that turns push callbacks (node-llama-cpp's `onTextChunk`) into an
 * AsyncIterable. Values pushed before the consumer asks are buffered; `close()` ends the iteration
 * once the buffer is drained. The producer is never blocked: generation speed is bounded by the model,
 * and a reply is small enough to buffer whole when the consumer is slow.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly buffer: T[] = [];
  private waiting: ((result: IteratorResult<T, undefined>) => void) | undefined;
  private closed = false;

  push(value: T): void {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
    } else {
      this.buffer.push(value);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return {
      next: () => {
        if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift() as T, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        if (this.waiting) return Promise.reject(new Error("AsyncQueue supports one consumer awaiting at a time."));
        return new Promise((resolve) => {
          this.waiting = resolve;
        });
      },
      return: () => {
        this.buffer.length = 0;
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
