import { Health, Readiness } from "../../contracts/index.js";
import { route, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";

export function healthRoutes({ store, engines }: AppServices): RouteSpec[] {
  return [
    route({
      method: "GET", url: "/healthz", tag: "health", summary: "Liveness: the process answers",
      auth: { allow: ["anyone"] }, responses: { 200: Health },
      handler: async () => ({ status: 200, body: { status: "ok" } }),
    }),
    route({
      method: "GET", url: "/readyz", tag: "health", summary: "Readiness: the database answers and the default model is loaded",
      auth: { allow: ["anyone"] }, responses: { 200: Readiness, 503: Readiness },
      handler: async () => {
        const database = await store.ping().then(
          () => ({ ok: true }),
          (error: unknown) => ({ ok: false, detail: error instanceof Error ? error.message : "database unavailable" }),
        );
        const engine = engines.status();
        const checks = { database, model: { ok: engine.ready, detail: engine.detail } };
        const ready = database.ok && engine.ready;
        return { status: ready ? 200 : 503, body: { status: ready ? "ready" : "not_ready", checks } };
      },
    }),
  ];
}
