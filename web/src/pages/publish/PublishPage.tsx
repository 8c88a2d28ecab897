import { useParams } from "react-router";
import { AtelierError, type Agent, type Publication } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { ButtonLink } from "../../components/Button.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Loading } from "../../components/Loading.js";
import { NotFoundPage } from "../NotFoundPage.js";
import { useAsync } from "../useAsync.js";
import { IdentityCard } from "./IdentityCard.js";
import { SettingsCard } from "./SettingsCard.js";
import { ShareCard } from "./ShareCard.js";
import { VisibilityCard } from "./VisibilityCard.js";
import "./publish.css";

interface Loaded {
  agent: Agent;
  publication: Publication;
}

/** /agents/:agentId/publish: who can reach an agent, where, how much, and as whom. */
export function PublishPage() {
  const { agentId = "" } = useParams();
  const [state, reload, set] = useAsync<Loaded>(async () => {
    const [agent, publication] = await Promise.all([api.getAgent(agentId), api.getPublication(agentId)]);
    return { agent, publication };
  }, [agentId]);
  if (state.status === "loading") return <Loading label="Loading the publish settings…" />;
  if (state.status === "error") {
    if (AtelierError.is(state.error, "not_found")) return <NotFoundPage />;
    return <ErrorMessage error={state.error} title="The publish settings could not be loaded" onRetry={reload} />;
  }
  const { agent, publication } = state.value;
  const id = encodeURIComponent(agent.id);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Publish {agent.name}</h1>
          <p>Share it by link, put it on your website, and decide how much visitors may use it.</p>
        </div>
        <div className="button-row">
          <ButtonLink to={`/agents/${id}/edit`} variant="secondary">
            Back to the editor
          </ButtonLink>
        </div>
      </div>
      <VisibilityCard
        agent={agent}
        onChange={(changed) => set({ agent: changed, publication: { ...publication, visibility: changed.visibility, publishedVersion: changed.publishedVersion, publishedAt: changed.publishedAt } })}
      />
      <ShareCard agent={agent} sharePath={publication.sharePath} />
      <SettingsCard publication={publication} onSaved={(saved) => set({ agent, publication: saved })} />
      <IdentityCard agent={agent} publication={publication} onRotated={(rotated) => set({ agent, publication: rotated })} />
    </>
  );
}
