import type { ApiKeyUsageRow } from "../contracts/index.js";

/** One completion's share of a key's usage: added to the day and agent it belongs to. */
export interface ApiKeyUsageIncrement {
  keyId: string;
  /** UTC date, "2026-11-24". */
  day: string;
  agentId: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

/** What each API key used through /v1, per UTC day and agent. */
export interface ApiKeyUsageRepository {
  /**
   * Adds to the key's counters for that day and agent, creating them at zero first. Atomic: concurrent
   * completions never lose each other's counts. not_found when the key does not exist.
   */
  record(increment: ApiKeyUsageIncrement): Promise<void>;
  /** The key's counters from `sinceDay` (inclusive) on, newest day first, then by agent id. */
  listForKey(keyId: string, options: { sinceDay: string }): Promise<ApiKeyUsageRow[]>;
}
