import type { LorebookContent } from "../../../../src/contracts/index.js";
import { NumberField } from "./NumberField.js";

interface BookSettingsProps {
  book: LorebookContent;
  onChange: (change: Partial<Omit<LorebookContent, "entries">>) => void;
}

/** How the whole book is scanned; entries can override case and whole-word matching. */
export function BookSettings({ book, onChange }: BookSettingsProps) {
  return (
    <fieldset className="group">
      <legend>Book settings</legend>
      <div className="field-grid">
        <NumberField label="Scan depth" value={book.scanDepth} min={1} max={1000} onChange={(scanDepth) => onChange({ scanDepth })}
          help="How many recent messages are searched for keys (1: only the latest)." />
        <NumberField label="Token budget" value={book.tokenBudget} min={16} max={32768} onChange={(tokenBudget) => onChange({ tokenBudget })}
          help="The most tokens inserted entries may take; lower priorities are left out first." />
      </div>
      <div className="lore-checks">
        <Check label="Recursive scanning" checked={book.recursiveScanning} onChange={(recursiveScanning) => onChange({ recursiveScanning })}
          help="Text of triggered entries is searched too, so one entry can trigger another." />
        <Check label="Case sensitive" checked={book.caseSensitive} onChange={(caseSensitive) => onChange({ caseSensitive })}
          help="“Dragon” does not match “dragon”." />
        <Check label="Whole words only" checked={book.matchWholeWords} onChange={(matchWholeWords) => onChange({ matchWholeWords })}
          help="“cat” does not match “category”." />
      </div>
    </fieldset>
  );
}

interface CheckProps {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  help?: string;
}

export function Check({ label, checked, onChange, help }: CheckProps) {
  return (
    <label className="lore-check">
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <span>
        <span className="lore-check__label">{label}</span>
        {help && <span className="lore-check__help">{help}</span>}
      </span>
    </label>
  );
}
