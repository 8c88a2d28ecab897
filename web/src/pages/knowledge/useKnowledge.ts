import { useCallback, useEffect, useRef, useState } from "react";
import type { AddKnowledgeResult, KnowledgeSource } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { usePolling } from "../../components/usePolling.js";

/** How often the list is fetched again while anything waits for or is being indexed. */
const POLL_MS = 1000;

export type ListState = { status: "loading" } | { status: "error"; error: unknown } | { status: "done" };

export interface Knowledge {
  state: ListState;
  sources: KnowledgeSource[];
  /** A sentence for the page's live region when something finished, failed, was added or removed. */
  announcement: string;
  reload(): void;
  upload(files: readonly File[]): Promise<AddKnowledgeResult>;
  addUrl(url: string): Promise<KnowledgeSource>;
  remove(source: KnowledgeSource): Promise<void>;
  reindex(source: KnowledgeSource): Promise<void>;
}

export const isWorking = (source: KnowledgeSource) => source.status === "queued" || source.status === "indexing";

/** An agent's knowledge sources, polled while any is queued or indexing, and what can be done to them. */
export function useKnowledge(agentId: string): Knowledge {
  const [state, setState] = useState<ListState>({ status: "loading" });
  const [sources, setSources] = useState<KnowledgeSource[]>([]);
  const [announcement, setAnnouncement] = useState("");
  const [attempt, setAttempt] = useState(0);
  const current = useRef<KnowledgeSource[]>([]);
  // A poll that was under way while a source was deleted must not bring it back.
  const deleted = useRef(new Set<string>());

  const show = useCallback((next: KnowledgeSource[]) => {
    const list = next.filter((source) => !deleted.current.has(source.id));
    const finished = describeFinished(current.current, list);
    if (finished) setAnnouncement(finished);
    current.current = list;
    setSources(list);
  }, []);

  useEffect(() => {
    let live = true;
    setState({ status: "loading" });
    api.listKnowledge(agentId).then(
      (list) => {
        if (!live) return;
        show(list);
        setState({ status: "done" });
      },
      (error: unknown) => live && setState({ status: "error", error }),
    );
    return () => {
      live = false;
    };
  }, [agentId, attempt, show]);

  const working = sources.some(isWorking);
  usePolling({ active: working, everyMs: POLL_MS, key: agentId }, () => api.listKnowledge(agentId), show);

  const merge = useCallback((added: readonly KnowledgeSource[]) => {
    const ids = new Set(added.map((source) => source.id));
    const names = new Set(added.map((source) => source.name));
    // Adding a name again replaces that source; new and replaced ones go to the top.
    show([...added, ...current.current.filter((source) => !ids.has(source.id) && !names.has(source.name))]);
  }, [show]);

  return {
    state,
    sources,
    announcement,
    reload: () => setAttempt((n) => n + 1),
    async upload(files) {
      const result = await api.addKnowledgeFiles(agentId, files.map((file) => ({ name: file.name, data: file, type: file.type })));
      merge(result.sources);
      const added = result.sources.length;
      setAnnouncement(`${added} ${added === 1 ? "file" : "files"} added${result.rejected.length ? `, ${result.rejected.length} refused` : ""}.`);
      return result;
    },
    async addUrl(url) {
      const source = await api.addKnowledgeUrl(agentId, url);
      merge([source]);
      setAnnouncement(`${source.title} added.`);
      return source;
    },
    async remove(source) {
      await api.deleteKnowledgeSource(agentId, source.id);
      deleted.current.add(source.id);
      show(current.current);
      setAnnouncement(`${source.title} deleted.`);
    },
    async reindex(source) {
      merge([await api.reindexKnowledgeSource(agentId, source.id)]);
      setAnnouncement(`Indexing ${source.title} again.`);
    },
  };
}

/** "faq.md is ready." for sources that stopped indexing since the last list; "" when none did. */
function describeFinished(before: readonly KnowledgeSource[], after: readonly KnowledgeSource[]): string {
  const was = new Map(before.map((source) => [source.id, source]));
  return after
    .filter((source) => {
      const previous = was.get(source.id);
      return previous !== undefined && isWorking(previous) && !isWorking(source);
    })
    .map((source) => (source.status === "ready" ? `${source.title} is ready.` : `${source.title} failed: ${source.error ?? "unknown error"}.`))
    .join(" ");
}
