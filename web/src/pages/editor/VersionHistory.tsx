import { useState } from "react";
import type { Agent } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { Button } from "../../components/Button.js";
import { ConfirmDialog } from "../../components/ConfirmDialog.js";
import { Dialog } from "../../components/Dialog.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Loading } from "../../components/Loading.js";
import { useAsync } from "../useAsync.js";
import { VersionDetails } from "./VersionDetails.js";

interface VersionHistoryProps {
  agent: Agent;
  dirty: boolean;
  onRestored: (agent: Agent) => void;
}

/** Every save is a version; restoring copies an old one forward as the newest (history is kept). */
export function VersionHistory({ agent, dirty, onRestored }: VersionHistoryProps) {
  const [versions, reload] = useAsync(() => api.listAgentVersions(agent.id).then((list) => list.versions), [agent.id, agent.version]);
  const [viewing, setViewing] = useState<number | null>(null);
  const [restoring, setRestoring] = useState<{ version: number; busy: boolean; error: unknown } | null>(null);

  async function restore() {
    if (!restoring) return;
    setRestoring({ ...restoring, busy: true, error: null });
    try {
      const restored = await api.restoreAgentVersion(agent.id, restoring.version);
      setRestoring(null);
      onRestored(restored);
    } catch (error) {
      setRestoring({ ...restoring, busy: false, error });
    }
  }

  return (
    <section className="card" aria-labelledby="versions-title">
      <h2 id="versions-title">Version history</h2>
      {versions.status === "loading" && <Loading label="Loading versions…" />}
      {versions.status === "error" && <ErrorMessage error={versions.error} title="Versions could not be loaded" onRetry={reload} />}
      {versions.status === "done" && (
        <ol className="versions" aria-label="Versions, newest first">
          {[...versions.value].sort((a, b) => b.version - a.version).map((version) => (
            <li key={version.version}>
              <span className="version-meta">
                <strong>Version {version.version}</strong>
                {version.version === agent.version && <span className="badge badge-muted"> current</span>}
                <small>
                  {new Date(version.createdAt).toLocaleString()} · {version.name}
                </small>
              </span>
              <Button small variant="ghost" onClick={() => setViewing(version.version)} aria-label={`View version ${version.version}`}>
                View
              </Button>
              {version.version !== agent.version && (
                <Button small onClick={() => setRestoring({ version: version.version, busy: false, error: null })}
                  aria-label={`Restore version ${version.version}`}>
                  Restore
                </Button>
              )}
            </li>
          ))}
        </ol>
      )}
      <Dialog open={viewing !== null} title={`Version ${viewing ?? ""}`} onClose={() => setViewing(null)} wide>
        {viewing !== null && <VersionDetails agentId={agent.id} version={viewing} />}
        <div className="dialog-actions">
          <Button onClick={() => setViewing(null)}>Close</Button>
        </div>
      </Dialog>
      <ConfirmDialog
        open={restoring !== null}
        title={`Restore version ${restoring?.version ?? ""}?`}
        confirmLabel="Restore"
        busy={restoring?.busy}
        error={restoring?.error}
        onConfirm={() => void restore()}
        onCancel={() => setRestoring(null)}
      >
        <p>It becomes the newest version; the versions after it stay in the history.</p>
        {dirty && <p className="dirty">Your unsaved changes will be lost.</p>}
      </ConfirmDialog>
    </section>
  );
}
