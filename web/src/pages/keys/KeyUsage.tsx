import type { Agent } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Loading } from "../../components/Loading.js";
import { useAsync } from "../useAsync.js";

/** Requests and tokens per day and agent over the last 30 days, newest first. */
export function KeyUsage({ keyId, keyName, agents }: { keyId: string; keyName: string; agents: readonly Agent[] }) {
  const [usage, reload] = useAsync(() => api.apiKeyUsage(keyId), [keyId]);
  if (usage.status === "loading") return <Loading label="Loading usage…" />;
  if (usage.status === "error") return <ErrorMessage error={usage.error} title="Usage could not be loaded" onRetry={reload} />;
  const rows = usage.value.usage;
  if (rows.length === 0) return <p className="muted">“{keyName}” has not been used with the OpenAI-compatible API in the last 30 days.</p>;
  const nameOf = (agentId: string) => agents.find((agent) => agent.id === agentId)?.name ?? "A deleted agent";
  const number = (value: number) => value.toLocaleString();
  return (
    <table className="table keys-usage" aria-label={`Usage of ${keyName}`}>
      <thead>
        <tr>
          <th scope="col">Day (UTC)</th>
          <th scope="col">Agent</th>
          <th scope="col" className="keys-number">Requests</th>
          <th scope="col" className="keys-number">Prompt tokens</th>
          <th scope="col" className="keys-number">Reply tokens</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={`${row.day}-${row.agentId}`}>
            <td>{row.day}</td>
            <td>{nameOf(row.agentId)}</td>
            <td className="keys-number">{number(row.requests)}</td>
            <td className="keys-number">{number(row.promptTokens)}</td>
            <td className="keys-number">{number(row.completionTokens)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
