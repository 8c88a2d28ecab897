import { useState } from "react";
import { Link } from "react-router";
import type { Conversation } from "../../../src/contracts/chat.js";
import { formatWhen } from "./format.js";

export interface ConversationListProps {
  agentId: string;
  conversations: readonly Conversation[];
  activeId: string | undefined;
  creating: boolean;
  onNew(): void;
  onDelete(id: string): Promise<void>;
  onPick(): void;
}

export function ConversationList({ agentId, conversations, activeId, creating, onNew, onDelete, onPick }: ConversationListProps) {
  return (
    <nav className="chat-conversations" aria-label="Conversations">
      <button type="button" className="chat-button chat-button--primary chat-conversations__new" onClick={onNew} disabled={creating}>
        {creating ? "Starting…" : "New conversation"}
      </button>
      {conversations.length === 0 ? (
        <p className="chat-conversations__empty">No conversations yet.</p>
      ) : (
        <ul className="chat-conversations__list">
          {conversations.map((conversation) => (
            <ConversationRow
              key={conversation.id}
              agentId={agentId}
              conversation={conversation}
              active={conversation.id === activeId}
              onDelete={onDelete}
              onPick={onPick}
            />
          ))}
        </ul>
      )}
    </nav>
  );
}

function ConversationRow(props: {
  agentId: string;
  conversation: Conversation;
  active: boolean;
  onDelete(id: string): Promise<void>;
  onPick(): void;
}) {
  const { conversation, active } = props;
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const when = formatWhen(conversation.updatedAt);

  const remove = async () => {
    setDeleting(true);
    setFailure(null);
    try {
      await props.onDelete(conversation.id);
    } catch (error) {
      setFailure(error instanceof Error ? error.message : "It could not be deleted.");
      setDeleting(false);
    }
  };

  return (
    <li className={`chat-conversation${active ? " chat-conversation--active" : ""}`}>
      <Link
        className="chat-conversation__link"
        to={`/agents/${encodeURIComponent(props.agentId)}/chat/${encodeURIComponent(conversation.id)}`}
        aria-current={active ? "page" : undefined}
        onClick={props.onPick}
      >
        <span className="chat-conversation__title">{conversation.title}</span>
        <span className="chat-conversation__when">{when}</span>
      </Link>
      {confirming ? (
        <div className="chat-conversation__confirm" role="group" aria-label={`Delete ${conversation.title} from ${when}?`}>
          <span>Delete this conversation?</span>
          <button type="button" className="chat-button chat-button--danger" onClick={() => void remove()} disabled={deleting}>
            {deleting ? "Deleting…" : "Delete"}
          </button>
          <button type="button" className="chat-button" onClick={() => setConfirming(false)} disabled={deleting}>
            Cancel
          </button>
        </div>
      ) : (
        <button
          type="button"
          className="chat-action chat-conversation__delete"
          aria-label={`Delete ${conversation.title} from ${when}`}
          onClick={() => setConfirming(true)}
        >
          Delete
        </button>
      )}
      {failure && (
        <p className="chat-conversation__failure" role="alert">
          {failure}
        </p>
      )}
    </li>
  );
}
