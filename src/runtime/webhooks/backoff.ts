export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * The wait after failed attempt number `attempt` (1 for the first): base × 2^(attempt-1), capped,
 * then "equal jitter" (half fixed, half random) so receivers coming back from an outage are not hit
 * by every queued delivery in the same instant, while no retry comes sooner than half its step.
 */
export function retryDelayMs(attempt: number, policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  // 2^exponent overflows to Infinity long after the cap applies; min() keeps it finite.
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 52));
  return Math.round(step / 2 + random() * (step / 2));
}

/** What comes after failed attempt number `attempts`: another try at a time, or giving up. */
export function nextAttempt(attempts: number, policy: RetryPolicy, now: Date, random?: () => number): { retryAt: Date } | { giveUp: true } {
  if (attempts >= policy.maxAttempts) return { giveUp: true };
  return { retryAt: new Date(now.getTime() + retryDelayMs(attempts, policy, random)) };
}
