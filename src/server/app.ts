import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { AtelierError } from "../contracts/index.js";
import { toErrorResponse } from "./errors.js";
import { openApiDocument, registerRoutes, route, type RouteSpec } from "./route.js";
import { agentRoutes } from "./routes/agents.js";
import { conversationRoutes } from "./routes/conversations.js";
import { healthRoutes } from "./routes/health.js";
import type { AppServices } from "./services.js";

export const API_VERSION = "0.1.0";

/** Every route the API serves; the OpenAPI document and (later) the authorisation matrix derive from it. */
export function routeTable(services: AppServices): RouteSpec[] {
  const routes = [...healthRoutes(services), ...agentRoutes(services), ...conversationRoutes(services)];
  const document = openApiDocument(routes, { title: "Atelier API", version: API_VERSION });
  routes.push(
    route({
      method: "GET", url: "/openapi.json", tag: "meta", summary: "This API's OpenAPI description",
      responses: { 200: null },
      handler: async () => ({ status: 200, body: document }),
    }),
  );
  return routes;
}

export interface BuildAppOptions {
  services: AppServices;
  /** A pino logger; none means silent. */
  logger?: FastifyBaseLogger;
  /** Largest accepted request body in bytes. */
  bodyLimit?: number;
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Request logs carry method, url and status; bodies (message contents) are never logged.
    requestIdHeader: "x-request-id",
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, body, internal } = toErrorResponse(error);
    if (internal) request.log.error({ err: error }, "unhandled error");
    else request.log.debug({ code: body.error.code }, body.error.message);
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new AtelierError("not_found", `No route ${request.method} ${request.url.split("?")[0]}. See GET /openapi.json.`);
    const { status, body } = toErrorResponse(error);
    void reply.code(status).send(body);
  });

  registerRoutes(app, routeTable(options.services));
  await app.ready();
  return app;
}
