import { useId, useRef, useState } from "react";
import type { Agent } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { Avatar } from "../../components/Avatar.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Spinner } from "../../components/Loading.js";

const TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"];
const MAX_BYTES = 5 * 1024 * 1024;

interface AvatarUploadProps {
  /** Null for an agent not created yet: nothing to attach a picture to. */
  agent: Agent | null;
  name: string;
  /** The avatar field as it stands (URL or uploaded picture), for the preview. */
  src: string;
  onUploaded: (agent: Agent) => void;
}

/** The avatar preview, and uploading a picture (saved at once, as a new version). */
export function AvatarUpload({ agent, name, src, onUploaded }: AvatarUploadProps) {
  const inputId = useId();
  const hintId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState("");
  const input = useRef<HTMLInputElement>(null);

  async function upload(file: File | undefined) {
    if (!file || !agent) return;
    setError(null);
    setProblem("");
    // Checked here too so a wrong file gets its answer without a round trip.
    if (!TYPES.includes(file.type)) return setProblem(`${file.name} is not a PNG, JPEG, WebP or GIF picture.`);
    if (file.size > MAX_BYTES) return setProblem(`${file.name} is larger than 5 MB; make it smaller and try again.`);
    setBusy(true);
    try {
      onUploaded(await api.setAvatar(agent.id, { data: file, type: file.type }));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
      if (input.current) input.current.value = "";
    }
  }

  return (
    <div className="avatar-upload">
      <div className="avatar-upload__preview">
        <Avatar name={name || "?"} src={src} />
        <span className="muted">Preview</span>
      </div>
      <div className="avatar-upload__controls">
        <input ref={input} id={inputId} type="file" accept={TYPES.join(",")} className="visually-hidden avatar-upload__input"
          disabled={!agent || busy} aria-describedby={hintId} onChange={(event) => void upload(event.target.files?.[0])} />
        <label htmlFor={inputId} className={`btn btn-small${!agent || busy ? " avatar-upload__label--disabled" : ""}`}>
          {busy && <Spinner />}
          Upload a picture
        </label>
        <p id={hintId} className="field-help muted">
          {agent
            ? "PNG, JPEG, WebP or GIF up to 5 MB. Saved right away as a new version."
            : "Create the agent first, then upload its picture here."}
        </p>
        {problem && (
          <p className="field-error" role="alert">
            {problem}
          </p>
        )}
        {error !== null && <ErrorMessage error={error} title="The picture was not saved" />}
      </div>
    </div>
  );
}
