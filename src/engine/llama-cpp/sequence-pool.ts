/**
 * Hands out a fixed number of reusable resources (context sequences) to conversations.
 *
 * A conversation key keeps "its" resource between calls so the KV cache stays warm. When every
 * resource is taken, the least recently used idle one is handed to the newcomer (its previous owner
 * goes cold). When all are busy, callers wait in FIFO order; a caller waiting for its own key's busy
 * resource does not block callers behind it that could use another one.
 */

export interface PoolLease<R> {
  readonly resource: R;
  /** The key held this resource since an earlier call (its cache is warm). */
  readonly warm: boolean;
  /** Gives the resource back; it stays assigned to the key until evicted. Safe to call twice. */
  release(): void;
}

export interface PoolStats {
  capacity: number;
  /** Resources created so far (they are created on first need). */
  created: number;
  busy: number;
  /** Resources currently assigned to a conversation key. */
  warm: number;
  waiting: number;
  evictions: number;
}

interface Slot<R> {
  readonly resource: R;
  key: string | undefined;
  busy: boolean;
  lastUsed: number;
}

interface Waiter<R> {
  readonly key: string | undefined;
  readonly resolve: (lease: PoolLease<R>) => void;
  readonly reject: (error: unknown) => void;
  readonly cleanup: () => void;
}

export class SequencePool<R> {
  private readonly slots: Slot<R>[] = [];
  private readonly waiters: Waiter<R>[] = [];
  private clock = 0;
  private evictions = 0;
  private closedWith: (() => Error) | undefined;

  constructor(private readonly options: { capacity: number; create: () => R }) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) {
      throw new RangeError(`SequencePool capacity must be a positive integer, got ${options.capacity}.`);
    }
  }

  acquire(options: { key?: string | undefined; signal?: AbortSignal | undefined } = {}): Promise<PoolLease<R>> {
    const { key, signal } = options;
    if (this.closedWith) return Promise.reject(this.closedWith());
    if (signal?.aborted) return Promise.reject(signal.reason);
    const lease = this.tryAssign(key);
    if (lease) return Promise.resolve(lease);

    return new Promise<PoolLease<R>>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter<R> = {
        key,
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  stats(): PoolStats {
    return {
      capacity: this.options.capacity,
      created: this.slots.length,
      busy: this.slots.filter((slot) => slot.busy).length,
      warm: this.slots.filter((slot) => slot.key !== undefined).length,
      waiting: this.waiters.length,
      evictions: this.evictions,
    };
  }

  /** Whether this key's resource is still assigned to it (its cache is warm). */
  isWarm(key: string): boolean {
    return this.slots.some((slot) => slot.key === key);
  }

  /** Rejects every waiter and every later acquire with the error the factory makes. */
  close(makeError: () => Error): void {
    this.closedWith = makeError;
    for (const waiter of this.waiters.splice(0)) {
      waiter.cleanup();
      waiter.reject(makeError());
    }
  }

  private tryAssign(key: string | undefined): PoolLease<R> | undefined {
    const own = key === undefined ? undefined : this.slots.find((slot) => slot.key === key);
    if (own) {
      // Another call of the same conversation is still generating: wait for it, never fork the cache.
      return own.busy ? undefined : this.lease(own, key, true);
    }
    if (this.slots.length < this.options.capacity) {
      const slot: Slot<R> = { resource: this.options.create(), key: undefined, busy: false, lastUsed: 0 };
      this.slots.push(slot);
      return this.lease(slot, key, false);
    }
    const idle = this.slots.filter((slot) => !slot.busy);
    if (idle.length === 0) return undefined;
    // Unassigned resources go first, then the least recently used conversation is evicted.
    const victim = idle.reduce((best, slot) => (rank(slot) < rank(best) ? slot : best));
    if (victim.key !== undefined) this.evictions += 1;
    return this.lease(victim, key, false);
  }

  private lease(slot: Slot<R>, key: string | undefined, warm: boolean): PoolLease<R> {
    slot.busy = true;
    slot.key = key;
    let released = false;
    return {
      resource: slot.resource,
      warm,
      release: () => {
        if (released) return;
        released = true;
        slot.busy = false;
        slot.lastUsed = ++this.clock;
        this.serveWaiters();
      },
    };
  }

  private serveWaiters(): void {
    if (this.closedWith) return;
    for (let index = 0; index < this.waiters.length; ) {
      const waiter = this.waiters[index]!;
      const lease = this.tryAssign(waiter.key);
      if (!lease) {
        index += 1;
        continue;
      }
      this.waiters.splice(index, 1);
      waiter.cleanup();
      waiter.resolve(lease);
    }
  }
}

/** Lower ranks are evicted first: unassigned slots, then by last use. */
function rank(slot: { key: string | undefined; lastUsed: number }): number {
  return slot.key === undefined ? -1 : slot.lastUsed;
}
