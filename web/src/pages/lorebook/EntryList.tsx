import type { LorebookContent, LorebookEntry } from "../../../../src/contracts/index.js";
import { Button } from "../../components/Button.js";
import { EntryEditor } from "./EntryEditor.js";

interface EntryListProps {
  book: LorebookContent;
  /** The entry open for editing. */
  openId: string | null;
  /** Server notes by entry index, each keyed by field path inside the entry. */
  issues: Map<number, Record<string, string>>;
  onOpen: (id: string | null) => void;
  onChange: (id: string, change: Partial<LorebookEntry>) => void;
  onRemove: (entry: LorebookEntry) => void;
}

export const entryTitle = (entry: LorebookEntry, index: number) => entry.name.trim() || `Entry ${index + 1}`;

/** One row per entry: what triggers it, a switch to turn it off, and its settings on demand. */
export function EntryList({ book, openId, issues, onOpen, onChange, onRemove }: EntryListProps) {
  return (
    <ul className="lore-entries" aria-label="Entries">
      {book.entries.map((entry, index) => {
        const title = entryTitle(entry, index);
        const open = openId === entry.id;
        const entryIssues = issues.get(index) ?? {};
        const formId = `lore-entry-${entry.id}`;
        return (
          <li key={entry.id} className={`lore-entry${entry.enabled ? "" : " lore-entry--off"}`}>
            <div className="lore-entry__head">
              <div className="lore-entry__summary">
                <h3 className="lore-entry__title">{title}</h3>
                <p className="lore-entry__keys">
                  {entry.constant ? <span className="badge">Always on</span> : null}{" "}
                  {entry.keys.length > 0 ? entry.keys.join(", ") : entry.constant ? "" : <span className="muted">No keys yet</span>}
                </p>
                {Object.keys(entryIssues).length > 0 && <p className="field-error">This entry needs attention.</p>}
              </div>
              <div className="button-row lore-entry__actions">
                <label className="lore-switch">
                  <input type="checkbox" checked={entry.enabled} onChange={(event) => onChange(entry.id, { enabled: event.target.checked })}
                    aria-label={`Enabled: ${title}`} />
                  <span aria-hidden="true">Enabled</span>
                </label>
                <Button small onClick={() => onOpen(open ? null : entry.id)} aria-expanded={open} aria-controls={open ? formId : undefined}
                  aria-label={`${open ? "Close" : "Edit"} ${title}`}>
                  {open ? "Close" : "Edit"}
                </Button>
                <Button small variant="danger" onClick={() => onRemove(entry)} aria-label={`Delete ${title}`}>
                  Delete
                </Button>
              </div>
            </div>
            {open && (
              <div id={formId} role="group" aria-label={`Settings of ${title}`}>
                <EntryEditor entry={entry} book={book} issues={entryIssues} onChange={(change) => onChange(entry.id, change)} />
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}
