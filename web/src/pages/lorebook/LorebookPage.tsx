import { useEffect, useState, type FormEvent } from "react";
import { useBlocker } from "react-router";
import { AtelierError, type Agent } from "../../../../src/contracts/index.js";
import { Button } from "../../components/Button.js";
import { ConfirmDialog } from "../../components/ConfirmDialog.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Loading } from "../../components/Loading.js";
import { AgentSubPage, AgentSubPageHeader } from "../AgentSubPage.js";
import { BookSettings } from "./BookSettings.js";
import { EntryList, entryTitle } from "./EntryList.js";
import { LorebookFiles } from "./LorebookFiles.js";
import { TryMessage } from "./TryMessage.js";
import { entryIssues, SaveError } from "./SaveError.js";
import { useLorebook } from "./useLorebook.js";
import "./lorebook.css";

/** /agents/:agentId/lorebook: world info the agent is reminded of when a conversation mentions its keys. */
export function LorebookPage() {
  return <AgentSubPage>{(agent) => <LorebookManager key={agent.id} agent={agent} />}</AgentSubPage>;
}

function LorebookManager({ agent }: { agent: Agent }) {
  const lore = useLorebook(agent.id);
  const { state, draft, dirty, error } = lore;
  const [openId, setOpenId] = useState<string | null>(null);
  const [status, setStatus] = useState("");
  const conflict = AtelierError.is(error, "conflict");

  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname);
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setStatus("");
    if (await lore.save()) setStatus("Lorebook saved.");
  }

  return (
    <>
      <AgentSubPageHeader agent={agent} title={`Lorebook of ${agent.name}`} description={`Facts about ${agent.name}'s world, added to the prompt only when a conversation mentions them.`} />
      {state.status === "loading" && <Loading label="Loading the lorebook…" />}
      {state.status === "error" && <ErrorMessage error={state.error} title="The lorebook could not be loaded" onRetry={lore.reload} />}
      {state.status === "done" && draft && (
        <>
          <form onSubmit={(event) => void submit(event)} noValidate aria-label="Lorebook">
            <BookSettings book={draft} onChange={lore.setSettings} />
            <section className="card lore-entries-card" aria-labelledby="lore-entries-title">
              <div className="lore-entries-head">
                <h2 id="lore-entries-title">Entries</h2>
                <Button small onClick={() => {
                  const entry = lore.addEntry();
                  setOpenId(entry.id);
                  setStatus("Entry added. Give it keys and content, then save.");
                }}>
                  Add entry
                </Button>
              </div>
              {draft.entries.length === 0 ? (
                <EmptyLorebook agentName={agent.name} />
              ) : (
                <EntryList book={draft} openId={openId} issues={entryIssues(error)} onOpen={setOpenId} onChange={lore.updateEntry}
                  onRemove={(entry) => {
                    const index = draft.entries.indexOf(entry);
                    lore.removeEntry(entry.id);
                    setStatus(`Deleted ${entryTitle(entry, index)}. Save to keep the change.`);
                  }} />
              )}
            </section>
            {conflict ? (
              <div className="alert" role="alert">
                <p>
                  <strong>Someone else changed this lorebook since you opened it.</strong> Reload it to see their changes (yours
                  here will be discarded), or copy what you wrote first.
                </p>
                <Button small onClick={() => {
                  setOpenId(null);
                  void lore.refresh();
                }}>
                  Reload the lorebook
                </Button>
              </div>
            ) : (
              error !== null && <SaveError error={error} entries={draft.entries} />
            )}
            <div className="editor-actions">
              <Button type="submit" variant="primary" busy={lore.saving}>
                Save lorebook
              </Button>
              {dirty && (
                <Button variant="ghost" onClick={() => lore.discard()}>
                  Discard changes
                </Button>
              )}
              <span role="status" className={dirty ? "dirty" : "saved"}>
                {lore.saving ? "Saving…" : dirty ? "Unsaved changes" : status || "All changes saved"}
              </span>
            </div>
          </form>
          <TryMessage agentId={agent.id} dirty={dirty} />
          <LorebookFiles agentId={agent.id} dirty={dirty} onImported={() => {
            setOpenId(null);
            void lore.refresh();
          }} />
        </>
      )}
      <ConfirmDialog open={blocker.state === "blocked"} title="Leave without saving?" confirmLabel="Leave and discard" danger
        onConfirm={() => blocker.proceed?.()} onCancel={() => blocker.reset?.()}>
        <p>Your changes to this lorebook have not been saved.</p>
      </ConfirmDialog>
    </>
  );
}

function EmptyLorebook({ agentName }: { agentName: string }) {
  return (
    <div className="lore-empty">
      <h3>No entries yet</h3>
      <p>
        An entry is a piece of {agentName}'s world (a place, a person, a rule) with keys such as “castle” or “Captain Reyes”.
        When a recent message mentions a key, the entry's text is added to the prompt, so {agentName} knows it exactly when it
        matters without carrying everything all the time. Add one here, or import a SillyTavern World Info file below.
      </p>
    </div>
  );
}
