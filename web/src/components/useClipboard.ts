import { useCallback, useEffect, useState } from "react";

export type CopyState = "idle" | "copied" | "failed";

/**
 * Copies text to the clipboard and says how it went. The clipboard needs a secure context (https or
 * localhost) and permission: without them the state is "failed" and the text stays selectable.
 * `resetMs` puts the state back to idle after a while; without it the outcome stays shown.
 */
export function useClipboard(resetMs?: number): [CopyState, (text: string) => Promise<void>] {
  const [state, setState] = useState<CopyState>("idle");
  useEffect(() => {
    if (state === "idle" || resetMs === undefined) return;
    const timer = setTimeout(() => setState("idle"), resetMs);
    return () => clearTimeout(timer);
  }, [state, resetMs]);
  const copy = useCallback(async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
  }, []);
  return [state, copy];
}
