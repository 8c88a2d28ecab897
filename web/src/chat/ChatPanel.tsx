import { ChatError } from "./ChatError.js";
import { useCallback, useEffect, useRef, useState } from "react";
import type { Agent } from "../../../src/contracts/agent.js";
import { api } from "../api.js";
import { ChatView } from "./ChatView.js";
import { errorMessage } from "./useChat.js";
import "./chat.css";

export interface ChatPanelProps {
  agent: Agent;
  /** The agent editor's live preview: a throwaway "Preview" conversation with the saved agent. */
  preview?: boolean;
}

const PREVIEW_TITLE = "Preview";

async function latestPreview(agentId: string) {
  const { conversations } = await api.listConversations({ agentId, limit: 20 });
  return conversations.find((conversation) => conversation.title === PREVIEW_TITLE);
}

type Session = { state: "starting" } | { state: "failed"; message: string } | { state: "ready"; conversationId: string; version: number };

/** A self-contained chat with one agent, starting its own conversation. */
export function ChatPanel({ agent, preview = false }: ChatPanelProps) {
  const [session, setSession] = useState<Session>({ state: "starting" });
  const starts = useRef(0);
  const previewId = useRef<string | null>(null);

  const start = useCallback(async (options: { reuse?: boolean } = {}) => {
    // Only the latest start may win: a slow earlier one must not replace a newer conversation.
    const attempt = ++starts.current;
    setSession({ state: "starting" });
    try {
      // Opening the editor again picks up the last preview instead of piling up new ones.
      const earlier = preview && options.reuse ? await latestPreview(agent.id) : undefined;
      const conversation = earlier ?? (await api.createConversation({ agentId: agent.id, ...(preview ? { title: PREVIEW_TITLE } : {}) })).conversation;
      if (attempt !== starts.current) return;
      setSession({ state: "ready", conversationId: conversation.id, version: agent.version });
      if (preview) {
        // Previews are scratch conversations: starting over clears the old one out of the owner's list.
        // A failed clean-up only leaves an extra "Preview" conversation behind, so it is not reported.
        if (previewId.current !== null) api.deleteConversation(previewId.current).catch(() => undefined);
        previewId.current = conversation.id;
      }
    } catch (error) {
      if (attempt === starts.current) setSession({ state: "failed", message: errorMessage(error).message });
    }
  }, [agent.id, agent.version, preview]);

  // A new conversation per agent, not per version: a newer version is offered, not forced on the chat.
  const firstStart = useRef<string | null>(null);
  useEffect(() => {
    if (firstStart.current === agent.id) return;
    firstStart.current = agent.id;
    void start({ reuse: true });
  }, [agent.id, start]);

  const outdated = session.state === "ready" && session.version !== agent.version;

  return (
    <section className={`chat-panel${preview ? " chat-panel--preview" : ""}`} aria-label={preview ? `Preview chat with ${agent.name}` : `Chat with ${agent.name}`}>
      <header className="chat-panel__header">
        {preview ? <h3 className="chat-panel__title">Preview</h3> : <h2 className="chat-panel__title">{agent.name}</h2>}
        <button type="button" className="chat-button" onClick={() => void start()} disabled={session.state === "starting"}>
          Start over
        </button>
      </header>
      {outdated && (
        <div className="chat-panel__notice" role="status">
          <p>
            You saved version {agent.version}. New replies already come from it; start over to see its greeting in a fresh
            conversation.
          </p>
          <button type="button" className="chat-button chat-button--primary" onClick={() => void start()}>
            Start over with version {agent.version}
          </button>
        </div>
      )}
      {session.state === "starting" && (
        <p className="chat-view__state" role="status">
          Starting a conversation…
        </p>
      )}
      {session.state === "failed" && (
        <ChatError message={`The conversation could not be started: ${session.message}`} onRetry={() => void start()} />
      )}
      {session.state === "ready" && <ChatView key={session.conversationId} conversationId={session.conversationId} agentName={agent.name} />}
    </section>
  );
}
