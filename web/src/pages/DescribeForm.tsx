import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { AGENT_TEMPLATES, TemplateId, type AgentDraft } from "../../../src/contracts/index.js";
import { api } from "../api.js";
import { Button } from "../components/Button.js";
import { ErrorMessage } from "../components/ErrorMessage.js";
import { fieldIssues, isAborted } from "../components/errors.js";
import { Field } from "../components/Field.js";
import { Spinner } from "../components/Loading.js";

/** Describe-to-create: one sentence in, a full draft out. Drafting can take a minute on a real model. */
export function DescribeForm({ onDraft }: { onDraft: (draft: AgentDraft) => void }) {
  const [description, setDescription] = useState("");
  const [template, setTemplate] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState("");
  const [started, setStarted] = useState<number | null>(null);
  const controller = useRef<AbortController | null>(null);
  const templateId = useId();
  const example = AGENT_TEMPLATES.find((candidate) => candidate.id === template)?.example ?? AGENT_TEMPLATES[1]?.example;

  useEffect(() => () => controller.current?.abort(), []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const abort = new AbortController();
    controller.current = abort;
    setError(null);
    setStatus("Writing a draft of your agent… This can take up to a minute.");
    setStarted(Date.now());
    try {
      const parsed = TemplateId.safeParse(template);
      const result = await api.draftAgent({ description, ...(parsed.success ? { template: parsed.data } : {}) }, { signal: abort.signal });
      setStatus("Draft ready.");
      onDraft(result.draft);
    } catch (caught) {
      if (isAborted(caught)) setStatus("Cancelled. Your description is still here.");
      else {
        setStatus("");
        setError(caught);
      }
    } finally {
      setStarted(null);
      controller.current = null;
    }
  }

  const drafting = started !== null;
  return (
    <section className="card" aria-labelledby="describe-title">
      <h2 id="describe-title">Describe your agent</h2>
      <p className="muted">Write one sentence about who it is and what it does; we draft the rest for you to review.</p>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Field label="Your agent in one sentence" multiline rows={2} max={1000} value={description} onChange={setDescription}
          placeholder={example} error={fieldIssues(error).description} />
        <div className="field">
          <label htmlFor={templateId}>Kind of agent (optional)</label>
          <select id={templateId} value={template} onChange={(event) => setTemplate(event.target.value)}>
            <option value="">Let the AI decide</option>
            {AGENT_TEMPLATES.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.title}
              </option>
            ))}
          </select>
        </div>
        {error !== null && !fieldIssues(error).description && <ErrorMessage error={error} title="The draft could not be written" />}
        <div className="button-row">
          <Button type="submit" variant="primary" busy={drafting}>
            {drafting ? "Drafting…" : "Draft my agent"}
          </Button>
          {drafting && <Button onClick={() => controller.current?.abort()}>Cancel</Button>}
          <span className="status-line" role="status">
            {drafting && <Spinner />} {status}
          </span>
          {drafting && <Elapsed since={started} />}
        </div>
      </form>
    </section>
  );
}

/** Seconds since the draft started: reassures that work is happening (not announced every second). */
function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  return (
    <span className="muted" aria-hidden="true">
      {Math.round((now - since) / 1000)} s
    </span>
  );
}
