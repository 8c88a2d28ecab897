import { useMemo } from "react";
import type { Message } from "../../../src/contracts/chat.js";
import { citeTargets, SourceList } from "./Citations.js";
import { CopyButton } from "./CopyButton.js";
import { Markdown } from "./Markdown.js";
import { MessageDetails } from "./MessageDetails.js";
import { replyNote } from "./format.js";

export interface MessageItemProps {
  message: Message;
  agentName: string;
  /** This message is the reply being written right now. */
  streaming: boolean;
  /** A user message the server has not stored (yet). */
  unsent: "sending" | "failed" | null;
  onRegenerate?: (() => void) | undefined;
}

export function MessageItem({ message, agentName, streaming, unsent, onRegenerate }: MessageItemProps) {
  const fromAgent = message.role === "assistant";
  const author = fromAgent ? agentName : "You";
  const note = replyNote(message, streaming);
  const empty = message.content === "";
  const citations = fromAgent ? message.citations : [];
  const cite = useMemo(() => citeTargets(message.id, citations), [message.id, citations]);
  return (
    <article className={`chat-message chat-message--${fromAgent ? "agent" : "user"}`} aria-label={`${author} said`}>
      <div className="chat-message__author">{author}</div>
      <div className="chat-message__bubble">
        {empty && streaming ? (
          <span className="chat-typing">Writing…</span>
        ) : empty && note !== null ? (
          <span className="chat-message__empty">No text was written.</span>
        ) : (
          <Markdown text={message.content} cite={cite} />
        )}
      </div>
      <SourceList messageId={message.id} citations={citations} />
      {(note !== null || unsent !== null) && (
        <p className={`chat-message__note${note === "This reply failed" || unsent === "failed" ? " chat-message__note--danger" : ""}`}>
          {unsent === "sending" ? "Sending…" : unsent === "failed" ? "Not sent" : note}
        </p>
      )}
      {!streaming && unsent === null && (
        <div className="chat-message__actions">
          {!empty && <CopyButton text={message.content} />}
          {onRegenerate && (
            <button type="button" className="chat-action" onClick={onRegenerate}>
              Regenerate
            </button>
          )}
          {fromAgent && message.model !== null && <MessageDetails message={message} />}
        </div>
      )}
    </article>
  );
}
