import { useId, useState } from "react";
import type { Memory } from "../../../src/contracts/memory.js";
import { api } from "../api.js";
import { ConfirmDialog } from "../components/ConfirmDialog.js";
import { errorText } from "../components/errors.js";

type PanelState = { status: "closed" } | { status: "loading" } | { status: "failed"; message: string } | { status: "ready"; memories: Memory[] };

/**
 * "What do you remember about me?": the visitor's own memories with this agent, straight from the
 * store, and a way to clear them. Nobody else's memories can come back from these calls.
 */
export function MemoryPanel({ agentId, agentName }: { agentId: string; agentName: string }) {
  const [state, setState] = useState<PanelState>({ status: "closed" });
  const [confirming, setConfirming] = useState<{ busy: boolean; error: unknown } | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const panelId = useId();
  const open = state.status !== "closed";

  async function load() {
    setState({ status: "loading" });
    try {
      setState({ status: "ready", memories: await api.ownMemories(agentId) });
    } catch (error) {
      setState({ status: "failed", message: errorText(error) });
    }
  }

  async function forget() {
    setConfirming({ busy: true, error: null });
    try {
      await api.forgetMe(agentId);
      setState({ status: "ready", memories: [] });
      setConfirming(null);
      setAnnouncement(`${agentName} forgot everything about you.`);
    } catch (error) {
      setConfirming({ busy: false, error });
    }
  }

  return (
    <div className="share-memory">
      <button type="button" className="chat-button share-memory__toggle" aria-expanded={open} aria-controls={open ? panelId : undefined}
        onClick={() => (open ? setState({ status: "closed" }) : void load())}>
        What do you remember about me?
      </button>
      {open && (
        <section id={panelId} className="share-memory__panel" aria-label={`What ${agentName} remembers about you`}>
          {state.status === "loading" && <p className="share-state" role="status">Looking…</p>}
          {state.status === "failed" && (
            <p className="share-memory__error" role="alert">
              Your memories could not be loaded: {state.message}{" "}
              <button type="button" className="chat-button" onClick={() => void load()}>
                Try again
              </button>
            </p>
          )}
          {state.status === "ready" && state.memories.length === 0 && (
            <p className="share-memory__empty">
              {agentName} remembers nothing about you. It may note things you tell it (your name, what you like) to use in your
              later conversations; you can clear them here at any time.
            </p>
          )}
          {state.status === "ready" && state.memories.length > 0 && (
            <>
              <p className="share-memory__intro">{agentName} remembers:</p>
              <ul className="share-memory__list">
                {state.memories.map((memory) => (
                  <li key={memory.id}>{memory.content}</li>
                ))}
              </ul>
              <button type="button" className="chat-button share-memory__forget" onClick={() => setConfirming({ busy: false, error: null })}>
                Forget me
              </button>
            </>
          )}
        </section>
      )}
      <p className="chat-visually-hidden" role="status">
        {announcement}
      </p>
      <ConfirmDialog open={confirming !== null} title={`Make ${agentName} forget you?`} confirmLabel="Forget me" danger
        busy={confirming?.busy} error={confirming?.error} onConfirm={() => void forget()} onCancel={() => setConfirming(null)}>
        <p>Everything {agentName} remembers about you is deleted for good. Your conversations stay.</p>
      </ConfirmDialog>
    </div>
  );
}
