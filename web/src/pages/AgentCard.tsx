import type { Agent } from "../../../src/contracts/index.js";
import { Avatar } from "../components/Avatar.js";
import { Button, ButtonLink } from "../components/Button.js";

interface AgentCardProps {
  agent: Agent;
  busy: boolean;
  onDuplicate: () => void;
  onDelete: () => void;
}

export function AgentCard({ agent, busy, onDuplicate, onDelete }: AgentCardProps) {
  const id = encodeURIComponent(agent.id);
  return (
    <article className="card agent-card" aria-labelledby={`agent-${agent.id}`}>
      <div className="agent-card-head">
        <Avatar name={agent.name} src={agent.avatar} />
        <div>
          <h2 id={`agent-${agent.id}`}>{agent.name}</h2>
          <span className="handle">@{agent.handle}</span>{" "}
          {agent.publishedAt ? <span className="badge">Published</span> : <span className="badge badge-muted">Private</span>}
        </div>
      </div>
      <p className="agent-card-tagline">{agent.tagline || "No tagline yet."}</p>
      <div className="button-row">
        <ButtonLink to={`/agents/${id}/chat`} variant="primary" small aria-label={`Chat with ${agent.name}`}>
          Chat
        </ButtonLink>
        <ButtonLink to={`/agents/${id}/edit`} small aria-label={`Edit ${agent.name}`}>
          Edit
        </ButtonLink>
        <Button small onClick={onDuplicate} busy={busy} aria-label={`Duplicate ${agent.name}`}>
          Duplicate
        </Button>
        <Button small variant="danger" onClick={onDelete} aria-label={`Delete ${agent.name}`}>
          Delete
        </Button>
      </div>
    </article>
  );
}
