import { useCallback, useEffect, useRef, useState } from "react";
import type { InboxConversation, InboxEvent } from "../../../../src/contracts/publish.js";
import { api } from "../../api.js";
import { errorText, isAborted } from "../../components/errors.js";
import { newestFirst } from "./format.js";

export interface InboxFilters {
  agentId: string;
  q: string;
  unreadOnly: boolean;
}

/** What the live stream hands the open conversation: an event, or "resync" after a gap in the stream. */
export type LiveSignal = InboxEvent | { type: "resync" };
export type LiveListener = (signal: LiveSignal) => void;

export type ListLoad = { state: "loading" } | { state: "ready" } | { state: "failed"; error: unknown };

export interface Inbox {
  conversations: InboxConversation[];
  load: ListLoad;
  hasMore: boolean;
  loadingMore: boolean;
  moreError: string | null;
  /** False while the live stream is down and being reconnected. */
  live: boolean;
  loadMore(): void;
  reload(): void;
  /** Marks one row read locally (the server is told by the conversation pane). */
  markReadLocally(id: string): void;
  subscribe(listener: LiveListener): () => void;
}

const PAGE_SIZE = 30;
const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

/**
 * The owner's conversations across all their agents, newest first, kept current by the inbox's live
 * stream. `openId` stays listed even when a filter would drop it, so the row being read never vanishes.
 */
export function useInbox(filters: InboxFilters, openId: string | undefined): Inbox {
  const [conversations, setConversations] = useState<InboxConversation[]>([]);
  const [load, setLoad] = useState<ListLoad>({ state: "loading" });
  const [hasMore, setHasMore] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [live, setLive] = useState(true);
  const [attempt, setAttempt] = useState(0);
  const listeners = useRef(new Set<LiveListener>());
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const openRef = useRef(openId);
  openRef.current = openId;
  // Bumps on every (re)load so answers to superseded requests are dropped.
  const generation = useRef(0);

  const fetchPage = useCallback((before?: string) => {
    const { agentId, q, unreadOnly } = filtersRef.current;
    return api.inbox({
      ...(agentId ? { agentId } : {}),
      ...(q.trim() ? { q: q.trim() } : {}),
      ...(unreadOnly ? { unread: true } : {}),
      limit: PAGE_SIZE,
      ...(before ? { before } : {}),
    });
  }, []);

  /** Loads the first page again; `quiet` keeps the current rows on screen meanwhile (resync after a gap). */
  const refresh = useCallback(
    async (quiet: boolean): Promise<boolean> => {
      const own = ++generation.current;
      if (!quiet) setLoad({ state: "loading" });
      try {
        const page = await fetchPage();
        if (own !== generation.current) return true;
        setConversations([...page.conversations].sort(newestFirst));
        setHasMore(page.conversations.length === PAGE_SIZE);
        setMoreError(null);
        setLoad({ state: "ready" });
        return true;
      } catch (error) {
        if (own === generation.current && !quiet) setLoad({ state: "failed", error });
        return false;
      }
    },
    [fetchPage],
  );

  useEffect(() => {
    void refresh(false);
  }, [refresh, filters.agentId, filters.q, filters.unreadOnly, attempt]);

  const loadMore = useCallback(() => {
    const last = conversations.at(-1);
    if (!last || loadingMore) return;
    const own = generation.current;
    setLoadingMore(true);
    setMoreError(null);
    fetchPage(last.id).then(
      (page) => {
        if (own !== generation.current) return;
        setConversations((list) => merge(list, page.conversations));
        setHasMore(page.conversations.length === PAGE_SIZE);
      },
      (error: unknown) => {
        if (own === generation.current) setMoreError(errorText(error));
      },
    ).finally(() => setLoadingMore(false));
  }, [conversations, fetchPage, loadingMore]);

  const apply = useCallback((event: InboxEvent) => {
    if (event.type === "conversation-deleted") {
      setConversations((list) => list.filter((row) => row.id !== event.conversationId));
    } else if (event.type === "conversation") {
      // The open conversation is being read: it is marked read on the server right after (useThread).
      const row = event.conversation.id === openRef.current ? { ...event.conversation, unread: false } : event.conversation;
      setConversations((list) => {
        const known = list.some((existing) => existing.id === row.id);
        const keep = row.id === openRef.current || matches(row, filtersRef.current, known);
        const rest = list.filter((existing) => existing.id !== row.id);
        return keep ? [...rest, row].sort(newestFirst) : rest;
      });
    }
    for (const listener of listeners.current) listener(event);
  }, []);

  // One live stream for the page's lifetime; a dropped stream is reopened with backoff, and what
  // happened in the gap is fetched again (the list, and the open conversation through "resync").
  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    void (async () => {
      for (let failures = 0, reopening = false; !signal.aborted; reopening = true) {
        const opened = Date.now();
        const events = api.inboxEvents({ signal })[Symbol.asyncIterator]();
        try {
          // Asking for the first event sends the request; the gap is fetched only after, so nothing falls between.
          const first = events.next();
          if (reopening) resync();
          for (let step = await first; !step.done; step = await events.next()) {
            failures = 0;
            setLive(true);
            apply(step.value);
          }
        } catch (error) {
          if (signal.aborted || isAborted(error)) return;
        }
        // A stream that stayed up a while was healthy: start the backoff over.
        if (Date.now() - opened > 30_000) failures = 0;
        setLive(false);
        await sleep(RETRY_MS[Math.min(failures, RETRY_MS.length - 1)] ?? 30_000, signal);
        failures++;
      }
    })();
    function resync() {
      // The list answering again means the server is back, before the stream says anything.
      void refresh(true).then((ok) => ok && !signal.aborted && setLive(true));
      for (const listener of listeners.current) listener({ type: "resync" });
    }
    return () => controller.abort();
  }, [apply, refresh]);

  const subscribe = useCallback((listener: LiveListener) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);

  const markReadLocally = useCallback((id: string) => {
    setConversations((list) => list.map((row) => (row.id === id && row.unread ? { ...row, unread: false } : row)));
  }, []);

  return {
    conversations,
    load,
    hasMore,
    loadingMore,
    moreError,
    live,
    loadMore,
    reload: () => setAttempt((n) => n + 1),
    markReadLocally,
    subscribe,
  };
}

/**
 * Whether a live summary belongs in the filtered list. Search runs on the server over message text
 * too, so a row already listed stays; a new one joins only when its visible fields match.
 */
function matches(row: InboxConversation, filters: InboxFilters, known: boolean): boolean {
  if (filters.agentId && row.agentId !== filters.agentId) return false;
  if (filters.unreadOnly && !row.unread) return false;
  const q = filters.q.trim().toLowerCase();
  if (!q || known) return true;
  return [row.title, row.preview, row.agentName, row.participantId].some((text) => text.toLowerCase().includes(q));
}

function merge(list: InboxConversation[], page: InboxConversation[]): InboxConversation[] {
  const seen = new Set(list.map((row) => row.id));
  return [...list, ...page.filter((row) => !seen.has(row.id))].sort(newestFirst);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
