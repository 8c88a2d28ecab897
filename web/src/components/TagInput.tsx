import { useId, useState, type KeyboardEvent } from "react";
import { Button } from "./Button.js";
import { Counter } from "./Field.js";

interface TagInputProps {
  label: string;
  /** Names one item in button labels: "Remove trait friendly". */
  itemName: string;
  values: string[];
  onChange: (values: string[]) => void;
  maxItems: number;
  maxLength: number;
  placeholder?: string;
  help?: string;
  error?: string | undefined;
}

/** A list of short words or phrases: type and press Enter (or comma) to add, remove each with its button. */
export function TagInput(props: TagInputProps) {
  const { label, itemName, values, onChange, maxItems, maxLength, placeholder, help, error } = props;
  const [draft, setDraft] = useState("");
  const id = useId();
  const full = values.length >= maxItems;

  function add() {
    const value = draft.trim();
    if (!value || full) return;
    if (!values.some((existing) => existing.toLowerCase() === value.toLowerCase())) onChange([...values, value]);
    setDraft("");
  }
  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      add();
    } else if (event.key === "Backspace" && draft === "" && values.length > 0) {
      onChange(values.slice(0, -1));
    }
  }

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {values.length > 0 && (
        <ul className="tags" aria-label={`${label}: ${values.length} of at most ${maxItems}`}>
          {values.map((value, index) => (
            <li className="tag" key={`${value}-${index}`}>
              <span>{value}</span>
              <button type="button" aria-label={`Remove ${itemName} ${value}`} onClick={() => onChange(values.filter((_, i) => i !== index))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="tag-entry">
        <input
          id={id}
          className="input"
          value={draft}
          maxLength={maxLength}
          placeholder={full ? `That's the maximum of ${maxItems}` : placeholder}
          disabled={full}
          aria-describedby={`${id}-help`}
          aria-invalid={error ? true : undefined}
          onChange={(event) => setDraft(event.target.value.replace(",", ""))}
          onKeyDown={onKeyDown}
          onBlur={add}
        />
        <Button onClick={add} disabled={full || !draft.trim()} aria-label={`Add ${itemName}`}>
          Add
        </Button>
      </div>
      {error && <p className="field-error">{error}</p>}
      <div className="field-meta">
        <p className="field-help" id={`${id}-help`}>
          {help ? `${help} ` : ""}Press Enter to add.
        </p>
        <Counter length={values.length} max={maxItems} unit="items" />
      </div>
    </div>
  );
}
