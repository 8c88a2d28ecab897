import { Fragment, useState } from "react";
import type { Agent, ApiKey } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { Button } from "../../components/Button.js";
import { ConfirmDialog } from "../../components/ConfirmDialog.js";
import { KeyUsage } from "./KeyUsage.js";
import { scopeLabel } from "./scopes.js";

interface KeyListProps {
  keys: readonly ApiKey[];
  agents: readonly Agent[];
  onRevoked: (key: ApiKey) => void;
}

const date = (iso: string | null, none: string) => (iso === null ? none : new Date(iso).toLocaleDateString());

export function KeyList({ keys, agents, onRevoked }: KeyListProps) {
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [showingUsage, setShowingUsage] = useState<string | null>(null);

  async function revoke() {
    if (!revoking) return;
    setBusy(true);
    setError(null);
    try {
      await api.revokeApiKey(revoking.id);
      onRevoked(revoking);
      setRevoking(null);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const agentNames = (key: ApiKey) =>
    key.agentIds === null ? "All" : key.agentIds.map((id) => agents.find((agent) => agent.id === id)?.name ?? "a deleted agent").join(", ");
  const expired = (key: ApiKey) => key.expiresAt !== null && key.expiresAt <= new Date().toISOString();

  return (
    <>
      <table className="table keys-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">May</th>
            <th scope="col">Agents</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Status</th>
            <th scope="col"><span className="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => {
            const live = key.revokedAt === null && !expired(key);
            return (
              <Fragment key={key.id}>
                <tr className={live ? undefined : "keys-revoked"}>
                  <td>{key.name}</td>
                  <td className="mono">{key.prefix}…</td>
                  <td>{key.scopes.map(scopeLabel).join(", ")}</td>
                  <td>{agentNames(key)}</td>
                  <td>{date(key.createdAt, "")}</td>
                  <td>{date(key.lastUsedAt, "Never")}</td>
                  <td>
                    {key.revokedAt !== null ? (
                      <span className="badge badge-muted">Revoked {date(key.revokedAt, "")}</span>
                    ) : expired(key) ? (
                      <span className="badge badge-muted">Expired</span>
                    ) : (
                      <span className="badge">{key.expiresAt === null ? "Active" : `Active until ${date(key.expiresAt, "")}`}</span>
                    )}
                  </td>
                  <td>
                    <div className="button-row">
                      <Button small variant="ghost" aria-expanded={showingUsage === key.id}
                        onClick={() => setShowingUsage(showingUsage === key.id ? null : key.id)} aria-label={`Usage of ${key.name}`}>
                        Usage
                      </Button>
                      {key.revokedAt === null && (
                        <Button small variant="danger" onClick={() => setRevoking(key)} aria-label={`Revoke ${key.name}`}>
                          Revoke
                        </Button>
                      )}
                    </div>
                  </td>
                </tr>
                {showingUsage === key.id && (
                  <tr>
                    <td colSpan={8}>
                      <KeyUsage keyId={key.id} keyName={key.name} agents={agents} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      <ConfirmDialog open={revoking !== null} title={`Revoke “${revoking?.name ?? ""}”?`} confirmLabel="Revoke key" danger busy={busy} error={error}
        onConfirm={() => void revoke()} onCancel={() => { setRevoking(null); setError(null); }}>
        <p>Every app using this key stops working at once. This cannot be undone; you can create a new key afterwards.</p>
      </ConfirmDialog>
    </>
  );
}
