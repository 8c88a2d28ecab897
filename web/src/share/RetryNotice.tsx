import { useEffect, useMemo, useState } from "react";
import { ChatError } from "../chat/ChatError.js";
import type { ShareTurnError } from "./useShareChat.js";

/**
 * A failed turn, in the server's words (a rate limit says the owner's message), with a retry button
 * that waits out the server's Retry-After when it gave one. The wait is said once: a ticking count
 * inside an alert would be read out every second.
 */
export function RetryNotice({ error, busy, onRetry }: { error: ShareTurnError; busy: boolean; onRetry: () => void }) {
  // Computed once per error, not per render.
  const wait = useMemo(() => secondsUntil(error.retryAt), [error]);
  const waiting = useWaiting(error.retryAt);
  const said = wait > 0 ? ` You can try again in ${wait} second${wait === 1 ? "" : "s"}.` : "";
  const label = error.retry.kind === "new" ? "Try again" : error.retry.kind === "send" ? "Send again" : "Retry";
  return <ChatError message={error.message + said} onRetry={onRetry} retryLabel={label} retryDisabled={busy || waiting} />;
}

function secondsUntil(at: number | null): number {
  return at === null ? 0 : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** True until `at` has passed. */
function useWaiting(at: number | null): boolean {
  const [waiting, setWaiting] = useState(() => secondsUntil(at) > 0);
  useEffect(() => {
    const ms = at === null ? 0 : at - Date.now();
    setWaiting(ms > 0);
    if (ms <= 0) return;
    const timer = setTimeout(() => setWaiting(false), ms);
    return () => clearTimeout(timer);
  }, [at]);
  return waiting;
}
