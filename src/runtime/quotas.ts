import { AtelierError, type Agent, type PublishSettings } from "../contracts/index.js";
import type { QuotaRepository } from "../store/quotas.js";

/**
 * Limits on visitors' messages to a published agent (per visitor and per agent, per minute and per
 * day, from the agent's publish settings). `admit` counts one message or throws rate_limited with
 * retryAfterSeconds and the owner's limit message. Owners talking to their own agents are never limited.
 */
export interface VisitorQuotas {
  admit(input: { agent: Agent; participantId: string }): Promise<void>;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Ended counters are deleted at most this often (by whichever admit comes first). */
const SWEEP_EVERY_MS = 10 * MINUTE_MS;

interface Window {
  scope: string;
  limit: number;
  /** "m:2030-01-01T10:05" or "d:2030-01-01". */
  period: string;
  endsAt: Date;
}

interface QuietLogger {
  warn(object: object, message: string): void;
}

/**
 * Fixed UTC windows counted in the store, so every server sharing a database shares the budget.
 * A message takes one from each window that applies; when one is full, what it took is given back:
 * a refused message costs nothing, so a visitor hammering at the limit cannot drain the agent's budget.
 */
export class QuotaService implements VisitorQuotas {
  readonly #counters: QuotaRepository;
  readonly #settings: (agent: Agent) => Promise<PublishSettings>;
  readonly #now: () => Date;
  readonly #logger: QuietLogger | undefined;
  #lastSweep = 0;

  constructor(options: {
    counters: QuotaRepository;
    /** The agent's publish settings (where the limits and the limit message are). */
    settings: (agent: Agent) => Promise<PublishSettings>;
    now?: () => Date;
    logger?: QuietLogger;
  }) {
    this.#counters = options.counters;
    this.#settings = options.settings;
    this.#now = options.now ?? (() => new Date());
    this.#logger = options.logger;
  }

  async admit(input: { agent: Agent; participantId: string }): Promise<void> {
    const { agent, participantId } = input;
    if (agent.ownerId !== null && agent.ownerId === participantId) return;
    const settings = await this.#settings(agent);
    const now = this.#now();
    this.#sweep(now);
    const windows = windowsFor({ agentId: agent.id, participantId, limits: settings.limits, now });
    const taken: Window[] = [];
    for (const window of windows) {
      const count = await this.#counters.add({ scope: window.scope, period: window.period, expiresAt: window.endsAt.toISOString() });
      taken.push(window);
      if (count > window.limit) {
        await this.#giveBack(taken);
        const retryAfterSeconds = Math.max(1, Math.ceil((window.endsAt.getTime() - now.getTime()) / 1000));
        throw new AtelierError("rate_limited", settings.limitMessage, { retryAfterSeconds });
      }
    }
  }

  async #giveBack(windows: readonly Window[]): Promise<void> {
    for (const window of windows) {
      await this.#counters.add({ scope: window.scope, period: window.period, expiresAt: window.endsAt.toISOString(), by: -1 });
    }
  }

  #sweep(now: Date): void {
    if (now.getTime() - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now.getTime();
    // Housekeeping only: a failure must not refuse the message, and the next sweep catches up.
    this.#counters.deleteExpired(now.toISOString()).catch((error: unknown) => {
      this.#logger?.warn({ err: error }, "could not delete expired quota counters");
    });
  }
}

/** The windows a message counts in, the visitor's first (they fill first, so the agent's are touched less). */
export function windowsFor(input: { agentId: string; participantId: string; limits: PublishSettings["limits"]; now: Date }): Window[] {
  const { agentId, participantId, limits, now } = input;
  const iso = now.toISOString();
  const minute = { period: `m:${iso.slice(0, 16)}`, endsAt: new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS) };
  const day = { period: `d:${iso.slice(0, 10)}`, endsAt: new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS) };
  const visitor = `visitor:${agentId}:${participantId}`;
  const agent = `agent:${agentId}`;
  return [
    { scope: visitor, limit: limits.visitorPerMinute, ...minute },
    { scope: visitor, limit: limits.visitorPerDay, ...day },
    { scope: agent, limit: limits.agentPerMinute, ...minute },
    { scope: agent, limit: limits.agentPerDay, ...day },
  ].filter((window) => window.limit > 0);
}
