import { useState } from "react";
import type { CreatedWebhook, Webhook } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { Button } from "../../components/Button.js";
import { ConfirmDialog } from "../../components/ConfirmDialog.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { DeliveryTable } from "./DeliveryTable.js";
import { EVENTS } from "./events.js";
import { useDeliveries } from "./useDeliveries.js";

interface WebhookItemProps {
  webhook: Webhook;
  onChanged: (webhook: Webhook) => void;
  onDeleted: (webhook: Webhook) => void;
  onRotated: (created: CreatedWebhook) => void;
}

type Confirming = { action: "delete" | "rotate"; busy: boolean; error: unknown };

/** One webhook: its settings, the actions on it, and its recent deliveries. */
export function WebhookItem({ webhook, onChanged, onDeleted, onRotated }: WebhookItemProps) {
  const deliveries = useDeliveries(webhook.id);
  const [busy, setBusy] = useState<"toggle" | "test" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const [confirming, setConfirming] = useState<Confirming | null>(null);
  const titleId = `webhook-${webhook.id}-title`;

  async function run(kind: "toggle" | "test", action: () => Promise<void>) {
    setBusy(kind);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  }

  const toggle = () => run("toggle", async () => {
    const updated = await api.updateWebhook(webhook.id, { enabled: !webhook.enabled });
    onChanged(updated);
    setNotice(updated.enabled ? "Webhook enabled." : "Webhook disabled: nothing is sent until you enable it again.");
  });

  const test = () => run("test", async () => {
    await api.testWebhook(webhook.id);
    deliveries.refresh();
    setNotice("Test queued: watch its status below.");
  });

  async function confirm() {
    if (!confirming) return;
    setConfirming({ ...confirming, busy: true, error: null });
    try {
      if (confirming.action === "delete") {
        await api.deleteWebhook(webhook.id);
        onDeleted(webhook);
      } else {
        onRotated(await api.rotateWebhookSecret(webhook.id));
      }
      setConfirming(null);
    } catch (caught) {
      setConfirming({ ...confirming, busy: false, error: caught });
    }
  }

  const labels = EVENTS.filter((event) => webhook.events.includes(event.type)).map((event) => event.label);
  return (
    <article className="webhooks-item" aria-labelledby={titleId}>
      <div className="webhooks-item-head">
        <div className="webhooks-item-title">
          <h3 id={titleId} className="mono">{webhook.url}</h3>
          {webhook.description && <p className="muted">{webhook.description}</p>}
          <p className="webhooks-meta">
            <span className={webhook.enabled ? "badge" : "badge badge-muted"}>{webhook.enabled ? "Enabled" : "Disabled"}</span>{" "}
            {labels.join(", ")}
          </p>
        </div>
        <div className="button-row webhooks-actions">
          <Button small onClick={() => void test()} busy={busy === "test"} disabled={!webhook.enabled} aria-label={`Send a test to ${webhook.url}`}>
            Send test
          </Button>
          <Button small onClick={() => void toggle()} busy={busy === "toggle"} aria-label={`${webhook.enabled ? "Disable" : "Enable"} ${webhook.url}`}>
            {webhook.enabled ? "Disable" : "Enable"}
          </Button>
          <Button small onClick={() => setConfirming({ action: "rotate", busy: false, error: null })} aria-label={`New signing secret for ${webhook.url}`}>
            New secret
          </Button>
          <Button small variant="danger" onClick={() => setConfirming({ action: "delete", busy: false, error: null })} aria-label={`Delete ${webhook.url}`}>
            Delete
          </Button>
        </div>
      </div>
      {error !== null && <ErrorMessage error={error} title="That did not work" />}
      <p className="status-line" role="status">{notice}</p>
      <h4>Recent deliveries</h4>
      <DeliveryTable state={deliveries.state} onRetry={deliveries.refresh} />
      <ConfirmDialog
        open={confirming !== null}
        title={confirming?.action === "rotate" ? "Replace the signing secret?" : "Delete this webhook?"}
        confirmLabel={confirming?.action === "rotate" ? "Replace secret" : "Delete webhook"}
        danger
        busy={confirming?.busy}
        error={confirming?.error}
        onConfirm={() => void confirm()}
        onCancel={() => setConfirming(null)}
      >
        {confirming?.action === "rotate" ? (
          <p>Deliveries are signed with the new secret from now on, retries included; your endpoint rejects them until you give it the new one.</p>
        ) : (
          <p>Nothing more is sent to <span className="mono">{webhook.url}</span>, and its delivery history is deleted. This cannot be undone.</p>
        )}
      </ConfirmDialog>
    </article>
  );
}
