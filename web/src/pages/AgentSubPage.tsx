import type { ReactNode } from "react";
import { useParams } from "react-router";
import { AtelierError, type Agent } from "../../../src/contracts/index.js";
import { api } from "../api.js";
import { ButtonLink } from "../components/Button.js";
import { ErrorMessage } from "../components/ErrorMessage.js";
import { Loading } from "../components/Loading.js";
import { NotFoundPage } from "./NotFoundPage.js";
import { useAsync } from "./useAsync.js";

/**
 * An agent's own page (/agents/:agentId/knowledge, …/lorebook, …/memory): loads the agent from the
 * URL, says so while loading, shows "not found" or the error, then renders the page for that agent.
 */
export function AgentSubPage({ children }: { children: (agent: Agent) => ReactNode }) {
  const { agentId = "" } = useParams();
  const [agent, reload] = useAsync(() => api.getAgent(agentId), [agentId]);
  if (agent.status === "loading") return <Loading label="Loading the agent…" />;
  if (agent.status === "error") {
    if (AtelierError.is(agent.error, "not_found")) return <NotFoundPage />;
    return <ErrorMessage error={agent.error} title="The agent could not be loaded" onRetry={reload} />;
  }
  return children(agent.value);
}

/** The header every agent sub-page starts with: its title, what it is for, and the way back. */
export function AgentSubPageHeader({ agent, title, description }: { agent: Agent; title: string; description: string }) {
  const id = encodeURIComponent(agent.id);
  return (
    <div className="page-header">
      <div>
        <h1>{title}</h1>
        <p>{description}</p>
      </div>
      <div className="button-row">
        <ButtonLink to={`/agents/${id}/edit`} variant="secondary">
          Back to the editor
        </ButtonLink>
        <ButtonLink to={`/agents/${id}/chat`} variant="secondary">
          Open full chat
        </ButtonLink>
      </div>
    </div>
  );
}
