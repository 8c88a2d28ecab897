import { AtelierError, type LorebookEntry } from "../../../../src/contracts/index.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { entryTitle } from "./EntryList.js";

/** The server's notes per entry index, by path inside the entry ("lorebook.entries.2.keys.0" -> 2: { "keys.0": … }). */
export function entryIssues(error: unknown): Map<number, Record<string, string>> {
  const byEntry = new Map<number, Record<string, string>>();
  if (!(error instanceof AtelierError)) return byEntry;
  for (const issue of error.issues ?? []) {
    const match = /^(?:lorebook\.)?entries\.(\d+)\.(.+)$/.exec(issue.path);
    if (!match) continue;
    const notes = byEntry.get(Number(match[1])) ?? {};
    notes[match[2]!] ??= issue.message;
    byEntry.set(Number(match[1]), notes);
  }
  return byEntry;
}

/** Why the save failed, naming the entries that need attention. */
export function SaveError({ error, entries }: { error: unknown; entries: readonly LorebookEntry[] }) {
  const issues = error instanceof AtelierError ? (error.issues ?? []) : [];
  if (issues.length === 0) return <ErrorMessage error={error} title="Not saved" />;
  return (
    <div className="alert" role="alert">
      <p>
        <strong>Not saved.</strong> Fix these, then save again:
      </p>
      <ul>
        {issues.map((issue) => (
          <li key={`${issue.path}:${issue.message}`}>
            {where(issue.path, entries)}: {issue.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function where(path: string, entries: readonly LorebookEntry[]): string {
  const match = /^(?:lorebook\.)?entries\.(\d+)\.(.+)$/.exec(path);
  if (!match) return path.replace(/^lorebook\./, "");
  const index = Number(match[1]);
  const entry = entries[index];
  return `${entry ? entryTitle(entry, index) : `Entry ${index + 1}`} (${match[2]})`;
}
