import { useId, useState, type FormEvent } from "react";
import type { Agent, ApiKeyScope, CreatedApiKey } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { Button } from "../../components/Button.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { fieldIssues } from "../../components/errors.js";
import { Field } from "../../components/Field.js";
import { SCOPES } from "./scopes.js";

const EXPIRY_CHOICES: readonly { days: number | null; label: string }[] = [
  { days: 30, label: "In 30 days" },
  { days: 90, label: "In 90 days" },
  { days: 365, label: "In a year" },
  { days: null, label: "Never" },
];

interface CreateKeyFormProps {
  agents: readonly Agent[];
  onCreated: (created: CreatedApiKey) => void;
}

/** Name, scopes, agents and expiry of a new key; most keys are for the OpenAI-compatible API, so "chat" starts ticked. */
export function CreateKeyForm({ agents, onCreated }: CreateKeyFormProps) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<ReadonlySet<ApiKeyScope>>(new Set(["chat"]));
  const [allAgents, setAllAgents] = useState(true);
  const [agentIds, setAgentIds] = useState<ReadonlySet<string>>(new Set());
  const [expiresInDays, setExpiresInDays] = useState<number | null>(90);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const expiryId = useId();
  const formId = useId();

  const toggle = <T,>(set: ReadonlySet<T>, value: T, on: boolean): ReadonlySet<T> => {
    const next = new Set(set);
    if (on) next.add(value);
    else next.delete(value);
    return next;
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const created = await api.createApiKey({
        name,
        scopes: SCOPES.map((entry) => entry.scope).filter((scope) => scopes.has(scope)),
        ...(allAgents ? {} : { agentIds: agents.filter((agent) => agentIds.has(agent.id)).map((agent) => agent.id) }),
        ...(expiresInDays === null ? {} : { expiresInDays }),
      });
      setName("");
      onCreated(created);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const issues = fieldIssues(error);
  const limitedToNone = !allAgents && agentIds.size === 0;
  return (
    <form onSubmit={(event) => void submit(event)} noValidate aria-label="Create an API key">
      <Field label="Name" value={name} onChange={setName} max={100} required error={issues.name}
        placeholder="Support widget on example.com" help="Name it after what will use it, so you know which key to revoke." />

      <fieldset className="group">
        <legend>What it may do</legend>
        <ul className="keys-scopes">
          {SCOPES.map((entry) => (
            <li key={entry.scope} className="keys-check">
              <input type="checkbox" id={`${formId}-${entry.scope}`} aria-describedby={`${formId}-${entry.scope}-help`}
                checked={scopes.has(entry.scope)} onChange={(event) => setScopes(toggle(scopes, entry.scope, event.target.checked))} />
              <label htmlFor={`${formId}-${entry.scope}`}>{entry.label}</label>
              <small id={`${formId}-${entry.scope}-help`}>{entry.help}</small>
            </li>
          ))}
        </ul>
        {issues.scopes && <p className="field-error">{issues.scopes}</p>}
      </fieldset>

      <fieldset className="group">
        <legend>Which agents</legend>
        <p className="group-intro">The agents this key can talk to through the OpenAI-compatible API.</p>
        <label className="keys-check">
          <input type="checkbox" checked={allAgents} onChange={(event) => setAllAgents(event.target.checked)} />
          <span>All my agents, including ones I create later</span>
        </label>
        {!allAgents && (agents.length === 0 ? (
          <p className="muted">You have no agents yet.</p>
        ) : (
          <ul className="keys-agents" aria-label="Agents this key may use">
            {agents.map((agent) => (
              <li key={agent.id}>
                <label>
                  <input type="checkbox" checked={agentIds.has(agent.id)} onChange={(event) => setAgentIds(toggle(agentIds, agent.id, event.target.checked))} />
                  {agent.name} <span className="mono muted">{agent.handle}</span>
                </label>
              </li>
            ))}
          </ul>
        ))}
        {limitedToNone && <p className="field-help">Choose at least one agent, or allow all of them.</p>}
      </fieldset>

      <div className="field">
        <label htmlFor={expiryId}>Expires</label>
        <select id={expiryId} className="input" value={expiresInDays ?? "never"}
          onChange={(event) => setExpiresInDays(event.target.value === "never" ? null : Number(event.target.value))}>
          {EXPIRY_CHOICES.map((choice) => (
            <option key={choice.label} value={choice.days ?? "never"}>{choice.label}</option>
          ))}
        </select>
      </div>

      {error !== null && !issues.name && !issues.scopes && <ErrorMessage error={error} title="The key was not created" />}
      <Button type="submit" variant="primary" busy={busy} disabled={limitedToNone || scopes.size === 0}>
        Create key
      </Button>
    </form>
  );
}
