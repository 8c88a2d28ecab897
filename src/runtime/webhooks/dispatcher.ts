import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { AtelierError, type Config, type WebhookDelivery } from "../../contracts/index.js";
import type { EventBus } from "../events.js";
import { newId } from "../ids.js";
import type { Logger } from "../logger.js";
import type { ClaimedDelivery, WebhookRepository } from "../../store/webhooks.js";
import { nextAttempt } from "./backoff.js";
import { webhookBody, webhookEventOf } from "./payload.js";
import { sendWebhook, type WebhookSender } from "./send.js";
import { signWebhookBody } from "./signature.js";
import { Wakeup } from "../wakeup.js";

export type WebhookSettings = Config["webhooks"];

/** Deliveries sent at once by one server. */
const BATCH = 16;
/** How often an idle sender looks for work another process queued (PostgreSQL, several servers). */
const IDLE_POLL_MS = 5_000;
/** A claim outlives the attempt's timeout by this much (writing the outcome). */
const LEASE_MARGIN_MS = 30_000;
/** Finished deliveries are kept this long for the studio's history, then pruned. */
const KEEP_FINISHED_MS = 30 * 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;
/** Messages already turned into message.created (an approved draft may be announced more than once). */
const SEEN_MESSAGES = 5_000;

export interface WebhookDispatcherOptions {
  repository: WebhookRepository;
  events: EventBus;
  settings: WebhookSettings;
  /** A single-process store (SQLite): claims left by a previous run are this process's dead ones. */
  ownsAllLeases: boolean;
  logger: Logger;
  send?: WebhookSender;
  now?: () => Date;
  random?: () => number;
}

/**
 * Turns domain events into queued deliveries and sends them in the background: each due delivery is
 * claimed (a lease, so servers sharing a database never send one twice at once), POSTed signed, and
 * recorded as delivered (2xx), retried later with backoff, or failed after the last attempt. The
 * queue is the database: what is pending at shutdown is sent after the next start.
 */
export class WebhookDispatcher {
  readonly #options: WebhookDispatcherOptions;
  readonly #send: WebhookSender;
  readonly #now: () => Date;
  readonly #stop = new AbortController();
  readonly #seenMessages = new Set<string>();
  /** Enqueues run one after another, in the order the events came. */
  #enqueuing: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  readonly #wakeup = new Wakeup();
  #lastPrune = 0;

  constructor(options: WebhookDispatcherOptions) {
    this.#options = options;
    this.#send = options.send ?? sendWebhook;
    this.#now = options.now ?? (() => new Date());
  }

