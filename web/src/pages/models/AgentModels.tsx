import { useId, useState } from "react";
import type { Agent, ModelsOverview } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { errorText } from "../../components/errors.js";
import { Loading } from "../../components/Loading.js";
import { useAsync } from "../useAsync.js";

/** Switch the model of each agent in one place. */
export function AgentModels({ overview }: { overview: ModelsOverview }) {
  const [agents, reload, setAgents] = useAsync(() => api.listAgents().then((list) => list.agents), []);
  const [status, setStatus] = useState("");

  async function change(agent: Agent, model: string) {
    setStatus(`Saving ${agent.name}…`);
    try {
      // An empty choice is "instance default": null unsets the agent's own model.
      const updated = await api.updateAgent(agent.id, { model: { model: model || null } }, { expectedVersion: agent.version });
      if (agents.status === "done") setAgents(agents.value.map((candidate) => (candidate.id === agent.id ? updated : candidate)));
      setStatus(`${agent.name} now uses ${model || `the instance default (${overview.model})`}.`);
    } catch (error) {
      setStatus(`Could not change the model of ${agent.name}: ${errorText(error)}`);
    }
  }

  return (
    <section className="card section" aria-labelledby="agent-models-title">
      <h2 id="agent-models-title">Model per agent</h2>
      <p className="status-line" role="status">
        {status}
      </p>
      {agents.status === "loading" && <Loading label="Loading your agents…" />}
      {agents.status === "error" && <ErrorMessage error={agents.error} title="Your agents could not be loaded" onRetry={reload} />}
      {agents.status === "done" && agents.value.length === 0 && <p className="muted">You have no agents yet.</p>}
      {agents.status === "done" && agents.value.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Model</th>
            </tr>
          </thead>
          <tbody>
            {agents.value.map((agent) => (
              <AgentRow key={agent.id} agent={agent} overview={overview} onChange={(model) => void change(agent, model)} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AgentRow({ agent, overview, onChange }: { agent: Agent; overview: ModelsOverview; onChange: (model: string) => void }) {
  const id = useId();
  const current = agent.model.model ?? "";
  const names = overview.local.map((model) => model.name);
  const options = current && !names.includes(current) ? [current, ...names] : names;
  return (
    <tr>
      <td>
        <label htmlFor={id}>{agent.name}</label>
      </td>
      <td>
        <select id={id} className="input" value={current} onChange={(event) => onChange(event.target.value)}>
          <option value="">
            Instance default ({overview.model})
          </option>
          {options.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </td>
    </tr>
  );
}
