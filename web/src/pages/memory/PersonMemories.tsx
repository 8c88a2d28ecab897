import { useEffect, useState } from "react";
import type { Memory, RememberedPerson } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { Button } from "../../components/Button.js";
import { ConfirmDialog } from "../../components/ConfirmDialog.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Loading } from "../../components/Loading.js";
import { useAsync } from "../useAsync.js";
import { memoryCount } from "./format.js";
import { MemoryForm, MemoryItem } from "./MemoryItem.js";

interface PersonMemoriesProps {
  agentId: string;
  agentName: string;
  person: RememberedPerson;
  /** The person's memory count changed (added, deleted), or all were forgotten (0). */
  onCount: (count: number) => void;
  onAnnounce: (text: string) => void;
}

type Pending = { kind: "delete"; memory: Memory } | { kind: "forget" };

/** What the agent remembers about one person: edit, delete, add, or forget them entirely. */
export function PersonMemories({ agentId, agentName, person, onCount, onAnnounce }: PersonMemoriesProps) {
  const [state, reload, setMemories] = useAsync(() => api.memories(agentId, person.participantId), [agentId, person.participantId]);
  const [pending, setPending] = useState<{ action: Pending; busy: boolean; error: unknown } | null>(null);
  const memories = state.status === "done" ? state.value : [];

  useEffect(() => {
    if (state.status === "done") onCount(state.value.length);
  }, [state, onCount]);

  async function confirm() {
    if (!pending) return;
    const { action } = pending;
    setPending({ action, busy: true, error: null });
    try {
      if (action.kind === "delete") {
        await api.deleteMemory(agentId, action.memory.id);
        setMemories(memories.filter((memory) => memory.id !== action.memory.id));
        onAnnounce("Memory deleted.");
      } else {
        await api.forgetPerson(agentId, person.participantId);
        setMemories([]);
        onAnnounce(`${agentName} forgot everything about ${person.label}.`);
      }
      setPending(null);
    } catch (error) {
      setPending({ action, busy: false, error });
    }
  }

  return (
    <section className="card memory-person-card" aria-labelledby="memory-person-title">
      <div className="memory-person-card__head">
        <div>
          <h2 id="memory-person-title">{person.label}</h2>
          <p className="muted">{state.status === "done" ? memoryCount(memories.length) : "\u00a0"}</p>
        </div>
        <Button small variant="danger" onClick={() => setPending({ action: { kind: "forget" }, busy: false, error: null })}
          disabled={state.status !== "done" || memories.length === 0}>
          Forget this person
        </Button>
      </div>
      {state.status === "loading" && <Loading label="Loading the memories…" />}
      {state.status === "error" && <ErrorMessage error={state.error} title="The memories could not be loaded" onRetry={reload} />}
      {state.status === "done" && memories.length === 0 && (
        <p className="muted">
          {agentName} remembers nothing about {person.label} now. New memories are noted from their next conversations, or add
          one below.
        </p>
      )}
      {memories.length > 0 && (
        <ul className="memory-list" aria-label={`Memories of ${person.label}`}>
          {memories.map((memory) => (
            <li key={memory.id}>
              <MemoryItem
                memory={memory}
                onSave={async (change) => {
                  const updated = await api.updateMemory(agentId, memory.id, change);
                  setMemories(memories.map((old) => (old.id === updated.id ? updated : old)));
                  onAnnounce("Memory saved.");
                }}
                onDelete={() => setPending({ action: { kind: "delete", memory }, busy: false, error: null })}
              />
            </li>
          ))}
        </ul>
      )}
      {state.status === "done" && (
        <div className="memory-add">
          <h3>Add a memory</h3>
          <MemoryForm
            key={memories.length}
            title={`Add a memory about ${person.label}`}
            initial={{ kind: "fact", content: "" }}
            submitLabel="Add memory"
            onSubmit={async (value) => {
              const created = await api.createMemory(agentId, person.participantId, value);
              setMemories([...memories, created]);
              onAnnounce("Memory added.");
            }}
          />
        </div>
      )}
      <ConfirmDialog
        open={pending !== null}
        title={pending?.action.kind === "forget" ? `Forget ${person.label}?` : "Delete this memory?"}
        confirmLabel={pending?.action.kind === "forget" ? "Forget this person" : "Delete memory"}
        danger
        busy={pending?.busy}
        error={pending?.error}
        onConfirm={() => void confirm()}
        onCancel={() => setPending(null)}
      >
        {pending?.action.kind === "forget" ? (
          <p>
            Everything {agentName} remembers about {person.label} is deleted for good. Their conversations stay; {agentName} may
            note new things from them later.
          </p>
        ) : (
          <p>“{pending?.action.kind === "delete" ? pending.action.memory.content : ""}” is deleted for good.</p>
        )}
      </ConfirmDialog>
    </section>
  );
}
