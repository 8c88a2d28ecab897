import { useCallback, useEffect, useState } from "react";
import type { WebhookDelivery } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";

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
  useEffect(() => {
    if (!pending) return;
    let live = true;
    let timer = 0;
    // One request at a time: the next poll is scheduled only when the previous answer is in.
    const poll = () => {
      api.webhookDeliveries(webhookId, { limit: LIMIT }).then(
        (deliveries) => live && setState({ status: "done", deliveries }),
        () => undefined,
      ).finally(() => {
        if (live) timer = window.setTimeout(poll, POLL_MS);
      });
    };
    timer = window.setTimeout(poll, POLL_MS);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [webhookId, pending]);

  const refresh = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, refresh };
}
