import { useState } from "react";
import type { Agent, Visibility } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { Button } from "../../components/Button.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";

const CHOICES: { value: Visibility; label: string; help: string }[] = [
  { value: "private", label: "Private", help: "Only you can talk to it, here in the studio." },
  { value: "unlisted", label: "Unlisted", help: "Anyone with the link (or your website's widget) can talk to it. Not listed anywhere." },
  { value: "public", label: "Public", help: "Like unlisted, and also listed in this server's directory of agents." },
];

/** Who can reach the agent, and which version they get. */
export function VisibilityCard({ agent, onChange }: { agent: Agent; onChange: (agent: Agent) => void }) {
  const [chosen, setChosen] = useState<Visibility>(agent.visibility);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState("");
  const published = agent.visibility !== "private";
  const behind = published && agent.publishedVersion !== agent.version;

  async function run(action: () => Promise<Agent>, done: (agent: Agent) => string) {
    setBusy(true);
    setError(null);
    try {
      const changed = await action();
      onChange(changed);
      setChosen(changed.visibility);
      setStatus(done(changed));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const publish = () => {
    if (chosen === "private") return;
    void run(() => api.publishAgent(agent.id, chosen), (changed) => `Published as ${changed.visibility}: visitors now get version ${changed.publishedVersion}.`);
  };
  const unpublish = () => void run(() => api.unpublishAgent(agent.id), () => "Unpublished: only you can reach it now.");

  let action: { label: string; onClick: () => void } | null = null;
  if (chosen === "private") {
    if (published) action = { label: "Unpublish", onClick: unpublish };
  } else if (!published) {
    action = { label: "Publish", onClick: publish };
  } else if (behind) {
    action = { label: `Update to version ${agent.version}`, onClick: publish };
  } else if (chosen !== agent.visibility) {
    action = { label: `Make it ${chosen}`, onClick: publish };
  }

  return (
    <section className="card section" aria-labelledby="publish-visibility-title">
      <h2 id="publish-visibility-title">Who can talk to {agent.name}</h2>
      <fieldset className="publish-choices">
        <legend className="visually-hidden">Visibility</legend>
        {CHOICES.map((choice) => (
          <label className="publish-choice" key={choice.value}>
            <input type="radio" name="visibility" value={choice.value} checked={chosen === choice.value} onChange={() => setChosen(choice.value)} />
            <span>{choice.label}{choice.value === agent.visibility ? " (now)" : ""}</span>
            <small>{choice.help}</small>
          </label>
        ))}
      </fieldset>
      <p>
        {published
          ? behind
            ? `Visitors see version ${agent.publishedVersion}; your latest is ${agent.version}. Your edits reach them when you publish again.`
            : `Visitors see version ${agent.publishedVersion}, your latest.`
          : "Not published: visitors cannot reach it."}
      </p>
      {error !== null && <ErrorMessage error={error} title="That did not work" />}
      <div className="button-row">
        {action && (
          <Button variant="primary" busy={busy} onClick={action.onClick}>
            {action.label}
          </Button>
        )}
        {published && chosen !== "private" && (
          <Button variant="ghost" disabled={busy} onClick={unpublish}>
            Unpublish
          </Button>
        )}
      </div>
      <p className="status-line" role="status">
        {status}
      </p>
    </section>
  );
}
