import { useEffect, useRef } from "react";
import type { ConversationEvent } from "../../../src/contracts/chat.js";
import { AtelierError } from "../../../src/contracts/errors.js";
import { api } from "../api.js";

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
/** Errors that trying again cannot fix: the conversation is gone, or no longer this visitor's. */
const GONE = ["not_found", "forbidden", "unauthorized"] as const;

export interface LiveHandlers {
  onEvent(event: ConversationEvent): void;
  /** The stream came back after a drop: what happened meanwhile must be read again. */
  onReconnect(): void;
}

/**
 * Follows a conversation's live stream while the page is open (the owner's messages, approved drafts,
 * the visitor's other tabs), reconnecting with a growing delay when it drops. A conversation that is
 * gone (deleted, or no longer this visitor's) stops it.
 */
export function useLiveConversation(conversationId: string | null, handlers: LiveHandlers): void {
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    if (conversationId === null) return;
    const controller = new AbortController();
    const { signal } = controller;
    void (async () => {
      let delay = FIRST_DELAY_MS;
      for (let attempt = 0; !signal.aborted; attempt++) {
        if (attempt > 0) latest.current.onReconnect();
        try {
          for await (const event of api.conversationEvents(conversationId, { signal })) {
            delay = FIRST_DELAY_MS;
            latest.current.onEvent(event);
          }
        } catch (error) {
          if (signal.aborted || GONE.some((code) => AtelierError.is(error, code))) return;
        }
        await sleep(delay, signal);
        delay = Math.min(delay * 2, MAX_DELAY_MS);
      }
    })();
    return () => controller.abort();
  }, [conversationId]);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
