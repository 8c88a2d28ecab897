/**
 * How background loops (the indexer's workers, the webhook sender) wait for work: asleep until a
 * timeout, an abort, or `wake()` from whoever just queued something. Every sleeper wakes.
 */
export class Wakeup {
  readonly #sleepers = new Set<() => void>();

  wake(): void {
    for (const sleeper of [...this.#sleepers]) sleeper();
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.#sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#sleepers.add(done);
      if (signal.aborted) done();
      else signal.addEventListener("abort", done, { once: true });
    });
  }
}
