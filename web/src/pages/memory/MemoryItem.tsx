import { useId, useState, type FormEvent } from "react";
import { MEMORY_TEXT_MAX, type Memory, type MemoryKind } from "../../../../src/contracts/index.js";
import { Button } from "../../components/Button.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { fieldIssues } from "../../components/errors.js";
import { Field } from "../../components/Field.js";
import { formatDate, KIND_LABEL } from "./format.js";

interface MemoryItemProps {
  memory: Memory;
  onSave: (change: { kind: MemoryKind; content: string }) => Promise<void>;
  onDelete: () => void;
}

/** One memory: read, or edited in place. */
export function MemoryItem({ memory, onSave, onDelete }: MemoryItemProps) {
  const [editing, setEditing] = useState(false);
  const short = memory.content.length > 40 ? `${memory.content.slice(0, 40)}…` : memory.content;
  if (editing) {
    return (
      <MemoryForm
        title={`Edit memory: ${short}`}
        initial={memory}
        submitLabel="Save memory"
        onSubmit={async (change) => {
          await onSave(change);
          setEditing(false);
        }}
        onCancel={() => setEditing(false)}
      />
    );
  }
  return (
    <article className="memory-item" aria-label={`${KIND_LABEL[memory.kind]}: ${short}`}>
      <p className="memory-item__content">{memory.content}</p>
      <p className="memory-item__meta">
        <span className="badge badge-muted">{KIND_LABEL[memory.kind]}</span>{" "}
        {memory.origin === "owner" ? "Written by you" : "Noted from a conversation"} · {formatDate(memory.updatedAt)}
      </p>
      <div className="button-row">
        <Button small onClick={() => setEditing(true)} aria-label={`Edit memory: ${short}`}>
          Edit
        </Button>
        <Button small variant="danger" onClick={onDelete} aria-label={`Delete memory: ${short}`}>
          Delete
        </Button>
      </div>
    </article>
  );
}

interface MemoryFormProps {
  title: string;
  initial: { kind: MemoryKind; content: string };
  submitLabel: string;
  onSubmit: (value: { kind: MemoryKind; content: string }) => Promise<void>;
  onCancel?: () => void;
}

/** Kind and text of a memory, for adding one or correcting one. */
export function MemoryForm({ title, initial, submitLabel, onSubmit, onCancel }: MemoryFormProps) {
  const [kind, setKind] = useState<MemoryKind>(initial.kind);
  const [content, setContent] = useState(initial.content);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const kindId = useId();
  const issues = fieldIssues(error);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSubmit({ kind, content });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="memory-form" onSubmit={(event) => void submit(event)} noValidate aria-label={title}>
      <div className="field memory-form__kind">
        <label htmlFor={kindId}>Kind</label>
        <select id={kindId} value={kind} onChange={(event) => setKind(event.target.value as MemoryKind)}>
          {(Object.keys(KIND_LABEL) as MemoryKind[]).map((key) => (
            <option key={key} value={key}>
              {KIND_LABEL[key]}
            </option>
          ))}
        </select>
      </div>
      <Field label="What to remember" multiline rows={2} value={content} onChange={setContent} max={MEMORY_TEXT_MAX}
        error={issues.content} placeholder="Prefers short answers; is learning Spanish." />
      {error !== null && !issues.content && <ErrorMessage error={error} title="Not saved" />}
      <div className="button-row">
        <Button type="submit" variant="primary" small busy={busy} disabled={content.trim() === ""}>
          {submitLabel}
        </Button>
        {onCancel && (
          <Button small variant="ghost" onClick={onCancel}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}
