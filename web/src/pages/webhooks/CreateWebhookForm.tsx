import { useState, type FormEvent } from "react";
import type { CreatedWebhook, WebhookEventType } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { Button } from "../../components/Button.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { fieldIssues } from "../../components/errors.js";
import { Field } from "../../components/Field.js";
import { EVENTS } from "./events.js";

/** URL, events and a note of a new webhook; every event starts ticked. */
export function CreateWebhookForm({ onCreated }: { onCreated: (created: CreatedWebhook) => void }) {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<ReadonlySet<WebhookEventType>>(new Set(EVENTS.map((event) => event.type)));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  function toggle(type: WebhookEventType, on: boolean) {
    const next = new Set(events);
    if (on) next.add(type);
    else next.delete(type);
    setEvents(next);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const created = await api.createWebhook({ url: url.trim(), description, events: EVENTS.map((entry) => entry.type).filter((type) => events.has(type)) });
      setUrl("");
      setDescription("");
      onCreated(created);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const issues = fieldIssues(error);
  return (
    <form onSubmit={(event) => void submit(event)} noValidate aria-label="Add a webhook">
      <Field label="Endpoint URL" type="url" inputMode="url" value={url} onChange={setUrl} max={2000} required error={issues.url}
        placeholder="https://example.com/hooks/atelier" help="Atelier POSTs signed JSON here when the events you choose happen." />
      <fieldset className="group">
        <legend>Events</legend>
        <ul className="webhooks-events">
          {EVENTS.map((entry) => (
            <li key={entry.type}>
              <label className="webhooks-check">
                <input type="checkbox" checked={events.has(entry.type)} onChange={(change) => toggle(entry.type, change.target.checked)} />
                <span>
                  {entry.label} <span className="mono muted">{entry.type}</span>
                </span>
                <small>{entry.help}</small>
              </label>
            </li>
          ))}
        </ul>
        {issues.events && <p className="field-error">{issues.events}</p>}
      </fieldset>
      <Field label="Description" value={description} onChange={setDescription} max={200} error={issues.description}
        placeholder="CRM sync" help="Optional: what receives these events, so you know which webhook is which." />
      {error !== null && !issues.url && !issues.events && !issues.description && <ErrorMessage error={error} title="The webhook was not added" />}
      <Button type="submit" variant="primary" busy={busy} disabled={url.trim() === "" || events.size === 0}>
        Add webhook
      </Button>
    </form>
  );
}
