import { useLocation, useParams } from "react-router";
import { AtelierError } from "../../../src/contracts/index.js";
import { api } from "../api.js";
import { ErrorMessage } from "../components/ErrorMessage.js";
import { Loading } from "../components/Loading.js";
import { AgentEditor } from "./editor/AgentEditor.js";
import { importReportFrom } from "./home/import-state.js";
import { NotFoundPage } from "./NotFoundPage.js";
import { useAsync } from "./useAsync.js";

export function EditorPage() {
  const { agentId = "" } = useParams();
  const location = useLocation();
  const [agent, reload] = useAsync(() => api.getAgent(agentId), [agentId]);
  if (agent.status === "loading") return <Loading label="Loading the agent…" />;
  if (agent.status === "error") {
    if (AtelierError.is(agent.error, "not_found")) return <NotFoundPage />;
    return <ErrorMessage error={agent.error} title="The agent could not be loaded" onRetry={reload} />;
  }
  // Keyed so switching agents starts a fresh form instead of mixing two agents' edits.
  const created = (location.state as { created?: unknown } | null)?.created === true;
  const imported = importReportFrom(location.state);
  return (
    <AgentEditor key={agent.value.id} agent={agent.value} notice={created ? "Created! Try it in the preview." : undefined}
      imported={imported} />
  );
}
