/** A failure inside the chat, said in words, with the one action that can fix it. */
export function ChatError(props: {
  message: string;
  onRetry: () => void;
  retryLabel?: string;
  retryDisabled?: boolean;
  className?: string;
}) {
  return (
    <div className={props.className ? `${props.className} chat-error` : "chat-error"} role="alert">
      <p className="chat-error__message">{props.message}</p>
      <button type="button" className="chat-button" onClick={props.onRetry} disabled={props.retryDisabled}>
        {props.retryLabel ?? "Try again"}
      </button>
    </div>
  );
}
