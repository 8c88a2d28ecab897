import { useEffect, useId, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { Link } from "react-router";
import type { InboxConversation } from "../../../../src/contracts/publish.js";
import { MESSAGE_LIMIT } from "../../chat/format.js";
import { Button } from "../../components/Button.js";
import { EarlierSummary } from "../../components/EarlierSummary.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Loading } from "../../components/Loading.js";
import { CHANNEL_LABEL, participantLabel } from "./format.js";
import { ThreadMessage } from "./ThreadMessage.js";
import type { LiveListener } from "./useInbox.js";
import { useThread } from "./useThread.js";

export interface InboxThreadProps {
  conversationId: string;
  /** The list's summary, when the row is loaded: names the agent before the thread arrives. */
  summary: InboxConversation | undefined;
  userId: string;
  subscribe(listener: LiveListener): () => void;
  onRead(id: string): void;
}

/** How close to the bottom (px) still counts as following the conversation. */
const FOLLOW_SLACK = 80;

/** The open conversation: its messages live, takeover and hand-back, the owner's composer and draft review. */
export function InboxThread({ conversationId, summary, userId, subscribe, onRead }: InboxThreadProps) {
  const thread = useThread(conversationId, subscribe, onRead);
  const { load, conversation, messages, streaming, pending, actionError } = thread;
  const log = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const headingId = useId();

  useLayoutEffect(() => {
    const element = log.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [messages]);

  const who = conversation ? participantLabel(conversation, userId) : summary ? participantLabel(summary, userId) : "Conversation";
  const agentName = summary?.agentName;
  const ownerMode = conversation?.mode === "owner";
  const drafts = messages.filter((message) => message.review === "pending").length;

  return (
    <section className="inbox-thread" aria-labelledby={headingId}>
      <header className="inbox-thread__header">
        <Link className="inbox-thread__back" to="/inbox">
          ← All conversations
        </Link>
        <div className="inbox-thread__title">
          <h2 id={headingId}>
            {who}
            {agentName && <span className="inbox-thread__agent"> with {agentName}</span>}
          </h2>
          {conversation && (
            <p className="inbox-thread__sub">
              <span className="inbox-badge">{CHANNEL_LABEL[conversation.channel]}</span>
              {conversation.title && <span className="inbox-thread__conv-title">{conversation.title}</span>}
            </p>
          )}
        </div>
        {conversation && load.state === "ready" && (
          <div className="inbox-thread__actions">
            {ownerMode ? (
              <Button busy={pending?.action === "hand-back"} disabled={pending !== null} onClick={() => void thread.handBack()}>
                Hand back to AI
              </Button>
            ) : (
              <Button variant="primary" busy={pending?.action === "take-over"} disabled={pending !== null} onClick={() => void thread.takeOver()}>
                Take over
              </Button>
            )}
          </div>
        )}
      </header>

      {ownerMode && (
        <p className="alert alert-warning inbox-thread__banner" role="status">
          <strong>You have taken over.</strong> The AI is paused in this conversation and will not reply until you hand it back.
        </p>
      )}
      {drafts > 0 && !ownerMode && (
        <p className="alert alert-info inbox-thread__banner" role="status">
          <strong>{drafts === 1 ? "1 reply waits" : `${drafts} replies wait`} for your review.</strong> Approve, edit or discard it below.
        </p>
      )}
      {actionError && (
        <p className="alert inbox-thread__banner" role="alert">
          <strong>That did not work.</strong> {actionError}
        </p>
      )}

      {load.state === "loading" && <Loading label="Opening the conversation…" />}
      {load.state === "failed" && <ErrorMessage error={load.error} title="The conversation could not be opened" onRetry={thread.reload} />}
      {load.state === "deleted" && (
        <p className="alert alert-info" role="status">
          <strong>This conversation was deleted.</strong> <Link to="/inbox">Back to the inbox</Link>
        </p>
      )}
      {load.state === "ready" && (
        <div
          ref={log}
          className="inbox-log"
          role="log"
          tabIndex={0}
          aria-label={`Messages with ${who}`}
          aria-busy={streaming.size > 0}
          onScroll={() => {
            const element = log.current;
            if (element) following.current = element.scrollHeight - element.scrollTop - element.clientHeight < FOLLOW_SLACK;
          }}
        >
          <EarlierSummary summary={thread.summary} />
          {messages.length === 0 && <p className="inbox-log__empty">No messages yet.</p>}
          {messages.map((message) => (
            <ThreadMessage
              key={message.id}
              message={message}
              streaming={streaming.has(message.id)}
              pending={pending}
              onApprove={thread.approve}
              onDiscard={thread.discard}
            />
          ))}
        </div>
      )}
      {load.state === "ready" && ownerMode && <OwnerComposer busy={pending?.action === "send"} onSend={thread.send} />}
    </section>
  );
}

function OwnerComposer({ busy, onSend }: { busy: boolean; onSend(content: string): Promise<boolean> }) {
  const [draft, setDraft] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);
  const inputId = useId();
  const hintId = useId();
  const over = draft.length - MESSAGE_LIMIT;
  const canSend = !busy && draft.trim() !== "" && over <= 0;

  // The composer appears on takeover: put the owner's cursor in it.
  useEffect(() => input.current?.focus(), []);

  const send = async () => {
    if (!canSend) return;
    if (await onSend(draft.trim())) setDraft("");
    input.current?.focus();
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void send();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  return (
    <form className="inbox-composer" onSubmit={onSubmit}>
      <label htmlFor={inputId} className="field-label">
        Reply as yourself
      </label>
      <textarea
        id={inputId}
        ref={input}
        className="input inbox-composer__input"
        rows={2}
        value={draft}
        placeholder="Write to the visitor…"
        aria-describedby={hintId}
        aria-invalid={over > 0 || undefined}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="inbox-composer__bar">
        <p id={hintId} className={over > 0 ? "field-error" : "inbox-composer__hint"}>
          {over > 0
            ? `This message is ${over.toLocaleString()} characters too long. Shorten it or send it in parts.`
            : "Enter to send, Shift+Enter for a new line. The visitor sees it as from a person."}
        </p>
        <Button type="submit" variant="primary" busy={busy} disabled={!canSend}>
          Send
        </Button>
      </div>
    </form>
  );
}
