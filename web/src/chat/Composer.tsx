import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { MESSAGE_LIMIT } from "./format.js";
import type { Streaming } from "./useChat.js";

export interface ComposerProps {
  agentName: string;
  streaming: Streaming | null;
  /** False while the conversation cannot take messages (loading, failed to load). */
  ready: boolean;
  onSend(content: string): void;
  onStop(): void;
}

export function Composer({ agentName, streaming, ready, onSend, onStop }: ComposerProps) {
  const [draft, setDraft] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);
  const stopButton = useRef<HTMLButtonElement>(null);
  // Set when a send came from the composer, so focus follows the keyboard user to Stop and back.
  const keyboardFlow = useRef(false);
  const inputId = useId();
  const hintId = useId();

  const busy = streaming !== null;
  const over = draft.length - MESSAGE_LIMIT;
  const canSend = ready && !busy && draft.trim() !== "" && over <= 0;

  useEffect(() => {
    if (!keyboardFlow.current) return;
    if (busy) stopButton.current?.focus();
    else {
      keyboardFlow.current = false;
      input.current?.focus();
    }
  }, [busy]);

  const send = () => {
    if (!canSend) return;
    keyboardFlow.current = true;
    onSend(draft.trim());
    setDraft("");
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    send();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter while an input method composes a word confirms the word, not the message.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };

  return (
    <form className="chat-composer" onSubmit={onSubmit}>
      <label htmlFor={inputId} className="chat-visually-hidden">
        Message {agentName}
      </label>
      <textarea
        id={inputId}
        ref={input}
        className="chat-composer__input"
        value={draft}
        rows={2}
        placeholder={`Message ${agentName}…`}
        disabled={busy || !ready}
        aria-describedby={hintId}
        aria-invalid={over > 0}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="chat-composer__bar">
        <p id={hintId} className={`chat-composer__hint${over > 0 ? " chat-composer__hint--danger" : ""}`}>
          {over > 0
            ? `This message is ${over.toLocaleString()} characters too long (the limit is ${MESSAGE_LIMIT.toLocaleString()}). Shorten it or send it in parts.`
            : draft.length > MESSAGE_LIMIT * 0.9
              ? `${(MESSAGE_LIMIT - draft.length).toLocaleString()} characters left`
              : "Enter to send, Shift+Enter for a new line"}
        </p>
        {busy ? (
          <button ref={stopButton} type="button" className="chat-button chat-button--stop" onClick={onStop} aria-disabled={streaming.stopping}>
            {streaming.stopping ? "Stopping…" : "Stop"}
          </button>
        ) : (
          <button type="submit" className="chat-button chat-button--primary" disabled={!canSend}>
            Send
          </button>
        )}
      </div>
    </form>
  );
}
