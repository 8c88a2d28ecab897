/**
 * Fixed-window counters for visitor quotas. A counter is one scope ("visitor:<agentId>:<participantId>",
 * "agent:<agentId>") in one period ("m:2030-01-01T10:05", "d:2030-01-01"); rows past `expiresAt`
 * count for nothing and are deleted now and then.
 */
export interface QuotaRepository {
  /**
   * Adds `by` (1 unless told; negative to give back) to the counter, creating it at 0 first, and
   * returns the new count. Atomic: concurrent callers on any connection each see their own count.
   */
  add(input: { scope: string; period: string; expiresAt: string; by?: number }): Promise<number>;
  /** The counter's count; 0 when it does not exist. */
  get(input: { scope: string; period: string }): Promise<number>;
  /** Deletes counters whose period ended before `now`; returns how many. */
  deleteExpired(now: string): Promise<number>;
}
