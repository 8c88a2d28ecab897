import { IdParams, ModelDownload, ModelDownloadList, ModelsOverview, StartModelDownload } from "../../contracts/index.js";
import { userOf } from "../../runtime/auth/principal.js";
import type { AuthRule } from "../authz.js";
import { route, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";

/** Downloads fill the instance's disk and every agent can use them: an instance matter, for admins. */
const ADMIN: AuthRule = { allow: ["admin"], scope: "admin" };

export function modelRoutes({ models }: AppServices): RouteSpec[] {
  return [
    route({
      method: "GET", url: "/api/models", tag: "models",
      summary: "The instance's engine and default model, whether it is ready, the local model files, and (for admins) downloads",
      auth: { allow: ["user"], scope: "agents:read" }, responses: { 200: ModelsOverview },
      handler: async ({ principal }) => ({ status: 200, body: await models.overview({ admin: userOf(principal).user.role === "admin" }) }),
    }),
    route({
      method: "POST", url: "/api/models/downloads", tag: "models",
      summary: "Start downloading a model (hf: URI or https URL) into the models directory; poll the list for progress",
      auth: ADMIN, body: StartModelDownload, responses: { 202: ModelDownload },
      handler: async ({ body }) => ({ status: 202, body: models.startDownload(body.uri) }),
    }),
    route({
      method: "GET", url: "/api/models/downloads", tag: "models", summary: "Model downloads of this server run, newest first",
      auth: ADMIN, responses: { 200: ModelDownloadList },
      handler: async () => ({ status: 200, body: { downloads: models.downloads() } }),
    }),
    route({
      method: "DELETE", url: "/api/models/downloads/:id", tag: "models", summary: "Cancel a download (start it again to resume)",
      auth: ADMIN, params: IdParams, responses: { 200: ModelDownload },
      handler: async ({ params }) => ({ status: 200, body: models.cancelDownload(params.id) }),
    }),
  ];
}
