import type { Webhook, WebhookDelivery, WebhookDeliveryType, WebhookEventType } from "../contracts/index.js";

/** A webhook with what only the server sees: whose it is and the secret that signs its deliveries. */
export interface StoredWebhook extends Webhook {
  ownerId: string;
  secret: string;
}

export interface NewWebhook {
  id: string;
  ownerId: string;
  url: string;
  secret: string;
  events: readonly WebhookEventType[];
  description: string;
  enabled: boolean;
  now: string;
}

export interface WebhookChanges {
  url?: string;
  secret?: string;
  events?: readonly WebhookEventType[];
  description?: string;
  enabled?: boolean;
  now: string;
}

/** A delivery a sender claimed, with what it needs to send it. */
export interface ClaimedDelivery {
  delivery: WebhookDelivery;
  /** The JSON body exactly as it is signed and sent, the same on every attempt. */
  payload: string;
  url: string;
  secret: string;
  /** The claim: recording the outcome succeeds only while it still holds. */
  lease: DeliveryLease;
}

export interface DeliveryLease {
  deliveryId: string;
  leaseUntil: string;
}

/** How an attempt ended; `attempts` counts up by one in every case. */
export type AttemptOutcome =
  | { status: "delivered"; httpStatus: number }
  | { status: "retry"; httpStatus: number | null; error: string; nextAttemptAt: string }
  | { status: "failed"; httpStatus: number | null; error: string };

/**
 * Owners' webhooks and their delivery outbox. The delivery rows are the queue: they outlive the
 * process, and a sender claims due rows with a lease, so two servers on one database never send a
 * delivery at the same time and a crashed sender's rows come back once its lease runs out.
 */
export interface WebhookRepository {
  create(input: NewWebhook): Promise<StoredWebhook>;
  get(id: string): Promise<StoredWebhook | undefined>;
  /** The owner's webhooks, oldest first. */
  list(ownerId: string): Promise<StoredWebhook[]>;
  update(id: string, changes: WebhookChanges): Promise<StoredWebhook | undefined>;
  /** Removes the webhook with its deliveries. False when there was none. */
  delete(id: string): Promise<boolean>;

  /**
   * Queues one delivery of `payload` per enabled webhook of the owner subscribed to `event`, all in
   * one transaction; returns them (none when nobody listens).
   */
  enqueueEvent(input: { ownerId: string; event: WebhookEventType; payload: string; now: string; newId: () => string }): Promise<WebhookDelivery[]>;
  /** Queues one delivery to this webhook whatever it subscribes to (a test). Throws not_found. */
  enqueueTo(input: { id: string; webhookId: string; event: WebhookDeliveryType; payload: string; now: string }): Promise<WebhookDelivery>;
  /**
   * Claims up to `limit` pending deliveries of enabled webhooks that are due at `now` and not
   * claimed by a live lease, until `leaseUntil`; oldest due first.
   */
  claimDue(input: { now: string; leaseUntil: string; limit: number }): Promise<ClaimedDelivery[]>;
  /** When the next pending delivery of an enabled webhook falls due (unclaimed ones), or undefined when none waits. */
  nextDueAt(now: string): Promise<string | undefined>;
  /** Records an attempt and drops the claim; false when the lease was lost (another sender has it). */
  recordAttempt(lease: DeliveryLease, outcome: AttemptOutcome, now: string): Promise<boolean>;
  /** Drops every claim (a single-process store after a restart: they were this process's dead ones). */
  releaseAllLeases(): Promise<number>;
  /** The webhook's deliveries, newest first. */
  listDeliveries(webhookId: string, limit: number): Promise<WebhookDelivery[]>;
  /** Deletes delivered and failed deliveries created before `before`; returns how many. */
  pruneFinished(before: string): Promise<number>;
}
