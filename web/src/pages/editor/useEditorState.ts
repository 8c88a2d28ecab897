import { useCallback, useState } from "react";
import { AtelierError, type Agent, type AgentProfileInput } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { clearedModelSettings, formFromProfile, isDirty, patchFromForm, profileFromForm, type AgentForm } from "./form-state.js";

export type SaveOutcome = { kind: "created"; agent: Agent } | { kind: "saved"; agent: Agent } | { kind: "unchanged" } | { kind: "failed" };

/**
 * The editor's form, the last saved agent it is compared with, and saving. Each save is one PATCH of
 * the changed fields, conditional on the version it was edited from, so two people never silently
 * overwrite each other.
 */
export function useEditorState(initial: { agent: Agent } | { start: AgentProfileInput }) {
  const [agent, setAgent] = useState<Agent | null>("agent" in initial ? initial.agent : null);
  const [saved, setSaved] = useState<AgentForm>(() => formFromProfile("agent" in initial ? initial.agent : initial.start));
  const [form, setForm] = useState<AgentForm>(saved);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const update = useCallback(<K extends keyof AgentForm>(key: K, value: AgentForm[K]) => {
    setForm((current) => ({ ...current, [key]: value }));
  }, []);

  const load = useCallback((next: Agent) => {
    const nextForm = formFromProfile(next);
    setAgent(next);
    setSaved(nextForm);
    setForm(nextForm);
    setError(null);
  }, []);

  /**
   * A version saved outside the form (an uploaded avatar): it becomes the base for the next save,
   * while edits in progress stay. Only its avatar is copied into the form.
   */
  const adopt = useCallback((next: Agent) => {
    const nextSaved = formFromProfile(next);
    setAgent(next);
    setSaved(nextSaved);
    setForm((current) => ({ ...current, avatar: nextSaved.avatar }));
  }, []);

  async function save(): Promise<SaveOutcome> {
    setSaving(true);
    setError(null);
    try {
      if (!agent) return { kind: "created", agent: await api.createAgent(profileFromForm(form)) };
      const cleared = clearedModelSettings(form.model, saved.model);
      if (cleared.length) {
        throw new AtelierError("validation_failed", `The ${cleared.join(" and ")} need a value.`);
      }
      const patch = patchFromForm(form, saved);
      if (Object.keys(patch).length === 0) return { kind: "unchanged" };
      const updated = await api.updateAgent(agent.id, patch, { expectedVersion: agent.version });
      load(updated);
      return { kind: "saved", agent: updated };
    } catch (caught) {
      setError(caught);
      return { kind: "failed" };
    } finally {
      setSaving(false);
    }
  }

  /** After a conflict: take the newest saved version, dropping local edits. */
  async function reloadLatest(): Promise<void> {
    if (!agent) return;
    try {
      load(await api.getAgent(agent.id));
    } catch (caught) {
      setError(caught);
    }
  }

  // Nothing of a new agent exists until its first save, so it always has unsaved changes.
  const dirty = agent ? isDirty(form, saved) : true;
  return { agent, form, setForm, update, saved, dirty, saving, error, save, load, adopt, reloadLatest, discard: () => setForm(saved) };
}
