import { useId, useState } from "react";
import type { Message } from "../../../../src/contracts/chat.js";
import { Markdown } from "../../chat/Markdown.js";
import { MESSAGE_LIMIT, replyNote } from "../../chat/format.js";
import { Button } from "../../components/Button.js";
import { exactTime, relativeTime, SPEAKER_LABEL, speakerOf } from "./format.js";
import type { Pending } from "./useThread.js";

export interface ThreadMessageProps {
  message: Message;
  streaming: boolean;
  pending: Pending | null;
  onApprove(messageId: string, content?: string): Promise<boolean>;
  onDiscard(messageId: string): Promise<void>;
}

/** One message in the owner's view: who wrote it (Visitor, AI, You), and for held drafts the review controls. */
export function ThreadMessage({ message, streaming, pending, onApprove, onDiscard }: ThreadMessageProps) {
  const speaker = speakerOf(message);
  const draft = message.review === "pending";
  const discarded = message.review === "discarded";
  const label = draft ? "AI draft awaiting your review" : discarded ? "Discarded AI draft" : SPEAKER_LABEL[speaker];
  const note = reviewNote(message) ?? replyNote(message, streaming);
  const classes = ["inbox-msg", `inbox-msg--${speaker}`, draft ? "inbox-msg--draft" : "", discarded ? "inbox-msg--discarded" : ""];
  return (
    <article className={classes.filter(Boolean).join(" ")} aria-label={`${label} said`}>
      <div className="inbox-msg__meta">
        <span className="inbox-msg__author">{label}</span>
        <time dateTime={message.createdAt} title={exactTime(message.createdAt)}>
          {relativeTime(message.createdAt)}
        </time>
      </div>
      <div className="inbox-msg__bubble">
        {message.content === "" && streaming ? (
          <span className="inbox-msg__typing">Writing…</span>
        ) : message.content === "" ? (
          <span className="inbox-msg__typing">No text was written.</span>
        ) : (
          <Markdown text={message.content} />
        )}
      </div>
      {streaming && message.content !== "" && <p className="inbox-msg__note">Writing…</p>}
      {note !== null && <p className="inbox-msg__note">{note}</p>}
      {draft && !streaming && <DraftReview message={message} pending={pending} onApprove={onApprove} onDiscard={onDiscard} />}
    </article>
  );
}

function reviewNote(message: Message): string | null {
  switch (message.review) {
    case "approved":
      return "Approved by you";
    case "edited":
      return "Edited by you before sending";
    case "discarded":
      return "Discarded: the visitor never saw it";
    case "pending":
      return "Held for your review: the visitor has not seen it yet";
    default:
      return null;
  }
}

function DraftReview({ message, pending, onApprove, onDiscard }: Omit<ThreadMessageProps, "streaming">) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(message.content);
  const inputId = useId();
  const busy = pending !== null && "messageId" in pending && pending.messageId === message.id;
  const anyBusy = pending !== null;
  const trimmed = text.trim();
  const tooLong = text.length > MESSAGE_LIMIT;

  if (editing) {
    return (
      <form
        className="inbox-review inbox-review--editing"
        onSubmit={(event) => {
          event.preventDefault();
          if (!trimmed || tooLong) return;
          void onApprove(message.id, trimmed).then((ok) => ok && setEditing(false));
        }}
      >
        <label htmlFor={inputId} className="field-label">
          Edit the reply before sending
        </label>
        <textarea id={inputId} className="input inbox-review__input" rows={4} value={text} onChange={(event) => setText(event.target.value)} aria-invalid={tooLong || undefined} />
        {tooLong && <p className="field-error">This reply is too long; shorten it to {MESSAGE_LIMIT.toLocaleString()} characters.</p>}
        <div className="button-row">
          <Button type="submit" variant="primary" small busy={busy && pending.action === "approve"} disabled={anyBusy || !trimmed || tooLong}>
            Send edited
          </Button>
          <Button
            small
            variant="ghost"
            disabled={busy}
            onClick={() => {
              setText(message.content);
              setEditing(false);
            }}
          >
            Cancel
          </Button>
        </div>
      </form>
    );
  }
  return (
    <div className="inbox-review button-row" role="group" aria-label="Review this draft">
      <Button variant="primary" small busy={busy && pending.action === "approve"} disabled={anyBusy} onClick={() => void onApprove(message.id)}>
        Approve
      </Button>
      <Button
        small
        disabled={anyBusy}
        onClick={() => {
          setText(message.content);
          setEditing(true);
        }}
      >
        Edit
      </Button>
      <Button small variant="danger" busy={busy && pending.action === "discard"} disabled={anyBusy} onClick={() => void onDiscard(message.id)}>
        Discard
      </Button>
    </div>
  );
}
