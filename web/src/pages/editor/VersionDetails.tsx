import type { ReactNode } from "react";
import { api } from "../../api.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Loading } from "../../components/Loading.js";
import { useAsync } from "../useAsync.js";

/** A read-only look at one saved version, to decide whether to restore it. */
export function VersionDetails({ agentId, version }: { agentId: string; version: number }) {
  const [state, reload] = useAsync(() => api.getAgentVersion(agentId, version), [agentId, version]);
  if (state.status === "loading") return <Loading label="Loading this version…" />;
  if (state.status === "error") return <ErrorMessage error={state.error} title="This version could not be loaded" onRetry={reload} />;
  const agent = state.value;
  const rows: [string, ReactNode][] = [
    ["Saved", new Date(agent.updatedAt).toLocaleString()],
    ["Name", agent.name],
    ["Tagline", agent.tagline],
    ["Description", agent.description],
    ["Personality", agent.personality],
    ["Scenario", agent.scenario],
    ["Traits", agent.traits.join(", ")],
    ["Interests", agent.interests.join(", ")],
    ["Tone", agent.tone],
    ["Instructions", agent.instructions],
    ["Said before each reply", agent.postHistoryInstructions],
    ["Greetings", agent.greetings.join("\n\n")],
    ["Example dialogues", `${agent.exampleDialogues.length}`],
    ["Topics to avoid", agent.avoidTopics.join(", ")],
    ["Model", agent.model.model ?? "Instance default"],
    ["Temperature", String(agent.model.temperature)],
  ];
  return (
    <dl className="definition">
      {rows.map(([label, value]) => (
        <div key={label} className="definition-row">
          <dt>{label}</dt>
          <dd className="preview-text">{value === "" ? <span className="muted">(empty)</span> : value}</dd>
        </div>
      ))}
    </dl>
  );
}
