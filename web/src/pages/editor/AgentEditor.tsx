import { useEffect, useRef, useState, type FormEvent } from "react";
import { useBlocker, useNavigate } from "react-router";
import { AtelierError, type Agent, type AgentProfileInput } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { Button, ButtonLink } from "../../components/Button.js";
import { ConfirmDialog } from "../../components/ConfirmDialog.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { fieldIssues } from "../../components/errors.js";
import { useAsync } from "../useAsync.js";
import type { ImportReport } from "../home/import-state.js";
import { AvatarUpload } from "./AvatarUpload.js";
import { ExportMenu } from "./ExportMenu.js";
import { ImportNotice } from "./ImportNotice.js";
import { ModelFields } from "./ModelFields.js";
import { PreviewPanel } from "./PreviewPanel.js";
import { BehaviourFields, IdentityFields, PersonaFields } from "./ProfileFields.js";
import { useEditorState } from "./useEditorState.js";
import { VersionHistory } from "./VersionHistory.js";

export type EditorProps =
  | { agent: Agent; notice?: string; imported?: ImportReport }
  | { start: AgentProfileInput; source: string };

/** The whole agent on one page: the form, a live preview of the saved agent, and its version history. */
export function AgentEditor(props: EditorProps) {
  const editor = useEditorState(props);
  const { agent, form, dirty, saving, error } = editor;
  const navigate = useNavigate();
  const [status, setStatus] = useState("notice" in props ? (props.notice ?? "") : "");
  const [models] = useAsync(() => api.models(), []);
  const formRef = useRef<HTMLFormElement>(null);
  const leavingRef = useRef(false);
  const issues = fieldIssues(error);
  const conflict = AtelierError.is(error, "conflict");

  // Any navigation counts, including Back from a new agent to the template picker (same path).
  const blocker = useBlocker(({ currentLocation, nextLocation }) =>
    dirty && !leavingRef.current && currentLocation.key !== nextLocation.key,
  );
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  // After a failed save, take keyboard and screen-reader users to the first field that needs attention.
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [error]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const outcome = await editor.save();
    if (outcome.kind === "created") {
      leavingRef.current = true;
      navigate(`/agents/${encodeURIComponent(outcome.agent.id)}/edit`, { replace: true, state: { created: true } });
    } else if (outcome.kind === "saved") {
      setStatus(`Saved as version ${outcome.agent.version}.`);
    } else if (outcome.kind === "unchanged") {
      setStatus("Nothing to save: no changes since the last version.");
    } else {
      setStatus("");
    }
  }

  return (
    <>
      <div className="page-header">
        <div>
          <h1>{agent ? `Edit ${agent.name}` : "New agent"}</h1>
          <p>{agent ? `Version ${agent.version} · @${agent.handle}` : "Review everything, then save. Nothing is saved until you do."}</p>
        </div>
        {agent && (
          <div className="button-row">
            <ButtonLink to={`/agents/${encodeURIComponent(agent.id)}/knowledge`} variant="secondary">
              Knowledge
            </ButtonLink>
            <ButtonLink to={`/agents/${encodeURIComponent(agent.id)}/lorebook`} variant="secondary">
              Lorebook
            </ButtonLink>
            <ButtonLink to={`/agents/${encodeURIComponent(agent.id)}/memory`} variant="secondary">
              Memory
            </ButtonLink>
            <ButtonLink to={`/agents/${encodeURIComponent(agent.id)}/publish`} variant="secondary">
              Publish
            </ButtonLink>
            <ButtonLink to={`/agents/${encodeURIComponent(agent.id)}/chat`} variant="secondary">
              Open full chat
            </ButtonLink>
            <ExportMenu agentId={agent.id} dirty={dirty} />
          </div>
        )}
      </div>
      {"imported" in props && props.imported && <ImportNotice report={props.imported} agentName={agent?.name ?? ""} />}
      {"source" in props && !agent && (
        <p className="alert alert-info">
          <strong>Started from {props.source}.</strong> Change anything you like; your agent is created when you press “Create agent”.
        </p>
      )}
      <div className="editor-layout">
        <form ref={formRef} onSubmit={(event) => void submit(event)} noValidate aria-label="Agent profile">
          <IdentityFields form={form} update={editor.update} issues={issues}
            avatarUpload={<AvatarUpload agent={agent} name={form.name} src={form.avatar} onUploaded={(updated) => {
              editor.adopt(updated);
              setStatus(`Picture saved as version ${updated.version}.`);
            }} />} />
          <PersonaFields form={form} update={editor.update} issues={issues} />
          <BehaviourFields form={form} update={editor.update} issues={issues} />
          <ModelFields value={form.model} onChange={(model) => editor.update("model", model)} issues={issues}
            models={models.status === "done" ? models.value : null} />
          {conflict ? (
            <div className="alert" role="alert">
              <p>
                <strong>Someone saved a newer version while you were editing.</strong> Reload it to see their changes (yours here
                will be discarded), or copy what you wrote first.
              </p>
              <Button small onClick={() => void editor.reloadLatest()}>
                Reload the latest version
              </Button>
            </div>
          ) : (
            error !== null && <ErrorMessage error={error} title="Not saved" />
          )}
          <div className="editor-actions">
            <Button type="submit" variant="primary" busy={saving}>
              {agent ? "Save" : "Create agent"}
            </Button>
            {agent && dirty && (
              <Button variant="ghost" onClick={editor.discard}>
                Discard changes
              </Button>
            )}
            <span role="status" className={dirty ? "dirty" : "saved"}>
              {saving ? "Saving…" : dirty ? "Unsaved changes" : status || "All changes saved"}
            </span>
          </div>
        </form>
        <aside className="editor-side" aria-label="Preview and history">
          <PreviewPanel agent={agent} dirty={dirty} />
          {agent && (
            <VersionHistory
              agent={agent}
              dirty={dirty}
              onRestored={(restored) => {
                editor.load(restored);
                setStatus(`Restored as version ${restored.version}.`);
              }}
            />
          )}
        </aside>
      </div>
      <ConfirmDialog
        open={blocker.state === "blocked"}
        title="Leave without saving?"
        confirmLabel="Leave and discard"
        danger
        onConfirm={() => blocker.proceed?.()}
        onCancel={() => blocker.reset?.()}
      >
        <p>Your changes to this agent have not been saved.</p>
      </ConfirmDialog>
    </>
  );
}
