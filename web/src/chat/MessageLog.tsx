import { ChatError } from "./ChatError.js";
import { useLayoutEffect, useRef } from "react";
import type { Message } from "../../../src/contracts/chat.js";
import { EarlierSummary } from "../components/EarlierSummary.js";
import { MessageItem } from "./MessageItem.js";
import type { Chat } from "./useChat.js";

/** How close to the bottom (px) still counts as following the conversation. */
const FOLLOW_SLACK = 80;

export function MessageLog({ chat, agentName }: { chat: Chat; agentName: string }) {
  const { messages, streaming, turnError } = chat;
  const log = useRef<HTMLDivElement>(null);
  const following = useRef(true);

  // Keep the newest text in view while it streams, unless the reader scrolled up to read.
  useLayoutEffect(() => {
    const element = log.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [messages, turnError]);

  const onScroll = () => {
    const element = log.current;
    if (element) following.current = element.scrollHeight - element.scrollTop - element.clientHeight < FOLLOW_SLACK;
  };

  const last = messages.at(-1);
  const canRegenerate = streaming === null && last?.role === "assistant" && messages.some((message) => message.role === "user");
  const failedSend = turnError?.retry.kind === "send" ? turnError.retry.localId : null;

  return (
    <div ref={log} className="chat-log" role="log" aria-label={`Conversation with ${agentName}`} aria-busy={streaming !== null} onScroll={onScroll}>
      <EarlierSummary summary={chat.summary} />
      {messages.length === 0 && streaming === null && (
        <p className="chat-log__empty">Say hello to {agentName} to start the conversation.</p>
      )}
      {messages.map((message) => (
        <MessageItem
          key={message.id}
          message={message}
          agentName={agentName}
          streaming={streaming?.messageId === message.id}
          unsent={unsentState(message, failedSend)}
          onRegenerate={canRegenerate && message === last ? chat.regenerate : undefined}
        />
      ))}
      {turnError && (
        <ChatError message={turnError.message} onRetry={chat.retry} retryLabel="Retry" retryDisabled={streaming !== null} />
      )}
    </div>
  );
}

function unsentState(message: Message, failedSend: string | null): "sending" | "failed" | null {
  if (message.role !== "user" || message.status === "complete") return null;
  return message.id === failedSend ? "failed" : "sending";
}

