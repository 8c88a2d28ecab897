import { useEffect, useId, useState, type FormEvent } from "react";
import { Link } from "react-router";
import type { Agent } from "../../../../src/contracts/agent.js";
import type { InboxConversation } from "../../../../src/contracts/publish.js";
import { Button } from "../../components/Button.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Loading } from "../../components/Loading.js";
import { CHANNEL_LABEL, exactTime, participantLabel, relativeTime } from "./format.js";
import type { Inbox, InboxFilters } from "./useInbox.js";

const SEARCH_DELAY_MS = 300;

export interface InboxListProps {
  inbox: Inbox;
  agents: readonly Agent[];
  filters: InboxFilters;
  onFilters(filters: InboxFilters): void;
  openId: string | undefined;
  userId: string;
}

/** Every conversation across the owner's agents, newest first, with filters and paging. */
export function InboxList({ inbox, agents, filters, onFilters, openId, userId }: InboxListProps) {
  const { conversations, load } = inbox;
  const filtered = filters.agentId !== "" || filters.q.trim() !== "" || filters.unreadOnly;
  return (
    <div className="inbox-list">
      <Filters agents={agents} filters={filters} onFilters={onFilters} />
      {!inbox.live && (
        <p className="inbox-list__live" role="status">
          Live updates paused: reconnecting…
        </p>
      )}
      {load.state === "loading" && <Loading label="Loading conversations…" />}
      {load.state === "failed" && <ErrorMessage error={load.error} title="The inbox could not be loaded" onRetry={inbox.reload} />}
      {load.state === "ready" && conversations.length === 0 && (
        <p className="inbox-list__empty">
          {filtered
            ? "No conversations match these filters."
            : "No conversations yet. When people talk to your published agents, their conversations appear here as they happen."}
        </p>
      )}
      {conversations.length > 0 && (
        <nav aria-label="Conversations">
          <ul className="inbox-rows">
            {conversations.map((conversation) => (
              <InboxRow key={conversation.id} conversation={conversation} active={conversation.id === openId} userId={userId} />
            ))}
          </ul>
        </nav>
      )}
      {load.state === "ready" && inbox.hasMore && (
        <Button small busy={inbox.loadingMore} onClick={inbox.loadMore}>
          Load more
        </Button>
      )}
      {inbox.moreError && (
        <p className="field-error" role="alert">
          More conversations could not be loaded: {inbox.moreError}
        </p>
      )}
    </div>
  );
}

function Filters({ agents, filters, onFilters }: Pick<InboxListProps, "agents" | "filters" | "onFilters">) {
  const agentId = useId();
  const searchId = useId();
  const unreadId = useId();
  const [query, setQuery] = useState(filters.q);

  // Search as the owner types, once they pause, rather than on every key.
  useEffect(() => {
    if (query === filters.q) return;
    const timer = setTimeout(() => onFilters({ ...filters, q: query }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [query, filters, onFilters]);

  // Enter searches at once instead of waiting for the pause.
  const searchNow = (event: FormEvent) => {
    event.preventDefault();
    if (query !== filters.q) onFilters({ ...filters, q: query });
  };

  return (
    <form className="inbox-filters" role="search" aria-label="Filter conversations" onSubmit={searchNow}>
      <div className="inbox-filters__field">
        <label htmlFor={searchId}>Search</label>
        <input
          id={searchId}
          className="input"
          type="search"
          value={query}
          placeholder="Words, visitor, agent…"
          onChange={(event) => setQuery(event.target.value)}
        />
      </div>
      <div className="inbox-filters__field">
        <label htmlFor={agentId}>Agent</label>
        <select id={agentId} className="input" value={filters.agentId} onChange={(event) => onFilters({ ...filters, agentId: event.target.value })}>
          <option value="">All agents</option>
          {agents.map((agent) => (
            <option key={agent.id} value={agent.id}>
              {agent.name}
            </option>
          ))}
        </select>
      </div>
      <div className="inbox-filters__check">
        <input
          id={unreadId}
          type="checkbox"
          checked={filters.unreadOnly}
          onChange={(event) => onFilters({ ...filters, unreadOnly: event.target.checked })}
        />
        <label htmlFor={unreadId}>Unread only</label>
      </div>
    </form>
  );
}

function InboxRow({ conversation, active, userId }: { conversation: InboxConversation; active: boolean; userId: string }) {
  const who = participantLabel(conversation, userId);
  const previewBy = conversation.previewRole === "owner" ? "You: " : conversation.previewRole === "agent" ? "AI: " : "";
  const classes = ["inbox-row", conversation.unread ? "inbox-row--unread" : "", active ? "inbox-row--active" : ""];
  return (
    <li className={classes.filter(Boolean).join(" ")}>
      <Link className="inbox-row__link" to={`/inbox/${encodeURIComponent(conversation.id)}`} aria-current={active ? "page" : undefined}>
        <span className="inbox-row__top">
          {conversation.unread && <span className="inbox-row__dot" aria-hidden="true" />}
          <span className="inbox-row__who">
            {conversation.unread && <span className="visually-hidden">Unread: </span>}
            {who}
          </span>
          <time className="inbox-row__when" dateTime={conversation.updatedAt} title={exactTime(conversation.updatedAt)}>
            {relativeTime(conversation.updatedAt)}
          </time>
        </span>
        <span className="inbox-row__agent">
          {conversation.agentName}
          <span className="inbox-badge">{CHANNEL_LABEL[conversation.channel]}</span>
          {conversation.mode === "owner" && <span className="inbox-badge inbox-badge--owner">Taken over</span>}
          {conversation.pendingReviews > 0 && (
            <span className="inbox-badge inbox-badge--review">{conversation.pendingReviews} to review</span>
          )}
        </span>
        <span className="inbox-row__preview">
          {previewBy}
          {conversation.preview || "No messages yet"}
        </span>
      </Link>
    </li>
  );
}
