import { useLayoutEffect, useRef } from "react";
import type { PublicAgent } from "../../../src/contracts/agent.js";
import type { Message } from "../../../src/contracts/chat.js";
import { ChatError } from "../chat/ChatError.js";
import { Composer } from "../chat/Composer.js";
import { EarlierSummary } from "../components/EarlierSummary.js";
import type { ShareIdentity } from "./identity.js";
import { MemoryPanel } from "./MemoryPanel.js";
import { greetingMessage, isLocal } from "./messages.js";
import { RetryNotice } from "./RetryNotice.js";
import { ShareHeader } from "./ShareHeader.js";
import { ShareMessage } from "./ShareMessage.js";
import { useShareChat } from "./useShareChat.js";

/** How close to the bottom (px) still counts as following the conversation. */
const FOLLOW_SLACK = 80;

/** The share page with its agent: introduction, the conversation, suggested openers and the composer. */
export function ShareChatView({ agent, identity }: { agent: PublicAgent; identity: ShareIdentity }) {
  const chat = useShareChat(agent, identity);
  const { load, conversation, messages, streaming, turnError } = chat;
  const log = useRef<HTMLDivElement>(null);
  const following = useRef(true);

  // A first visit has no conversation yet: the greeting shows, and the conversation starts with the first message.
  const greeting = agent.greetings[0];
  const shown = conversation === null && greeting !== undefined && load.state === "ready" ? [greetingMessage(greeting)] : messages;
  const busy = streaming !== null || chat.starting;
  const visitorSpoke = messages.some((message) => message.role === "user");
  const waitingForPerson = (chat.held !== null || conversation?.mode === "owner") && messages.at(-1)?.role === "user" && !busy;
  const failedSend = turnError?.retry.kind === "send" ? turnError.retry.localId : null;

  useLayoutEffect(() => {
    const element = log.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [shown, turnError, waitingForPerson]);

  const onScroll = () => {
    const element = log.current;
    if (element) following.current = element.scrollHeight - element.scrollTop - element.clientHeight < FOLLOW_SLACK;
  };

  return (
    <div className="share">
      <ShareHeader agent={agent} />
      <main className="share-main" id="main">
        <div className="share-toolbar">
          <h2 className="share-toolbar__title">Conversation</h2>
          <button type="button" className="chat-button" onClick={chat.startNew} disabled={busy || load.state !== "ready"}>
            {chat.starting ? "Starting…" : "New conversation"}
          </button>
        </div>
        <MemoryPanel agentId={agent.id} agentName={agent.name} />
        {conversation?.mode === "owner" && (
          <p className="share-notice">A person from the {agent.name} team has joined this conversation.</p>
        )}
        {load.state === "loading" && (
          <p className="share-state" role="status">
            Loading the conversation…
          </p>
        )}
        {load.state === "failed" && <ChatError message={`The conversation could not be loaded: ${load.message}`} onRetry={chat.reload} />}
        {load.state === "ready" && (
          // Announced through the status line below, once per message: a live log would read every streamed word.
          <div
            ref={log}
            className="share-log"
            role="log"
            aria-live="off"
            aria-label={`Conversation with ${agent.name}`}
            aria-busy={streaming !== null}
            tabIndex={0}
            onScroll={onScroll}
          >
            <EarlierSummary summary={chat.summary} />
            {shown.length === 0 && <p className="share-state">Say hello to {agent.name} to start.</p>}
            {shown.map((message) => (
              <ShareMessage
                key={message.id}
                message={message}
                agentName={agent.name}
                streaming={streaming?.messageId === message.id}
                unsent={unsentState(message, failedSend)}
              />
            ))}
            {waitingForPerson && <p className="share-notice share-notice--held">A person will reply here shortly.</p>}
          </div>
        )}
        {load.state === "ready" && !visitorSpoke && !busy && agent.openers.length > 0 && (
          <div className="share-openers" role="group" aria-label="Suggested messages">
            {agent.openers.map((opener) => (
              <button key={opener} type="button" className="share-opener" onClick={() => chat.send(opener)}>
                {opener}
              </button>
            ))}
          </div>
        )}
        {turnError && <RetryNotice error={turnError} busy={busy} onRetry={chat.retry} />}
        <p className="share-ai-notice">You are chatting with an AI. It can make mistakes, and the people behind it can read this conversation.</p>
        <Composer agentName={agent.name} streaming={streaming} ready={load.state === "ready" && !chat.starting} onSend={chat.send} onStop={chat.stop} />
      </main>
      <footer className="share-footer">
        <p>Made with Atelier</p>
      </footer>
      <p className="chat-visually-hidden" role="status" aria-live="polite">
        {chat.announcement}
      </p>
    </div>
  );
}

function unsentState(message: Message, failedSend: string | null): "sending" | "failed" | null {
  if (message.role !== "user" || !isLocal(message)) return null;
  return message.id === failedSend ? "failed" : "sending";
}
