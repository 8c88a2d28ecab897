import { useMemo } from "react";
import type { Message } from "../../../src/contracts/chat.js";
import { citeTargets, SourceList } from "../chat/Citations.js";
import { Markdown } from "../chat/Markdown.js";
import { replyNote } from "../chat/format.js";

export type Speaker = "ai" | "person" | "visitor";

/** Who wrote a message, as the visitor must see it: the agent's replies are always marked as AI. */
export function speakerOf(message: Message): Speaker {
  if (message.role === "user") return "visitor";
  return message.author === "owner" ? "person" : "ai";
}

export interface ShareMessageProps {
  message: Message;
  agentName: string;
  streaming: boolean;
  unsent: "sending" | "failed" | null;
}

export function ShareMessage({ message, agentName, streaming, unsent }: ShareMessageProps) {
  const speaker = speakerOf(message);
  const citations = speaker === "ai" ? message.citations : [];
  const cite = useMemo(() => citeTargets(message.id, citations), [message.id, citations]);
  const note = replyNote(message, streaming);
  const empty = message.content === "";
  const author = speaker === "visitor" ? "You" : speaker === "person" ? `${agentName} team` : agentName;
  const label = speaker === "visitor" ? "You said" : speaker === "person" ? `${agentName} team (a person) said` : `${agentName} (AI) said`;
  return (
    <article className={`share-message share-message--${speaker}`} aria-label={label}>
      <div className="share-message__author">
        <span>{author}</span>
        {speaker === "ai" && <span className="share-badge share-badge--ai">AI</span>}
        {speaker === "person" && <span className="share-badge share-badge--person">Person</span>}
      </div>
      <div className="share-message__bubble">
        {empty && streaming ? (
          <span className="share-message__quiet">Writing…</span>
        ) : empty ? (
          <span className="share-message__quiet">No text was written.</span>
        ) : (
          <Markdown text={message.content} cite={cite} />
        )}
      </div>
      <SourceList messageId={message.id} citations={citations} />
      {(note !== null || unsent !== null) && (
        <p className={`share-message__note${note === "This reply failed" || unsent === "failed" ? " share-message__note--danger" : ""}`}>
          {unsent === "sending" ? "Sending…" : unsent === "failed" ? "Not sent" : note}
        </p>
      )}
    </article>
  );
}
