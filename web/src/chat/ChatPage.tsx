import { ChatError } from "./ChatError.js";
import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import type { Agent } from "../../../src/contracts/agent.js";
import type { Conversation } from "../../../src/contracts/chat.js";
import { api } from "../api.js";
import { ChatView } from "./ChatView.js";
import { ConversationList } from "./ConversationList.js";
import { errorMessage } from "./useChat.js";
import "./chat.css";

type PageData = { state: "loading" } | { state: "failed"; message: string } | { state: "ready"; agent: Agent };

const newestFirst = (a: Conversation, b: Conversation) => b.updatedAt.localeCompare(a.updatedAt);

/** The chat page: an agent's conversations beside the open one. */
export function ChatPage() {
  const { agentId = "", conversationId } = useParams();
  const navigate = useNavigate();
  const [data, setData] = useState<PageData>({ state: "loading" });
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [attempt, setAttempt] = useState(0);
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<string | null>(null);
  const [listOpen, setListOpen] = useState(false);

  useEffect(() => {
    let current = true;
    setData({ state: "loading" });
    (async () => {
      const agent = await api.getAgent(agentId);
      const { conversations: list } = await api.listConversations({ agentId: agent.id });
      return { agent, list };
    })().then(
      ({ agent, list }) => {
        if (!current) return;
        setConversations([...list].sort(newestFirst));
        setData({ state: "ready", agent });
      },
      (error: unknown) => {
        if (current) setData({ state: "failed", message: errorMessage(error).message });
      },
    );
    return () => {
      current = false;
    };
  }, [agentId, attempt]);

  const chatPath = useCallback((id?: string) => `/agents/${encodeURIComponent(agentId)}/chat${id ? `/${encodeURIComponent(id)}` : ""}`, [agentId]);

  // Opening the chat page without a conversation continues the latest one.
  const newest = conversations[0];
  useEffect(() => {
    if (data.state === "ready" && conversationId === undefined && newest) void navigate(chatPath(newest.id), { replace: true });
  }, [data.state, conversationId, newest, navigate, chatPath]);

  if (data.state === "loading") {
    return (
      <p className="chat-page__state" role="status">
        Loading…
      </p>
    );
  }
  if (data.state === "failed") {
    return (
      <ChatError className="chat-page__state" message={`The chat could not be opened: ${data.message}`} onRetry={() => setAttempt((n) => n + 1)} />
    );
  }

  const { agent } = data;

  const startConversation = async () => {
    setCreating(true);
    setCreateError(null);
    try {
      const { conversation } = await api.createConversation({ agentId: agent.id });
      setConversations((list) => [conversation, ...list]);
      setListOpen(false);
      void navigate(chatPath(conversation.id));
    } catch (error) {
      setCreateError(errorMessage(error).message);
    } finally {
      setCreating(false);
    }
  };

  const deleteConversation = async (id: string) => {
    await api.deleteConversation(id);
    setConversations((list) => list.filter((conversation) => conversation.id !== id));
    if (id === conversationId) void navigate(chatPath(), { replace: true });
  };

  const active = conversations.find((conversation) => conversation.id === conversationId);

  return (
    <div className={`chat-page${listOpen ? " chat-page--list-open" : ""}`}>
      <header className="chat-page__header">
        <button
          type="button"
          className="chat-button chat-page__list-toggle"
          aria-expanded={listOpen}
          aria-controls="chat-conversations"
          onClick={() => setListOpen(!listOpen)}
        >
          Conversations
        </button>
        <div className="chat-page__agent">
          <h1 className="chat-page__title">{agent.name}</h1>
          {agent.tagline && <p className="chat-page__tagline">{agent.tagline}</p>}
        </div>
        <Link className="chat-page__edit" to={`/agents/${encodeURIComponent(agent.id)}/edit`}>
          Edit agent
        </Link>
      </header>
      <aside id="chat-conversations" className="chat-page__sidebar">
        <ConversationList
          agentId={agentId}
          conversations={conversations}
          activeId={conversationId}
          creating={creating}
          onNew={() => void startConversation()}
          onDelete={deleteConversation}
          onPick={() => setListOpen(false)}
        />
        {createError && (
          <p className="chat-error chat-error__message" role="alert">
            A new conversation could not be started: {createError}
          </p>
        )}
      </aside>
      <section className="chat-page__main" aria-label={active ? active.title : `Chat with ${agent.name}`}>
        {conversationId !== undefined ? (
          <ChatView key={conversationId} conversationId={conversationId} agentName={agent.name} />
        ) : (
          <div className="chat-page__start">
            <h2>Talk to {agent.name}</h2>
            <p>Start a conversation and {agent.name} will greet you.</p>
            <button type="button" className="chat-button chat-button--primary" onClick={() => void startConversation()} disabled={creating}>
              {creating ? "Starting…" : "Start a conversation"}
            </button>
          </div>
        )}
      </section>
    </div>
  );
}
