import { useId, useState } from "react";
import type { Message } from "../../../src/contracts/chat.js";
import { formatMs } from "./format.js";

/** Model and timing of one reply, shown on demand so the conversation itself stays calm. */
export function MessageDetails({ message }: { message: Message }) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const usage = message.usage;
  return (
    <>
      <button type="button" className="chat-action" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen(!open)}>
        Details
      </button>
      {open && (
        <dl id={panelId} className="chat-details" aria-label="Reply details">
          <dt>Model</dt>
          <dd className="chat-details__model">{message.model ?? "—"}</dd>
          <dt>Agent version</dt>
          <dd>{message.agentVersion ?? "—"}</dd>
          <dt>Time to first token</dt>
          <dd>{formatMs(message.firstTokenMs)}</dd>
          <dt>Total time</dt>
          <dd>{formatMs(message.durationMs)}</dd>
          <dt>Tokens</dt>
          <dd>{usage ? `${usage.completionTokens} written, ${usage.promptTokens} in the prompt` : "—"}</dd>
        </dl>
      )}
    </>
  );
}
