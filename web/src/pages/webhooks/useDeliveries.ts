import { useCallback, useEffect, useState } from "react";
import type { WebhookDelivery } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { usePolling } from "../../components/usePolling.js";

/** How often the history is fetched again while a delivery waits to be (re)sent. */
const POLL_MS = 2000;
const LIMIT = 20;

export type DeliveriesState = { status: "loading" } | { status: "error"; error: unknown } | { status: "done"; deliveries: WebhookDelivery[] };

/** A webhook's recent deliveries, polled while any is pending; `refresh` after queuing one. */
export function useDeliveries(webhookId: string): { state: DeliveriesState; refresh: () => void } {
  const [state, setState] = useState<DeliveriesState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    api.webhookDeliveries(webhookId, { limit: LIMIT }).then(
      (deliveries) => live && setState({ status: "done", deliveries }),
      (error: unknown) => live && setState({ status: "error", error }),
    );
    return () => {
      live = false;
    };
  }, [webhookId, attempt]);

  const pending = state.status === "done" && state.deliveries.some((delivery) => delivery.status === "pending");
  usePolling({ active: pending, everyMs: POLL_MS, key: webhookId }, () => api.webhookDeliveries(webhookId, { limit: LIMIT }), (deliveries) =>
    setState({ status: "done", deliveries }));

  const refresh = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, refresh };
}
