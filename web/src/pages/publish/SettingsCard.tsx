import { useState, type FormEvent } from "react";
import type { Publication, PublishSettings, VisitorLimits } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { Button } from "../../components/Button.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Field } from "../../components/Field.js";
import { TagInput } from "../../components/TagInput.js";

const LIMITS: { key: keyof VisitorLimits; label: string }[] = [
  { key: "visitorPerMinute", label: "Messages per visitor per minute" },
  { key: "visitorPerDay", label: "Messages per visitor per day" },
  { key: "agentPerMinute", label: "Messages from all visitors per minute" },
  { key: "agentPerDay", label: "Messages from all visitors per day" },
];

type LimitDraft = Record<keyof VisitorLimits, string>;

function draftOf(settings: PublishSettings): LimitDraft {
  const limits = settings.limits;
  return { visitorPerMinute: String(limits.visitorPerMinute), visitorPerDay: String(limits.visitorPerDay), agentPerMinute: String(limits.agentPerMinute), agentPerDay: String(limits.agentPerDay) };
}

/** Allowed websites, reply review and visitor limits: they apply at once and make no new version. */
export function SettingsCard({ publication, onSaved }: { publication: Publication; onSaved: (publication: Publication) => void }) {
  const { settings } = publication;
  const [origins, setOrigins] = useState(settings.allowedOrigins);
  const [review, setReview] = useState(settings.reviewReplies);
  const [limits, setLimits] = useState<LimitDraft>(() => draftOf(settings));
  const [message, setMessage] = useState(settings.limitMessage);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState("");

  const numbers = Object.fromEntries(LIMITS.map(({ key }) => [key, Number(limits[key])])) as VisitorLimits;
  const badLimit = (key: keyof VisitorLimits) =>
    limits[key].trim() === "" || !Number.isInteger(numbers[key]) || numbers[key] < 0 ? "Use a whole number; 0 turns this limit off." : undefined;

  async function save(event: FormEvent) {
    event.preventDefault();
    if (LIMITS.some(({ key }) => badLimit(key))) return;
    setSaving(true);
    setError(null);
    try {
      const saved = await api.updatePublishSettings(publication.agentId, { allowedOrigins: origins, reviewReplies: review, limits: numbers, limitMessage: message });
      onSaved(saved);
      setOrigins(saved.settings.allowedOrigins);
      setLimits(draftOf(saved.settings));
      setMessage(saved.settings.limitMessage);
      setStatus("Saved. The settings apply at once.");
    } catch (caught) {
      setError(caught);
      setStatus("");
    } finally {
      setSaving(false);
    }
  }

  return (
    <form className="card section" aria-labelledby="publish-settings-title" onSubmit={(event) => void save(event)} noValidate>
      <h2 id="publish-settings-title">Settings</h2>
      <TagInput
        label="Allowed websites"
        itemName="website"
        values={origins}
        onChange={setOrigins}
        maxItems={50}
        maxLength={300}
        placeholder="https://shop.example"
        help="Sites whose pages may show the chat widget: scheme and host only, like https://shop.example."
      />
      <label className="publish-check">
        <input type="checkbox" checked={review} onChange={(event) => setReview(event.target.checked)} />
        <span>
          Review replies before visitors see them
          <br />
          <small className="muted">Replies wait in your inbox until you approve or edit them.</small>
        </span>
      </label>
      <fieldset className="group">
        <legend>Visitor limits</legend>
        <p className="group-intro">Counted per visitor and for all visitors together. 0 turns a limit off. You are never limited.</p>
        <div className="field-grid">
          {LIMITS.map(({ key, label }) => (
            <Field key={key} label={label} value={limits[key]} onChange={(value) => setLimits({ ...limits, [key]: value })}
              type="number" inputMode="numeric" numeric={{ min: 0, step: 1 }} error={badLimit(key)} />
          ))}
        </div>
        <Field label="Message when a limit is reached" value={message} onChange={setMessage} max={300} multiline rows={2} />
      </fieldset>
      {error !== null && <ErrorMessage error={error} title="Not saved" />}
      <div className="button-row">
        <Button type="submit" variant="primary" busy={saving}>
          Save settings
        </Button>
      </div>
      <p className="status-line" role="status">
        {status}
      </p>
    </form>
  );
}
