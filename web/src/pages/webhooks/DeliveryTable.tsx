import type { WebhookDelivery } from "../../../../src/contracts/index.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Loading } from "../../components/Loading.js";
import { eventLabel, formatTime } from "./events.js";
import type { DeliveriesState } from "./useDeliveries.js";

const STATUS_CLASS: Record<WebhookDelivery["status"], string> = {
  pending: "badge webhooks-badge-pending",
  delivered: "badge webhooks-badge-delivered",
  failed: "badge webhooks-badge-failed",
};

/** Recent deliveries: what was sent, how it went, and when the next try is. */
export function DeliveryTable({ state, onRetry }: { state: DeliveriesState; onRetry: () => void }) {
  if (state.status === "loading") return <Loading label="Loading deliveries…" />;
  if (state.status === "error") return <ErrorMessage error={state.error} title="Deliveries could not be loaded" onRetry={onRetry} />;
  if (state.deliveries.length === 0) return <p className="muted">Nothing sent yet. Send a test to try your endpoint.</p>;
  return (
    <table className="table webhooks-deliveries">
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Last answer</th>
          <th scope="col">Created</th>
          <th scope="col">Next attempt</th>
        </tr>
      </thead>
      <tbody>
        {state.deliveries.map((delivery) => (
          <tr key={delivery.id}>
            <td>
              {eventLabel(delivery.event)}
              <span className="webhooks-id mono muted">{delivery.id}</span>
            </td>
            <td><span className={STATUS_CLASS[delivery.status]}>{delivery.status}</span></td>
            <td className="webhooks-number">{delivery.attempts}</td>
            <td className="webhooks-answer">
              {delivery.lastStatus !== null && <span className="mono">HTTP {delivery.lastStatus}</span>}
              {delivery.lastError && <span className="webhooks-error">{delivery.lastError}</span>}
              {delivery.lastStatus === null && !delivery.lastError && <span className="muted">—</span>}
            </td>
            <td className="webhooks-nowrap"><time dateTime={delivery.createdAt}>{formatTime(delivery.createdAt)}</time></td>
            <td className="webhooks-nowrap">
              {delivery.nextAttemptAt ? <time dateTime={delivery.nextAttemptAt}>{formatTime(delivery.nextAttemptAt)}</time> : <span className="muted">—</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
