import { useEffect, useId, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { api } from "../../api.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Loading } from "../../components/Loading.js";
import type { ImportReport } from "./import-state.js";

/** What the picker offers; a dropped file of any kind is still sent, and the server says what is wrong with it. */
const ACCEPT = ".png,.json,.charx";

/**
 * Importing a character: a file picker behind a button-styled label, and the same import for a file
 * dropped anywhere on the page (an overlay shows while one is dragged over). On success the new
 * agent's editor opens with a report of what came across.
 */
export function useAgentImport() {
  const navigate = useNavigate();
  const [uploading, setUploading] = useState<string | null>(null);
  const [error, setError] = useState<{ fileName: string; error: unknown } | null>(null);
  const [dragging, setDragging] = useState(false);
  const busy = useRef(false);

  async function importFile(file: File | undefined) {
    if (!file || busy.current) return;
    busy.current = true;
    setUploading(file.name);
    setError(null);
    try {
      const result = await api.importAgent({ name: file.name, data: file, type: file.type });
      const imported: ImportReport = {
        fileName: file.name,
        format: result.format,
        lorebookEntries: result.lorebookEntries,
        knowledgeSources: result.knowledgeSources,
        versions: result.versions,
        warnings: result.warnings,
      };
      navigate(`/agents/${encodeURIComponent(result.agent.id)}/edit`, { state: { imported } });
    } catch (caught) {
      setError({ fileName: file.name, error: caught });
    } finally {
      busy.current = false;
      setUploading(null);
    }
  }

  // The whole window is the drop target: a card dropped next to the list must not open in the tab instead.
  useEffect(() => {
    let depth = 0;
    const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes("Files") ?? false;
    const enter = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      depth += 1;
      setDragging(true);
    };
    const over = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
      setDragging(true);
    };
    const leave = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth = 0;
      setDragging(false);
      void importFile(event.dataTransfer?.files[0]);
    };
    window.addEventListener("dragenter", enter);
    window.addEventListener("dragover", over);
    window.addEventListener("dragleave", leave);
    window.addEventListener("drop", drop);
    return () => {
      window.removeEventListener("dragenter", enter);
      window.removeEventListener("dragover", over);
      window.removeEventListener("dragleave", leave);
      window.removeEventListener("drop", drop);
    };
    // importFile only reads refs and stable setters.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return { uploading, error, dragging, importFile, dismissError: () => setError(null) };
}

export type AgentImport = ReturnType<typeof useAgentImport>;

/** "Import a character": a real file input, its label styled as a button. */
export function ImportButton({ importer }: { importer: AgentImport }) {
  const id = useId();
  const hintId = useId();
  const input = useRef<HTMLInputElement>(null);
  const busy = importer.uploading !== null;
  return (
    <>
      <input ref={input} id={id} type="file" accept={ACCEPT} className="visually-hidden import-input" disabled={busy}
        aria-describedby={hintId}
        onChange={(event) => {
          const file = event.target.files?.[0];
          // Choosing the same file again (after fixing it) must fire another change.
          event.target.value = "";
          void importer.importFile(file);
        }} />
      <label htmlFor={id} className={`btn${busy ? " import-label--busy" : ""}`}>
        Import a character
      </label>
      <span id={hintId} className="visually-hidden">
        A character card (PNG, JSON or CHARX), an elizaOS character file or an Atelier bundle. You can also drop the file anywhere
        on this page.
      </span>
    </>
  );
}

/** Progress and errors of an import, below the page header. */
export function ImportStatus({ importer }: { importer: AgentImport }) {
  if (importer.uploading !== null) return <Loading label={`Importing ${importer.uploading}…`} />;
  if (importer.error === null) return null;
  return <ErrorMessage error={importer.error.error} title={`${importer.error.fileName} was not imported`} />;
}

/** Shown over the page while a file is dragged over the window. */
export function DropOverlay({ importer }: { importer: AgentImport }) {
  if (!importer.dragging) return null;
  return (
    <div className="import-overlay" aria-hidden="true">
      <div className="import-overlay__box">
        <p className="import-overlay__title">Drop to import the character</p>
        <p>A character card (PNG, JSON, CHARX), an elizaOS character or an Atelier bundle.</p>
      </div>
    </div>
  );
}
