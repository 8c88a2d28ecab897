import { useEffect, useRef, useState, type FormEvent } from "react";
import type { ModelDownload } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { Button } from "../../components/Button.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { fieldIssues } from "../../components/errors.js";
import { Field } from "../../components/Field.js";
import { formatBytes } from "./format.js";

const POLL_MS = 500;

interface DownloadsProps {
  canDownload: boolean;
  initial: ModelDownload[];
  /** A download finished: the list of local models changed. */
  onFinished: () => void;
}

export function Downloads({ canDownload, initial, onFinished }: DownloadsProps) {
  const [downloads, setDownloads] = useState(initial);
  const [uri, setUri] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const finishedRef = useRef(onFinished);
  finishedRef.current = onFinished;
  const running = downloads.some((download) => download.status === "running");

  // Poll only while something downloads; a running download that stops running refreshes the model list.
  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(() => {
      api.listModelDownloads().then(
        (list) =>
          setDownloads((previous) => {
            const wasRunning = new Set(previous.filter((d) => d.status === "running").map((d) => d.id));
            if (list.downloads.some((d) => wasRunning.has(d.id) && d.status === "done")) finishedRef.current();
            return list.downloads;
          }),
        () => undefined,
      );
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [running]);

  async function start(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const download = await api.startModelDownload(uri);
      setDownloads((previous) => [download, ...previous.filter((d) => d.id !== download.id)]);
      setUri("");
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  async function cancel(id: string) {
    try {
      const cancelled = await api.cancelModelDownload(id);
      setDownloads((previous) => previous.map((d) => (d.id === id ? cancelled : d)));
    } catch (caught) {
      setError(caught);
    }
  }

  const issues = fieldIssues(error);
  return (
    <section className="card section" aria-labelledby="download-title">
      <h2 id="download-title">Download a model</h2>
      {canDownload ? (
        <form onSubmit={(event) => void start(event)} noValidate>
          <Field label="Model to download" value={uri} onChange={setUri} max={500} error={issues.uri}
            placeholder="hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"
            help="An hf: URI (hf:<user>/<repo>:<quantisation>) or an https link to a .gguf file." />
          {error !== null && !issues.uri && <ErrorMessage error={error} title="The download did not start" />}
          <Button type="submit" variant="primary" busy={busy}>
            Download
          </Button>
        </form>
      ) : (
        <p className="muted">Only an administrator can download models. Ask yours if you need another one.</p>
      )}
      {downloads.length > 0 && (
        <ul className="versions" aria-label="Downloads">
          {downloads.map((download) => (
            <DownloadRow key={download.id} download={download} onCancel={() => void cancel(download.id)} canCancel={canDownload} />
          ))}
        </ul>
      )}
    </section>
  );
}

function DownloadRow({ download, onCancel, canCancel }: { download: ModelDownload; onCancel: () => void; canCancel: boolean }) {
  const known = download.totalBytes > 0;
  const percent = known ? Math.floor((download.downloadedBytes / download.totalBytes) * 100) : null;
  const amount = `${formatBytes(download.downloadedBytes)}${known ? ` of ${formatBytes(download.totalBytes)}` : ""}`;
  return (
    <li>
      <span className="version-meta">
        <span className="mono">{download.uri}</span>
        <small>{describe(download, percent, amount)}</small>
        {download.status === "running" && (
          <progress className="progress" max={100} value={percent ?? undefined} aria-label={`Downloading ${download.uri}`} />
        )}
      </span>
      {download.status === "running" && canCancel && (
        <Button small variant="danger" onClick={onCancel} aria-label={`Cancel download of ${download.uri}`}>
          Cancel
        </Button>
      )}
    </li>
  );
}

function describe(download: ModelDownload, percent: number | null, amount: string): string {
  switch (download.status) {
    case "running":
      return percent === null ? `Downloading… ${amount}` : `Downloading… ${percent}% (${amount})`;
    case "done":
      return `Done: available as ${download.model ?? "a local model"}.`;
    case "cancelled":
      return "Cancelled.";
    case "failed":
      return `Failed: ${download.error?.message ?? "unknown error"}`;
  }
}
