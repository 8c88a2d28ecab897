import { useState } from "react";
import type { DocumentFormat, KnowledgeSource } from "../../../../src/contracts/index.js";
import { Button } from "../../components/Button.js";
import { ConfirmDialog } from "../../components/ConfirmDialog.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { formatBytes } from "../models/format.js";
import { isWorking } from "./useKnowledge.js";

const FORMAT_NAMES: Record<DocumentFormat, string> = {
  text: "Text",
  markdown: "Markdown",
  html: "Web page",
  pdf: "PDF",
  docx: "Word",
  csv: "CSV",
  json: "JSON",
};

const PHASES: Record<KnowledgeSource["progress"]["phase"], string> = {
  waiting: "Waiting",
  parsing: "Reading the document",
  chunking: "Splitting into passages",
  embedding: "Embedding passages",
  done: "Finishing",
};

interface SourceTableProps {
  sources: readonly KnowledgeSource[];
  onDelete: (source: KnowledgeSource) => Promise<void>;
  onReindex: (source: KnowledgeSource) => Promise<void>;
}

type Deleting = { source: KnowledgeSource; busy: boolean; error: unknown };

export function SourceTable({ sources, onDelete, onReindex }: SourceTableProps) {
  const [deleting, setDeleting] = useState<Deleting | null>(null);
  const [reindexing, setReindexing] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);

  async function confirmDelete() {
    if (!deleting) return;
    setDeleting({ ...deleting, busy: true, error: null });
    try {
      await onDelete(deleting.source);
      setDeleting(null);
    } catch (error) {
      setDeleting({ ...deleting, busy: false, error });
    }
  }

  async function reindex(source: KnowledgeSource) {
    setReindexing(source.id);
    setActionError(null);
    try {
      await onReindex(source);
    } catch (error) {
      setActionError(error);
    } finally {
      setReindexing(null);
    }
  }

  return (
    <>
      {actionError !== null && <ErrorMessage error={actionError} title="Re-indexing did not start" />}
      <table className="table knowledge-table">
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">Format</th>
            <th scope="col">Size</th>
            <th scope="col">Status</th>
            <th scope="col">Updated</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sources.map((source) => (
            <tr key={source.id}>
              <td className="knowledge-source-cell">
                <span className="knowledge-title">{source.title}</span>
                {source.name !== source.title && <span className="knowledge-name mono">{source.name}</span>}
              </td>
              <td className="knowledge-nowrap">{FORMAT_NAMES[source.format]}</td>
              <td className="knowledge-nowrap">{formatBytes(source.bytes)}</td>
              <td className="knowledge-status-cell">
                <SourceStatus source={source} />
              </td>
              <td className="knowledge-nowrap">
                <time dateTime={source.updatedAt}>{new Date(source.updatedAt).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}</time>
              </td>
              <td>
                <div className="button-row knowledge-actions">
                  <Button small onClick={() => void reindex(source)} busy={reindexing === source.id} disabled={isWorking(source)}
                    aria-label={`Re-index ${source.title}`}>
                    Re-index
                  </Button>
                  <Button small variant="danger" onClick={() => setDeleting({ source, busy: false, error: null })} aria-label={`Delete ${source.title}`}>
                    Delete
                  </Button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ConfirmDialog
        open={deleting !== null}
        title={deleting ? `Delete “${deleting.source.title}”?` : "Delete source?"}
        confirmLabel="Delete source"
        danger
        busy={deleting?.busy}
        error={deleting?.error}
        onConfirm={() => void confirmDelete()}
        onCancel={() => setDeleting(null)}
      >
        <p>The document and its passages are deleted for good; the agent stops answering from it. This cannot be undone.</p>
      </ConfirmDialog>
    </>
  );
}

function SourceStatus({ source }: { source: KnowledgeSource }) {
  const { status, progress } = source;
  if (status === "queued") return <span className="badge badge-muted">Queued</span>;
  if (status === "ready") {
    return (
      <>
        <span className="badge">Ready</span>{" "}
        <span className="knowledge-detail">{source.chunkCount === 1 ? "1 passage" : `${source.chunkCount} passages`}</span>
      </>
    );
  }
  if (status === "failed") {
    return (
      <>
        <span className="badge knowledge-badge-failed">Failed</span>
        <span className="knowledge-error">{source.error ?? "The document could not be indexed."}</span>
      </>
    );
  }
  const known = progress.total > 0;
  return (
    <>
      <span className="badge knowledge-badge-indexing">Indexing</span>{" "}
      <span className="knowledge-detail">
        {PHASES[progress.phase]}
        {known ? `: ${progress.done} of ${progress.total}` : "…"}
      </span>
      <progress className="progress" max={known ? progress.total : undefined} value={known ? progress.done : undefined}
        aria-label={`Indexing ${source.title}`} />
    </>
  );
}
