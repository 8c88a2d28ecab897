import { ChatError } from "./ChatError.js";
import { useEffect, useRef, useState } from "react";
import type { Chat } from "./useChat.js";
import { useChat } from "./useChat.js";
import { Composer } from "./Composer.js";
import { MessageLog } from "./MessageLog.js";

/** One conversation: its messages, the streaming status for screen readers, and the composer. */
export function ChatView({ conversationId, agentName }: { conversationId: string; agentName: string }) {
  const chat = useChat(conversationId);
  const { load } = chat;
  const status = useStreamingStatus(chat, agentName);
  return (
    <div className="chat-view">
      {load.state === "loading" && (
        <p className="chat-view__state" role="status">
          Loading the conversation…
        </p>
      )}
      {load.state === "failed" && (
        <ChatError message={`The conversation could not be loaded: ${load.message}`} onRetry={chat.reload} />
      )}
      {load.state === "ready" && <MessageLog chat={chat} agentName={agentName} />}
      <p className="chat-visually-hidden" aria-live="polite">
        {status}
      </p>
      <Composer agentName={agentName} streaming={chat.streaming} ready={load.state === "ready"} onSend={chat.send} onStop={chat.stop} />
    </div>
  );
}

/** A sentence for the live region at the start and the end of a reply, never per token. */
function useStreamingStatus(chat: Chat, agentName: string): string {
  const [status, setStatus] = useState("");
  const wasStreaming = useRef(false);
  const streaming = chat.streaming !== null;
  const last = chat.messages.at(-1);
  useEffect(() => {
    if (streaming && !wasStreaming.current) setStatus(`${agentName} is writing…`);
    if (!streaming && wasStreaming.current) {
      if (chat.turnError) setStatus(`The reply failed: ${chat.turnError.message}`);
      else if (last?.finishReason === "aborted") setStatus("Reply stopped.");
      else setStatus(`${agentName} replied.`);
    }
    wasStreaming.current = streaming;
  }, [streaming, agentName, chat.turnError, last?.finishReason]);
  return status;
}
