import type { Logger } from "../runtime/logger.js";

/** Jobs waiting beyond this are dropped, oldest first: memory work must never grow without bound. */
const MAX_PENDING = 1_000;

interface Job {
  key: string;
  label: string;
  run: (signal: AbortSignal) => Promise<void>;
}

/**
 * Work after a turn (memory extraction, summaries): one job at a time, so background generations
 * never compete with each other for the engine, and a conversation's pending job is replaced by a
 * newer one with the same key (the newer one sees everything the older one would have). Failures
 * are logged, never thrown: a turn never fails because of what runs after it.
 */
export class BackgroundQueue implements AsyncDisposable {
  readonly #logger: Logger;
  readonly #pending = new Map<string, Job>();
  #running: Promise<void> | undefined;
  #disposed = false;
  /** Aborted on dispose: the job running stops generating rather than hold up shutdown. */
  readonly #stop = new AbortController();
  #idle: Array<() => void> = [];

  constructor(options: { logger: Logger }) {
    this.#logger = options.logger;
  }

  /** Queues `run` under `key`, replacing a job with that key that has not started yet. */
  enqueue(key: string, label: string, run: (signal: AbortSignal) => Promise<void>): void {
    if (this.#disposed) return;
    this.#pending.delete(key);
    this.#pending.set(key, { key, label, run });
    if (this.#pending.size > MAX_PENDING) {
      const oldest = this.#pending.keys().next().value!;
      this.#pending.delete(oldest);
      this.#logger.warn({ key: oldest }, "background memory work fell behind; dropped the oldest job");
    }
    this.#running ??= this.#drain();
  }

  /** Drops the pending jobs whose key matches (a person was forgotten: nothing more is noted from before). */
  cancel(matches: (key: string) => boolean): void {
    for (const key of [...this.#pending.keys()]) if (matches(key)) this.#pending.delete(key);
  }

  get size(): number {
    return this.#pending.size + (this.#running ? 1 : 0);
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops the running job (its signal aborts) and waits for it; the rest are dropped. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#disposed = true;
    this.#pending.clear();
    this.#stop.abort();
    await this.#running;
  }

  dispose(): Promise<void> {
    return this[Symbol.asyncDispose]();
  }

  async #drain(): Promise<void> {
    try {
      for (let job = this.#next(); job; job = this.#next()) {
        try {
          await job.run(this.#stop.signal);
        } catch (error) {
          if (this.#stop.signal.aborted) break;
          this.#logger.warn({ err: error, key: job.key }, `background ${job.label} failed`);
        }
      }
    } finally {
      this.#running = undefined;
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  #next(): Job | undefined {
    if (this.#disposed) return undefined;
    const first = this.#pending.values().next();
    if (first.done) return undefined;
    this.#pending.delete(first.value.key);
    return first.value;
  }
}
