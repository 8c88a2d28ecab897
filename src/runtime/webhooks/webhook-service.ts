import { AtelierError, type CreatedWebhook, type CreateWebhook, type Webhook, type WebhookDelivery, type WebhookPatch } from "../../contracts/index.js";
import type { StoredWebhook, WebhookRepository } from "../../store/webhooks.js";
import type { AuditLog } from "../auth/audit-log.js";
import { newId } from "../ids.js";
import type { WebhookDispatcher } from "./dispatcher.js";
import { newWebhookSecret } from "./signature.js";
import { checkWebhookUrl } from "./url-policy.js";

/** Enough for a CRM, a chat tool and a few automations; more is usually a loop gone wrong. */
export const MAX_WEBHOOKS_PER_OWNER = 20;

export interface WebhookServiceOptions {
  repository: WebhookRepository;
  dispatcher: Pick<WebhookDispatcher, "sendTest" | "wake">;
  audit: AuditLog;
  allowPrivateUrls: boolean;
  now?: () => Date;
}

/** Who acts, for the audit log. */
export interface Actor {
  userId: string;
  ip: string | null;
}

/** Owners' webhooks: registration with URL checks, secrets shown once, test sends, delivery history. */
export class WebhookService {
  readonly #options: WebhookServiceOptions;
  readonly #now: () => Date;

  constructor(options: WebhookServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  async list(ownerId: string): Promise<Webhook[]> {
    return (await this.#options.repository.list(ownerId)).map(toWebhook);
  }

  /** The owner's webhook; anyone else's is "not found", exactly like a missing one. */
  async own(ownerId: string, id: string): Promise<StoredWebhook> {
    const hook = await this.#options.repository.get(id);
    if (hook && hook.ownerId === ownerId) return hook;
    throw new AtelierError("not_found", `No webhook "${id}". List yours with GET /api/webhooks.`);
  }

  async create(actor: Actor, input: CreateWebhook): Promise<CreatedWebhook> {
    const { repository } = this.#options;
    const url = await this.#checkUrl(input.url);
    if ((await repository.list(actor.userId)).length >= MAX_WEBHOOKS_PER_OWNER) {
      throw new AtelierError("conflict", `You have ${MAX_WEBHOOKS_PER_OWNER} webhooks, the most one account can have. Delete one you no longer use first.`);
    }
    const secret = newWebhookSecret();
    const hook = await repository.create({
      id: newId("whk"), ownerId: actor.userId, url, secret, events: unique(input.events), description: input.description, enabled: true, now: this.#now().toISOString(),
    });
    await this.#options.audit.record({ userId: actor.userId, action: "webhook.created", actor: actor.userId, ip: actor.ip, target: { type: "webhook", id: hook.id }, detail: { url: hook.url, events: hook.events.join(" ") } });
    return { webhook: toWebhook(hook), secret };
  }

  async update(hook: StoredWebhook, patch: WebhookPatch): Promise<Webhook> {
    const url = patch.url === undefined || patch.url === hook.url ? undefined : await this.#checkUrl(patch.url);
    const updated = await this.#options.repository.update(hook.id, {
      ...(url === undefined ? {} : { url }),
      ...(patch.events === undefined ? {} : { events: unique(patch.events) }),
      ...(patch.description === undefined ? {} : { description: patch.description }),
      ...(patch.enabled === undefined ? {} : { enabled: patch.enabled }),
      now: this.#now().toISOString(),
    });
    if (!updated) throw gone(hook.id);
    // Deliveries held while it was disabled go out now rather than at the next poll.
    if (updated.enabled && !hook.enabled) this.#options.dispatcher.wake();
    return toWebhook(updated);
  }

  async delete(actor: Actor, hook: StoredWebhook): Promise<void> {
    if (!(await this.#options.repository.delete(hook.id))) throw gone(hook.id);
    await this.#options.audit.record({ userId: actor.userId, action: "webhook.deleted", actor: actor.userId, ip: actor.ip, target: { type: "webhook", id: hook.id }, detail: { url: hook.url } });
  }

  /** A new secret, effective for every attempt from now on (retries of older deliveries included). */
  async rotateSecret(hook: StoredWebhook): Promise<CreatedWebhook> {
    const secret = newWebhookSecret();
    const updated = await this.#options.repository.update(hook.id, { secret, now: this.#now().toISOString() });
    if (!updated) throw gone(hook.id);
    return { webhook: toWebhook(updated), secret };
  }

  /** Queues a signed "webhook.test" delivery. A disabled webhook sends nothing, so it is refused. */
  async test(hook: StoredWebhook): Promise<WebhookDelivery> {
    if (!hook.enabled) throw new AtelierError("conflict", "This webhook is disabled: enable it first, then send a test.");
    return this.#options.dispatcher.sendTest(hook.id);
  }

  deliveries(hook: StoredWebhook, limit: number): Promise<WebhookDelivery[]> {
    return this.#options.repository.listDeliveries(hook.id, limit);
  }

  async #checkUrl(raw: string): Promise<string> {
    return (await checkWebhookUrl(raw, { allowPrivate: this.#options.allowPrivateUrls })).href;
  }
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function gone(id: string): AtelierError {
  return new AtelierError("not_found", `No webhook "${id}": it was deleted meanwhile.`);
}

/** What the owner sees: never the secret. */
export function toWebhook(hook: StoredWebhook): Webhook {
  return { id: hook.id, url: hook.url, events: hook.events, description: hook.description, enabled: hook.enabled, createdAt: hook.createdAt, updatedAt: hook.updatedAt };
}
