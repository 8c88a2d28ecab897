import { useId, useRef, useState, type DragEvent } from "react";
import { AtelierError, type AddKnowledgeResult, type RejectedFile } from "../../../../src/contracts/index.js";
import { Loading } from "../../components/Loading.js";
import { errorText } from "../../components/errors.js";

/** What the file picker offers; anything else is still sent when dropped, and the server explains. */
const ACCEPT = ".txt,.text,.md,.markdown,.html,.htm,.pdf,.docx,.csv,.json";

interface UploadAreaProps {
  onUpload: (files: readonly File[]) => Promise<AddKnowledgeResult>;
}

/** A real multi-file input behind a styled label, and the same upload for files dropped onto the area. */
export function UploadArea({ onUpload }: UploadAreaProps) {
  const inputId = useId();
  const hintId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);
  const [rejected, setRejected] = useState<RejectedFile[]>([]);
  const [error, setError] = useState<unknown>(null);

  async function upload(list: FileList | null) {
    const files = list ? [...list] : [];
    if (files.length === 0 || busy) return;
    setBusy(true);
    setRejected([]);
    setError(null);
    try {
      setRejected((await onUpload(files)).rejected);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
      // Choosing the same file again (after fixing it) must fire another change.
      if (input.current) input.current.value = "";
    }
  }

  const carriesFiles = (event: DragEvent) => event.dataTransfer.types.includes("Files");
  return (
    <div
      className={`knowledge-drop${dragging ? " knowledge-drop--active" : ""}`}
      onDragOver={(event) => {
        if (!carriesFiles(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        setDragging(true);
      }}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={(event) => {
        event.preventDefault();
        setDragging(false);
        void upload(event.dataTransfer.files);
      }}
    >
      <p className="knowledge-drop__lead">Drop documents here, or</p>
      <input
        ref={input}
        id={inputId}
        type="file"
        multiple
        accept={ACCEPT}
        className="visually-hidden knowledge-drop__input"
        aria-describedby={hintId}
        disabled={busy}
        onChange={(event) => void upload(event.target.files)}
      />
      <label htmlFor={inputId} className={`btn btn-primary${busy ? " knowledge-drop__label--busy" : ""}`}>
        Choose files
      </label>
      <p id={hintId} className="knowledge-drop__hint">
        Text, Markdown, web pages, PDF, Word, CSV and JSON: .txt .md .html .pdf .docx .csv .json. Adding a file with the same
        name again replaces it.
      </p>
      {busy && <Loading label="Uploading…" />}
      {rejected.length > 0 && <RejectedAlert files={rejected} />}
      {error !== null && <UploadError error={error} />}
    </div>
  );
}

function RejectedAlert({ files }: { files: readonly RejectedFile[] }) {
  return (
    <div className="alert knowledge-alert" role="alert">
      <p>
        <strong>
          {files.length === 1 ? "1 file was not added" : `${files.length} files were not added`}.
        </strong>{" "}
        The rest were added.
      </p>
      <ul>
        {files.map((file) => (
          <li key={file.name}>
            <span className="mono">{file.name}</span>: {file.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** When every file is refused the upload fails as a whole; its issues still name each file. */
function UploadError({ error }: { error: unknown }) {
  const issues = error instanceof AtelierError ? (error.issues ?? []) : [];
  return (
    <div className="alert knowledge-alert" role="alert">
      <p>
        <strong>Nothing was added.</strong> {issues.length > 0 && error instanceof AtelierError ? error.message : errorText(error)}
      </p>
      {issues.length > 0 && (
        <ul>
          {issues.map((issue) => (
            <li key={`${issue.path}:${issue.message}`}>
              <span className="mono">{issue.path}</span>: {issue.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
