import { useCallback, useEffect, useState } from "react";
import { useParams } from "react-router";
import type { Agent } from "../../../../src/contracts/agent.js";
import { api } from "../../api.js";
import { useUser } from "../../session.js";
import { InboxList } from "./InboxList.js";
import { InboxThread } from "./InboxThread.js";
import { useInbox, type InboxFilters } from "./useInbox.js";
import { announceInboxChange } from "./InboxNavLink.js";
import "../../chat/chat.css";
import "./inbox.css";

/**
 * The owner's inbox: conversations with every agent they own, live. On wide screens the list and
 * the open conversation sit side by side; on phones one shows at a time.
 */
export function InboxPage() {
  const { conversationId } = useParams();
  const user = useUser();
  const [filters, setFilters] = useState<InboxFilters>({ agentId: "", q: "", unreadOnly: false });
  const [agents, setAgents] = useState<Agent[]>([]);
  const inbox = useInbox(filters, conversationId);
  const { markReadLocally } = inbox;

  useEffect(() => {
    let current = true;
    api.listAgents().then(
      ({ agents: list }) => current && setAgents([...list].sort((a, b) => a.name.localeCompare(b.name))),
      () => {
        // Without the agent names the filter offers only "All agents"; the inbox itself still works.
      },
    );
    return () => {
      current = false;
    };
  }, []);

  // The navigation's unread badge counts again when something in the inbox changed.
  const { subscribe } = inbox;
  useEffect(
    () =>
      subscribe((signal) => {
        if (signal.type === "conversation" || signal.type === "conversation-deleted") announceInboxChange();
      }),
    [subscribe],
  );

  const onRead = useCallback(
    (id: string) => {
      markReadLocally(id);
      announceInboxChange();
    },
    [markReadLocally],
  );

  const summary = inbox.conversations.find((row) => row.id === conversationId);
  const unread = inbox.conversations.filter((row) => row.unread).length;

  return (
    <div className={`inbox-page${conversationId ? " inbox-page--open" : ""}`}>
      <header className="inbox-page__header">
        <h1>Inbox</h1>
        <p className="muted">
          {unread > 0 ? `${unread} unread` : "All caught up"}
          <span className="visually-hidden">. New conversations and messages appear here as they happen.</span>
        </p>
      </header>
      <div className="inbox-page__list">
        <InboxList inbox={inbox} agents={agents} filters={filters} onFilters={setFilters} openId={conversationId} userId={user.id} />
      </div>
      <div className="inbox-page__thread">
        {conversationId ? (
          <InboxThread
            key={conversationId}
            conversationId={conversationId}
            summary={summary}
            userId={user.id}
            subscribe={inbox.subscribe}
            onRead={onRead}
          />
        ) : (
          <div className="inbox-page__pick">
            <h2>Pick a conversation</h2>
            <p>Read what visitors and the AI said, take over to answer yourself, and review held replies.</p>
          </div>
        )}
      </div>
    </div>
  );
}
