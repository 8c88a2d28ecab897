import type { AuditAction, AuditEvent } from "../../contracts/index.js";
import type { AuditRepository } from "../../store/accounts.js";
import { newId } from "../ids.js";
import type { Logger } from "../logger.js";

export interface AuditEntry {
  /** Whose log it goes into; null for instance-level events. */
  userId: string | null;
  action: AuditAction;
  actor: string | null;
  target?: { type: string; id: string };
  ip?: string | null;
  detail?: AuditEvent["detail"];
}

/** Writes security events. A failure to audit is logged, never turned into a failed request after the fact. */
export class AuditLog {
  readonly #repository: AuditRepository;
  readonly #logger: Logger;
  readonly #now: () => Date;

  constructor(options: { repository: AuditRepository; logger: Logger; now?: () => Date }) {
    this.#repository = options.repository;
    this.#logger = options.logger;
    this.#now = options.now ?? (() => new Date());
  }

  async record(entry: AuditEntry): Promise<void> {
    try {
      await this.#repository.append({
        id: newId("aud"),
        userId: entry.userId,
        action: entry.action,
        actor: entry.actor,
        targetType: entry.target?.type ?? null,
        targetId: entry.target?.id ?? null,
        ip: entry.ip ?? null,
        detail: entry.detail ?? {},
        createdAt: this.#now().toISOString(),
      });
      this.#logger.info({ action: entry.action, actor: entry.actor, target: entry.target?.id }, "audit");
    } catch (error) {
      this.#logger.error({ err: error, action: entry.action }, "could not write an audit event");
    }
  }
}
