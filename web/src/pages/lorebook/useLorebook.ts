import { useCallback, useEffect, useState } from "react";
import type { Lorebook, LorebookContent, LorebookEntry } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";

export type LorebookState = { status: "loading" } | { status: "error"; error: unknown } | { status: "done" };

/**
 * An agent's lorebook, edited as one document: `draft` is what the page shows, `saved` what the
 * server last returned. Saving sends the whole book with the revision it was edited from, so a
 * change someone made meanwhile is refused (409) instead of overwritten.
 */
export function useLorebook(agentId: string) {
  const [state, setState] = useState<LorebookState>({ status: "loading" });
  const [saved, setSaved] = useState<Lorebook | null>(null);
  const [draft, setDraft] = useState<LorebookContent | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  const adopt = useCallback((book: Lorebook) => {
    setSaved(book);
    setDraft(contentOf(book));
    setError(null);
  }, []);

  useEffect(() => {
    let live = true;
    setState({ status: "loading" });
    api.lorebook(agentId).then(
      (book) => {
        if (!live) return;
        adopt(book);
        setState({ status: "done" });
      },
      (caught: unknown) => live && setState({ status: "error", error: caught }),
    );
    return () => {
      live = false;
    };
  }, [agentId, attempt, adopt]);

  const dirty = saved !== null && draft !== null && JSON.stringify(contentOf(saved)) !== JSON.stringify(draft);

  async function save(): Promise<boolean> {
    if (!saved || !draft) return false;
    setSaving(true);
    setError(null);
    try {
      adopt(await api.putLorebook(agentId, { lorebook: draft, expectedRevision: saved.revision }));
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    } finally {
      setSaving(false);
    }
  }

  /** Takes the server's lorebook again, dropping unsaved edits (after a conflict or an import); the page stays in place. */
  async function refresh(): Promise<void> {
    try {
      adopt(await api.lorebook(agentId));
    } catch (caught) {
      setError(caught);
    }
  }

  const updateEntry = useCallback((id: string, change: Partial<LorebookEntry>) => {
    setDraft((book) => book && { ...book, entries: book.entries.map((entry) => (entry.id === id ? { ...entry, ...change } : entry)) });
  }, []);

  return {
    state,
    saved,
    draft,
    dirty,
    saving,
    error,
    save,
    /** Loads from scratch (after the first load failed). */
    reload: () => setAttempt((n) => n + 1),
    refresh,
    discard: () => saved && setDraft(contentOf(saved)),
    setSettings: (change: Partial<Omit<LorebookContent, "entries">>) => setDraft((book) => book && { ...book, ...change }),
    updateEntry,
    addEntry(): LorebookEntry {
      const entry = newEntry(draft?.entries ?? []);
      setDraft((book) => book && { ...book, entries: [...book.entries, entry] });
      return entry;
    },
    removeEntry: (id: string) => setDraft((book) => book && { ...book, entries: book.entries.filter((entry) => entry.id !== id) }),
  };
}

export type LorebookEditor = ReturnType<typeof useLorebook>;

function contentOf(book: Lorebook): LorebookContent {
  const { agentId: _agent, revision: _revision, updatedAt: _updated, ...content } = book;
  return content;
}

/** A fresh entry with the contract's defaults, ordered after the others. */
function newEntry(existing: readonly LorebookEntry[]): LorebookEntry {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  const id = `lor_${[...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
  const lastOrder = existing.reduce((max, entry) => Math.max(max, entry.insertionOrder), 0);
  return {
    id,
    name: "",
    keys: [],
    secondaryKeys: [],
    selective: false,
    secondaryLogic: "and-any",
    content: "",
    enabled: true,
    constant: false,
    useRegex: false,
    caseSensitive: null,
    matchWholeWords: null,
    scanDepth: null,
    insertionOrder: existing.length === 0 ? 100 : lastOrder + 10,
    priority: 10,
    position: "after-persona",
    extensions: {},
  };
}
