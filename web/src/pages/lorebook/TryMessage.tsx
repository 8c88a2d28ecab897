import { useState, type FormEvent } from "react";
import type { LorebookTestResult, TriggeredEntry } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { Button } from "../../components/Button.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Field } from "../../components/Field.js";

/** "Try a message": which entries a message would trigger in the saved lorebook, and why; no model involved. */
export function TryMessage({ agentId, dirty }: { agentId: string; dirty: boolean }) {
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<LorebookTestResult | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (message.trim() === "") return;
    setBusy(true);
    setError(null);
    try {
      setResult(await api.testLorebook(agentId, { messages: [message] }));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const kept = result?.entries.filter((entry) => !entry.leftOut) ?? [];
  const leftOut = result?.entries.filter((entry) => entry.leftOut) ?? [];
  return (
    <section className="card section" aria-labelledby="lore-try-title">
      <h2 id="lore-try-title">Try a message</h2>
      <p className="muted">
        Write what someone might say and see which entries would be added to the prompt.
        {dirty && " This uses the saved lorebook: save first to try your changes."}
      </p>
      <form className="lore-try" onSubmit={(event) => void submit(event)} noValidate aria-label="Try a message">
        <Field label="Message" multiline rows={2} value={message} onChange={setMessage} max={32000}
          placeholder="Have you ever been to the old castle?" />
        <Button type="submit" variant="primary" busy={busy} disabled={message.trim() === ""}>
          Try it
        </Button>
      </form>
      {error !== null && <ErrorMessage error={error} title="The test failed" />}
      <p role="status" className="lore-try__summary">
        {result && summarise(result, kept.length, leftOut.length)}
      </p>
      {result && result.warnings.length > 0 && (
        <div className="alert alert-warning">
          <p>
            <strong>Check these keys.</strong>
          </p>
          <ul>
            {result.warnings.map((warning) => (
              <li key={warning}>{warning}</li>
            ))}
          </ul>
        </div>
      )}
      <FiredEntries title="Added to the prompt" label="Entries that fire" entries={kept} />
      <FiredEntries title="Left out: over the token budget" label="Entries left out for the budget" entries={leftOut} className="lore-fired--out" />
    </section>
  );
}

function summarise(result: LorebookTestResult, kept: number, leftOut: number): string {
  if (result.entries.length === 0) return "No entry fires for this message.";
  const fire = `${kept} ${kept === 1 ? "entry fires" : "entries fire"}, using ${result.tokens} of ${result.budget} tokens`;
  return leftOut > 0 ? `${fire}; ${leftOut} left out for the budget.` : `${fire}.`;
}

function reasonText(reason: string): string {
  // The server words it: "key \"castle\"", or "key \"castle\" + \"night\"" for a selective entry.
  return reason === "constant" ? "always on" : `matched ${reason}`;
}

const tokens = (count: number) => `${count} ${count === 1 ? "token" : "tokens"}`;

/** One list of triggered entries with why each fired and what it costs; nothing when empty. */
function FiredEntries({ title, label, entries, className = "" }: { title: string; label: string; entries: readonly TriggeredEntry[]; className?: string }) {
  if (entries.length === 0) return null;
  return (
    <>
      <h3>{title}</h3>
      <ul className={`lore-fired ${className}`.trim()} aria-label={label}>
        {entries.map((entry) => (
          <li key={entry.entryId}>
            <strong>{entry.name || entry.entryId}</strong>
            <span className="muted"> · {reasonText(entry.reason)} · {tokens(entry.tokens)}</span>
          </li>
        ))}
      </ul>
    </>
  );
}