  async start(): Promise<void> {
    if (this.#loop) return;
    if (this.#options.ownsAllLeases) await this.#options.repository.releaseAllLeases();
    this.#unsubscribe = this.#options.events.on((event) => {
      const mapped = webhookEventOf(event);
      if (!mapped) return;
      if ("message" in mapped.data && typeof mapped.data.message === "object") {
        if (this.#seenMessages.has(mapped.data.message.id)) return;
        this.#remember(mapped.data.message.id);
      }
      const now = this.#now().toISOString();
      this.#queue(async () => {
        // After the current I/O: the event's emitter (a chat turn about to stream its reply) goes first.
        await yieldToEventLoop();
        const payload = webhookBody({ id: newId("evt"), type: mapped.type, createdAt: now, data: mapped.data });
        return this.#options.repository.enqueueEvent({ ownerId: event.ownerId, event: mapped.type, payload, now, newId: () => newId("dlv") });
      });
    });
    this.#loop = this.#run();
  }

  /** Queues a test delivery to one webhook (whatever it subscribes to) and sends it soon. */
  async sendTest(webhookId: string): Promise<WebhookDelivery> {
    const now = this.#now().toISOString();
    const payload = webhookBody({ id: newId("evt"), type: "webhook.test", createdAt: now, data: { webhookId, message: "A test delivery from Atelier: if you can read this, your endpoint works." } });
    const delivery = await this.#options.repository.enqueueTo({ id: newId("dlv"), webhookId, event: "webhook.test", payload, now });
    this.wake();
    return delivery;
  }

  /** Tells an idle sender there is work. */
  wake(): void {
    this.#wakeup.wake();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#unsubscribe?.();
    // Events that came before shutdown are queued (rows) before the store closes; sends in flight are cut off.
    await this.#enqueuing;
    this.#stop.abort(new AtelierError("aborted", "The server is shutting down."));
    this.#wakeup.wake();
    await this.#loop;
  }

  #remember(messageId: string): void {
    this.#seenMessages.add(messageId);
    if (this.#seenMessages.size > SEEN_MESSAGES) {
      const oldest = this.#seenMessages.values().next().value;
      if (oldest !== undefined) this.#seenMessages.delete(oldest);
    }
  }

  #queue(enqueue: () => Promise<unknown[]>): void {
    this.#enqueuing = this.#enqueuing.then(async () => {
      try {
        if ((await enqueue()).length > 0) this.wake();
      } catch (error) {
        this.#options.logger.error({ err: error }, "could not queue a webhook delivery");
      }
    });
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        await this.#prune();
        const now = this.#now();
        const claimed = await this.#options.repository.claimDue({
          now: now.toISOString(),
          leaseUntil: new Date(now.getTime() + this.#options.settings.timeoutMs + LEASE_MARGIN_MS).toISOString(),
          limit: BATCH,
        });
        if (claimed.length > 0) await Promise.all(claimed.map((entry) => this.#attempt(entry, signal)));
        else await this.#wakeup.sleep(await this.#untilNextDue(), signal);
      } catch (error) {
        if (signal.aborted) break;
        this.#options.logger.error({ err: error }, "sending webhooks failed; retrying shortly");
        await this.#wakeup.sleep(IDLE_POLL_MS, signal);
      }
    }
  }

  async #untilNextDue(): Promise<number> {
    const now = this.#now();
    const next = await this.#options.repository.nextDueAt(now.toISOString());
    if (next === undefined) return IDLE_POLL_MS;
    // A few milliseconds at least: another server may be claiming what is due right now.
    return Math.max(10, Math.min(IDLE_POLL_MS, Date.parse(next) - now.getTime()));
  }

  async #attempt(entry: ClaimedDelivery, signal: AbortSignal): Promise<void> {
    const { settings, repository, logger } = this.#options;
    const { delivery } = entry;
    const sentAt = this.#now();
    let result;
    try {
      result = await this.#send({
        url: entry.url,
        body: entry.payload,
        headers: {
          "content-type": "application/json",
          "user-agent": "Atelier-Webhooks/1",
          "atelier-event": delivery.event,
          "atelier-delivery": delivery.id,
          "atelier-signature": signWebhookBody(entry.secret, entry.payload, Math.floor(sentAt.getTime() / 1000)),
        },
        timeoutMs: settings.timeoutMs,
        allowPrivate: settings.allowPrivateUrls,
        signal,
      });
    } catch (error) {
      // Shutting down: the claim is dropped with the process, and the next start sends it again.
      if (signal.aborted) return;
      result = { status: null, error: `Sending failed unexpectedly: ${(error as Error).message}` } as const;
    }
    const attempts = delivery.attempts + 1;
    const now = this.#now();
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const error = result.status === null ? result.error : `The endpoint answered HTTP ${result.status}; anything but 2xx counts as a failure.`;
    const next = ok ? undefined : nextAttempt(attempts, settings, now, this.#options.random);
    const outcome = ok
      ? { status: "delivered" as const, httpStatus: result.status as number }
      : next && "retryAt" in next
        ? { status: "retry" as const, httpStatus: result.status, error, nextAttemptAt: next.retryAt.toISOString() }
        : { status: "failed" as const, httpStatus: result.status, error };
    const recorded = await repository.recordAttempt(entry.lease, outcome, now.toISOString());
    if (!recorded) logger.warn({ deliveryId: delivery.id }, "a webhook delivery's claim ran out before its attempt was recorded");
    else if (outcome.status === "failed") logger.warn({ deliveryId: delivery.id, webhookId: delivery.webhookId, attempts, error }, "webhook delivery failed for good");
    else if (outcome.status === "retry") logger.info({ deliveryId: delivery.id, attempts, retryAt: outcome.nextAttemptAt, error }, "webhook delivery will be retried");
  }

  async #prune(): Promise<void> {
    const now = this.#now().getTime();
    if (now - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = now;
    const pruned = await this.#options.repository.pruneFinished(new Date(now - KEEP_FINISHED_MS).toISOString());
    if (pruned > 0) this.#options.logger.info({ pruned }, "pruned old webhook deliveries");
  }


}
