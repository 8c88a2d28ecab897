import type { Agent } from "../../../../src/contracts/index.js";
import { ChatPanel } from "../../chat/index.js";

/** The preview talks to the saved agent: what visitors would get right now. */
export function PreviewPanel({ agent, dirty }: { agent: Agent | null; dirty: boolean }) {
  return (
    <section className="card" aria-labelledby="preview-title">
      <h2 id="preview-title">Try it</h2>
      {agent ? (
        <>
          {dirty && <p className="muted">The preview uses the last saved version. Save to try your changes.</p>}
          <ChatPanel agent={agent} preview />
        </>
      ) : (
        <p className="muted">Create the agent to chat with it here while you fine-tune it.</p>
      )}
    </section>
  );
}
