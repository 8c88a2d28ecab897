import { useState } from "react";
import type { Agent } from "../../../src/contracts/index.js";
import { api } from "../api.js";
import { ButtonLink } from "../components/Button.js";
import { ConfirmDialog } from "../components/ConfirmDialog.js";
import { ErrorMessage } from "../components/ErrorMessage.js";
import { errorText } from "../components/errors.js";
import { Loading } from "../components/Loading.js";
import { AgentCard } from "./AgentCard.js";
import { DropOverlay, ImportButton, ImportStatus, useAgentImport } from "./home/AgentImport.js";
import { useAsync } from "./useAsync.js";

export function HomePage() {
  const [agents, reload, setAgents] = useAsync(() => api.listAgents().then((list) => list.agents), []);
  const [status, setStatus] = useState("");
  const [duplicating, setDuplicating] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<{ agent: Agent; busy: boolean; error: unknown } | null>(null);
  const importer = useAgentImport();

  async function duplicate(agent: Agent) {
    setDuplicating(agent.id);
    try {
      const copy = await api.duplicateAgent(agent.id);
      if (agents.status === "done") setAgents([copy, ...agents.value]);
      setStatus(`Made a copy: “${copy.name}”.`);
    } catch (error) {
      setStatus(`Could not duplicate “${agent.name}”: ${errorText(error)}`);
    } finally {
      setDuplicating(null);
    }
  }

  async function confirmDelete() {
    if (!deleting) return;
    const { agent } = deleting;
    setDeleting({ agent, busy: true, error: null });
    try {
      await api.deleteAgent(agent.id);
      if (agents.status === "done") setAgents(agents.value.filter((candidate) => candidate.id !== agent.id));
      setDeleting(null);
      setStatus(`Deleted “${agent.name}”.`);
    } catch (error) {
      setDeleting({ agent, busy: false, error });
    }
  }

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Your agents</h1>
          <p>Create an AI agent, give it a personality, and talk to it. Have a character card? Drop it anywhere here.</p>
        </div>
        <div className="button-row">
          <ImportButton importer={importer} />
          <ButtonLink to="/agents/new" variant="primary">
            Create an agent
          </ButtonLink>
        </div>
      </div>
      <ImportStatus importer={importer} />
      <p className="status-line" role="status">
        {status}
      </p>
      {agents.status === "loading" && <Loading label="Loading your agents…" />}
      {agents.status === "error" && <ErrorMessage error={agents.error} title="Your agents could not be loaded" onRetry={reload} />}
      {agents.status === "done" && agents.value.length === 0 && (
        <div className="empty-state card">
          <h2>No agents yet</h2>
          <p>Describe the agent you want in one sentence, start from a template, or build one from scratch. It takes a minute.</p>
          <ButtonLink to="/agents/new" variant="primary">
            Create your first agent
          </ButtonLink>
        </div>
      )}
      {agents.status === "done" && agents.value.length > 0 && (
        <ul className="card-grid" aria-label="Agents">
          {agents.value.map((agent) => (
            <li key={agent.id}>
              <AgentCard
                agent={agent}
                busy={duplicating === agent.id}
                onDuplicate={() => void duplicate(agent)}
                onDelete={() => setDeleting({ agent, busy: false, error: null })}
              />
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title={deleting ? `Delete “${deleting.agent.name}”?` : "Delete agent?"}
        confirmLabel="Delete agent"
        danger
        busy={deleting?.busy}
        error={deleting?.error}
        onConfirm={() => void confirmDelete()}
        onCancel={() => setDeleting(null)}
      >
        <p>The agent and its version history are deleted for good. This cannot be undone.</p>
      </ConfirmDialog>
      <DropOverlay importer={importer} />
    </>
  );
}
