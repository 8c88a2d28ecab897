import { useId, useRef, useState } from "react";
import type { LorebookImportResult } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Loading } from "../../components/Loading.js";

interface LorebookFilesProps {
  agentId: string;
  /** Unsaved edits would be lost when the imported book is loaded: import waits until they are saved. */
  dirty: boolean;
  onImported: (result: LorebookImportResult) => void;
}

/** Import SillyTavern World Info or a card's book (merged or replacing), and export as World Info. */
export function LorebookFiles({ agentId, dirty, onImported }: LorebookFilesProps) {
  const inputId = useId();
  const hintId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [mode, setMode] = useState<"merge" | "replace">("merge");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<LorebookImportResult | null>(null);

  async function upload(file: File | undefined) {
    if (!file || busy) return;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const imported = await api.importLorebook(agentId, { name: file.name, data: file, type: file.type }, { mode });
      setResult(imported);
      onImported(imported);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
      if (input.current) input.current.value = "";
    }
  }

  return (
    <section className="card section" aria-labelledby="lore-files-title">
      <h2 id="lore-files-title">Import and export</h2>
      <div className="lore-files">
        <div>
          <fieldset className="lore-mode">
            <legend>When importing</legend>
            <label className="lore-check">
              <input type="radio" name={`${inputId}-mode`} checked={mode === "merge"} onChange={() => setMode("merge")} />
              <span>Add its entries after these</span>
            </label>
            <label className="lore-check">
              <input type="radio" name={`${inputId}-mode`} checked={mode === "replace"} onChange={() => setMode("replace")} />
              <span>Replace this lorebook</span>
            </label>
          </fieldset>
          <input ref={input} id={inputId} type="file" accept=".json,.png,.charx" className="visually-hidden lore-file-input"
            aria-describedby={hintId} disabled={busy || dirty} onChange={(event) => void upload(event.target.files?.[0])} />
          <label htmlFor={inputId} className={`btn${busy || dirty ? " lore-label--disabled" : ""}`}>
            Import a lorebook file
          </label>
          <p id={hintId} className="field-help muted">
            {dirty
              ? "Save or discard your changes first."
              : "SillyTavern World Info (.json), a card's character book, or a character card (.png, .charx)."}
          </p>
        </div>
        <div>
          <a className="btn" href={`/api/agents/${encodeURIComponent(agentId)}/lorebook/export`} download>
            Export as World Info
          </a>
          <p className="field-help muted">A SillyTavern World Info file of the saved lorebook.</p>
        </div>
      </div>
      {busy && <Loading label="Importing…" />}
      {error !== null && <ErrorMessage error={error} title="Nothing was imported" />}
      {result && (
        <div className="alert alert-info" role="status">
          <p>
            <strong>
              {result.mode === "replace" ? "Replaced the lorebook with" : "Added"} {result.entries}{" "}
              {result.entries === 1 ? "entry" : "entries"}
            </strong>{" "}
            from a {result.format === "world-info" ? "World Info file" : "character book"}.
          </p>
          {result.warnings.length > 0 && (
            <ul>
              {result.warnings.map((warning) => (
                <li key={warning}>{warning}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
