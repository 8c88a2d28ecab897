import { useId, useState } from "react";
import type { LorebookEntry, LorePosition, SecondaryLogic } from "../../../../src/contracts/index.js";
import { Field } from "../../components/Field.js";
import { Check } from "./BookSettings.js";
import { joinKeys, splitKeys } from "./keys.js";
import { NumberField } from "./NumberField.js";

const LOGIC: Record<SecondaryLogic, string> = {
  "and-any": "and any secondary key",
  "and-all": "and all secondary keys",
  "not-any": "and none of the secondary keys",
  "not-all": "and not all secondary keys",
};

const POSITIONS: Record<LorePosition, string> = {
  "before-persona": "Before the persona",
  "after-persona": "After the persona",
};

interface EntryEditorProps {
  entry: LorebookEntry;
  book: { caseSensitive: boolean; matchWholeWords: boolean };
  issues: Record<string, string>;
  onChange: (change: Partial<LorebookEntry>) => void;
}

/** Every setting of one entry; `issues` are the server's notes for it, keyed by field ("keys.0"). */
export function EntryEditor({ entry, book, issues, onChange }: EntryEditorProps) {
  return (
    <div className="lore-entry__form">
      <Field label="Name" value={entry.name} onChange={(name) => onChange({ name })} max={500} error={issues.name}
        placeholder="e.g. The old castle" help="Only for you: how this entry is listed." />
      <KeysField label="Keys" keys={entry.keys} onChange={(keys) => onChange({ keys })} error={firstIssue(issues, "keys")}
        help="Words that make this entry fire, separated by commas. A key written as /pattern/ is a regular expression." />
      <Check label="Selective" checked={entry.selective} onChange={(selective) => onChange({ selective })}
        help="Also require the secondary keys, as chosen below." />
      {entry.selective && (
        <div className="field-grid">
          <Select label="Secondary keys must match" value={entry.secondaryLogic} options={LOGIC}
            onChange={(secondaryLogic) => onChange({ secondaryLogic })} />
          <KeysField label="Secondary keys" keys={entry.secondaryKeys} onChange={(secondaryKeys) => onChange({ secondaryKeys })}
            error={firstIssue(issues, "secondaryKeys")} help="Separated by commas." />
        </div>
      )}
      <Field label="Content" multiline rows={5} value={entry.content} onChange={(content) => onChange({ content })} max={20000}
        error={issues.content} help="What is added to the prompt when the entry fires."
        placeholder="The old castle on the hill has been empty for a hundred years; locals say its bell still rings at midnight." />
      <div className="lore-checks">
        <Check label="Constant" checked={entry.constant} onChange={(constant) => onChange({ constant })}
          help="Always inserted, whether a key matched or not." />
        <Check label="Keys are regular expressions" checked={entry.useRegex} onChange={(useRegex) => onChange({ useRegex })} />
      </div>
      <div className="field-grid">
        <Override label="Case sensitive" value={entry.caseSensitive} inherited={book.caseSensitive}
          onChange={(caseSensitive) => onChange({ caseSensitive })} />
        <Override label="Whole words only" value={entry.matchWholeWords} inherited={book.matchWholeWords}
          onChange={(matchWholeWords) => onChange({ matchWholeWords })} />
        <Select label="Position" value={entry.position} options={POSITIONS} onChange={(position) => onChange({ position })} />
      </div>
      <div className="field-grid">
        <NumberField label="Insertion order" value={entry.insertionOrder} min={-1000000} max={1000000}
          onChange={(insertionOrder) => onChange({ insertionOrder })} help="Lower comes first in the prompt." error={issues.insertionOrder} />
        <NumberField label="Priority" value={entry.priority} min={-1000000} max={1000000} onChange={(priority) => onChange({ priority })}
          help="When the budget is short, lower priorities are left out first." error={issues.priority} />
      </div>
    </div>
  );
}

/** The keys as typed: kept as text while editing so a trailing comma or space is not eaten. */
function KeysField({ label, keys, onChange, error, help }: {
  label: string; keys: string[]; onChange: (keys: string[]) => void; error: string | undefined; help: string;
}) {
  const [text, setText] = useState(() => joinKeys(keys));
  const [synced, setSynced] = useState(keys);
  // New keys from outside (a reload, a discard) replace what was typed; once per change of keys.
  if (synced !== keys && JSON.stringify(splitKeys(text)) !== JSON.stringify(keys)) {
    setSynced(keys);
    setText(joinKeys(keys));
  }
  return (
    <Field label={label} value={text} error={error} help={help} placeholder="castle, ruins, /bell ?tower/i"
      onChange={(next) => {
        setText(next);
        onChange(splitKeys(next));
      }} />
  );
}

function Select<T extends string>({ label, value, options, onChange }: {
  label: string; value: T; options: Record<T, string>; onChange: (value: T) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as T)}>
        {(Object.keys(options) as T[]).map((key) => (
          <option key={key} value={key}>
            {options[key]}
          </option>
        ))}
      </select>
    </div>
  );
}

/** On, off, or the book's setting (null). */
function Override({ label, value, inherited, onChange }: {
  label: string; value: boolean | null; inherited: boolean; onChange: (value: boolean | null) => void;
}) {
  const options = { inherit: `Book setting (${inherited ? "on" : "off"})`, on: "On", off: "Off" };
  const current = value === null ? "inherit" : value ? "on" : "off";
  return (
    <Select label={label} value={current} options={options}
      onChange={(next) => onChange(next === "inherit" ? null : next === "on")} />
  );
}

function firstIssue(issues: Record<string, string>, prefix: string): string | undefined {
  const key = Object.keys(issues).find((path) => path === prefix || path.startsWith(`${prefix}.`));
  return key === undefined ? undefined : issues[key];
}
