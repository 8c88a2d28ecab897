import { useEffect, useRef } from "react";

/**
 * While `active`, loads again every `everyMs` and hands the answer to `apply`: one request at a
 * time (the next is scheduled only when the previous answer is in), a failed one just waits for the
 * next round. A change of `key` (what is being watched) starts over.
 */
export function usePolling<T>(options: { active: boolean; everyMs: number; key: string }, load: () => Promise<T>, apply: (value: T) => void): void {
  const latest = useRef({ load, apply });
  latest.current = { load, apply };
  const { active, everyMs, key } = options;
  useEffect(() => {
    if (!active) return;
    let live = true;
    let timer = 0;
    const poll = () => {
      latest.current.load().then(
        (value) => live && latest.current.apply(value),
        () => undefined,
      ).finally(() => {
        if (live) timer = window.setTimeout(poll, everyMs);
      });
    };
    timer = window.setTimeout(poll, everyMs);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [active, everyMs, key]);
}
