import { AtelierError, type ChatEvent } from "../contracts/index.js";

export interface SequencedEvent {
  /** 1-based position in the reply's event stream; SSE sends it as the event id. */
  seq: number;
  event: ChatEvent;
}

/**
 * One reply being generated. It runs independently of any HTTP connection: events are buffered with
 * sequence numbers so a client that lost its connection can resume from the last id it saw.
 */
export class ReplyRun {
  readonly conversationId: string;
  readonly messageId: string;
  readonly #events: SequencedEvent[] = [];
  readonly #controller = new AbortController();
  readonly #wakeups = new Set<() => void>();
  readonly #onIdle: (run: ReplyRun) => void;
  readonly #onActive: (run: ReplyRun) => void;
  #resolveFinished!: () => void;
  readonly #finished = new Promise<void>((resolve) => (this.#resolveFinished = resolve));
  #done = false;
  #listeners = 0;

  constructor(options: {
    conversationId: string;
    messageId: string;
    onIdle: (run: ReplyRun) => void;
    onActive: (run: ReplyRun) => void;
  }) {
    this.conversationId = options.conversationId;
    this.messageId = options.messageId;
    this.#onIdle = options.onIdle;
    this.#onActive = options.onActive;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get done(): boolean {
    return this.#done;
  }

  get listeners(): number {
    return this.#listeners;
  }

  /** Resolves when the reply has ended (complete, aborted or failed) and its final state is stored. */
  get finished(): Promise<void> {
    return this.#finished;
  }

  push(event: ChatEvent): void {
    if (this.#done) return;
    this.#events.push({ seq: this.#events.length + 1, event });
    this.#wake();
  }

  finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#wake();
    this.#resolveFinished();
  }

  /** Asks generation to stop; the stored message stays incomplete. False when already finished. */
  abort(reason: string): boolean {
    if (this.#done || this.#controller.signal.aborted) return false;
    this.#controller.abort(new AtelierError("aborted", reason));
    return true;
  }

  /** The last event: message-end or error once the reply has ended. */
  get outcome(): ChatEvent | undefined {
    return this.#events.at(-1)?.event;
  }

  /** Events after `afterSeq`, then live ones until the reply ends. Ending iteration or `signal` detaches. */
  async *subscribe(afterSeq = 0, signal?: AbortSignal): AsyncGenerator<SequencedEvent> {
    this.#listeners++;
    if (this.#listeners === 1) this.#onActive(this);
    let next = Math.max(0, afterSeq);
    try {
      while (!signal?.aborted) {
        while (next < this.#events.length) yield this.#events[next++]!;
        if (this.#done) return;
        await new Promise<void>((resolve) => {
          const onAbort = () => resolve();
          signal?.addEventListener("abort", onAbort, { once: true });
          this.#wakeups.add(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          });
        });
      }
    } finally {
      this.#listeners--;
      if (this.#listeners === 0 && !this.#done) this.#onIdle(this);
    }
  }

  #wake(): void {
    for (const wake of this.#wakeups) wake();
    this.#wakeups.clear();
  }
}

/**
 * The replies in flight (and recently finished, for resume). At most one reply per conversation
 * generates at a time, so concurrent posts cannot interleave a conversation's history.
 */
export class ReplyHub {
  readonly #runs = new Map<string, ReplyRun>();
  readonly #active = new Map<string, ReplyRun>();
  readonly #graceTimers = new Map<ReplyRun, NodeJS.Timeout>();
  readonly #detachGraceMs: number;
  readonly #retentionMs: number;

  constructor(options: { detachGraceMs: number; retentionMs?: number }) {
    this.#detachGraceMs = options.detachGraceMs;
    this.#retentionMs = options.retentionMs ?? 60_000;
  }

  /** Claims the conversation for a new reply. Throws conflict when one is already being written. */
  begin(conversationId: string, messageId: string): ReplyRun {
    if (this.#active.has(conversationId)) {
      throw new AtelierError(
        "conflict",
        "A reply is still being written in this conversation. Wait for it to finish or stop it first.",
      );
    }
    const run = new ReplyRun({
      conversationId,
      messageId,
      onIdle: (idle) => this.#startGrace(idle),
      onActive: (active) => this.#cancelGrace(active),
    });
    this.#active.set(conversationId, run);
    this.#runs.set(messageId, run);
    void run.finished.then(() => {
      this.#cancelGrace(run);
      this.#active.delete(conversationId);
      setTimeout(() => this.#runs.delete(messageId), this.#retentionMs).unref();
    });
    return run;
  }

  /** Releases a claim whose reply never started (the turn failed before generation). */
  discard(run: ReplyRun): void {
    if (this.#active.get(run.conversationId) === run) this.#active.delete(run.conversationId);
    this.#runs.delete(run.messageId);
  }

  get(messageId: string): ReplyRun | undefined {
    return this.#runs.get(messageId);
  }

  activeIn(conversationId: string): ReplyRun | undefined {
    return this.#active.get(conversationId);
  }

  /** The conversations with a reply being written now. */
  activeConversations(): string[] {
    return [...this.#active.keys()];
  }

  get activeCount(): number {
    return this.#active.size;
  }

  /** Stops every reply and waits until each has stored its final state (graceful shutdown). */
  async abortAll(reason: string): Promise<void> {
    const runs = [...this.#active.values()];
    for (const run of runs) run.abort(reason);
    await Promise.all(runs.map((run) => run.finished));
  }

  #startGrace(run: ReplyRun): void {
    this.#cancelGrace(run);
    const timer = setTimeout(() => {
      this.#graceTimers.delete(run);
      if (run.listeners === 0) run.abort("Nobody was listening to this reply any more.");
    }, this.#detachGraceMs);
    timer.unref();
    this.#graceTimers.set(run, timer);
  }

  #cancelGrace(run: ReplyRun): void {
    const timer = this.#graceTimers.get(run);
    if (timer) clearTimeout(timer);
    this.#graceTimers.delete(run);
  }
}
