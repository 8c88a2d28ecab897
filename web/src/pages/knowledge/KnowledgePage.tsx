import { type Agent } from "../../../../src/contracts/index.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Loading } from "../../components/Loading.js";
import { AgentSubPage, AgentSubPageHeader } from "../AgentSubPage.js";
import { SearchPanel } from "./SearchPanel.js";
import { SourceTable } from "./SourceTable.js";
import { UploadArea } from "./UploadArea.js";
import { UrlForm } from "./UrlForm.js";
import { useKnowledge } from "./useKnowledge.js";
import "./knowledge.css";

/** /agents/:agentId/knowledge: the documents an agent answers from. */
export function KnowledgePage() {
  return <AgentSubPage>{(agent) => <KnowledgeManager key={agent.id} agent={agent} />}</AgentSubPage>;
}

function KnowledgeManager({ agent }: { agent: Agent }) {
  const knowledge = useKnowledge(agent.id);
  const { state, sources } = knowledge;
  return (
    <>
      <AgentSubPageHeader agent={agent} title={`Knowledge of ${agent.name}`} description={`Documents ${agent.name} answers from, citing the passages it used.`} />

      <section className="card" aria-labelledby="knowledge-add-title">
        <h2 id="knowledge-add-title">Add documents</h2>
        <div className="knowledge-add">
          <UploadArea onUpload={knowledge.upload} />
          <UrlForm onAdd={knowledge.addUrl} />
        </div>
      </section>

      <section className="card section" aria-labelledby="knowledge-sources-title">
        <h2 id="knowledge-sources-title">Sources</h2>
        {state.status === "loading" && <Loading label="Loading the sources…" />}
        {state.status === "error" && <ErrorMessage error={state.error} title="The sources could not be loaded" onRetry={knowledge.reload} />}
        {state.status === "done" && sources.length === 0 && <EmptyState agentName={agent.name} />}
        {state.status === "done" && sources.length > 0 && (
          <SourceTable sources={sources} onDelete={knowledge.remove} onReindex={knowledge.reindex} />
        )}
      </section>

      <SearchPanel agentId={agent.id} agentName={agent.name} />

      <p className="visually-hidden" role="status">
        {knowledge.announcement}
      </p>
    </>
  );
}

function EmptyState({ agentName }: { agentName: string }) {
  return (
    <div className="knowledge-empty">
      <h3>No knowledge yet</h3>
      <p>
        Add your FAQ, manuals, policies or price lists and {agentName} will answer questions from them instead of guessing. Each
        reply lists the passages it used as numbered sources, so you and your visitors can check them.
      </p>
    </div>
  );
}
