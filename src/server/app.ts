import cookie from "@fastify/cookie";
import helmet from "@fastify/helmet";
import multipart from "@fastify/multipart";
import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { AtelierError } from "../contracts/index.js";
import type { Principal } from "../runtime/auth/principal.js";
import type { AuthRule } from "./authz.js";
import { SESSION_COOKIE, VISITOR_COOKIE } from "./cookies.js";
import { crossSiteOrigin, registerCors } from "./cors.js";
import { toErrorResponse } from "./errors.js";
import { registerStaticWeb, sendIndex, wantsStudioPage } from "./static-web.js";
import { openApiDocument, registerRoutes, route, type RateLimitPolicy, type RouteSpec } from "./route.js";
import { adminRoutes } from "./routes/admin.js";
import { agentRoutes } from "./routes/agents.js";
import { authRoutes } from "./routes/auth.js";
import { conversationRoutes } from "./routes/conversations.js";
import { healthRoutes } from "./routes/health.js";
import { inboxRoutes } from "./routes/inbox.js";
import { interchangeRoutes, registerImageBodies } from "./routes/interchange.js";
import { keyRoutes } from "./routes/keys.js";
import { mediaRoutes } from "./routes/media.js";
import { memoryRoutes } from "./routes/memories.js";
import { knowledgeRoutes, MAX_FILES_PER_UPLOAD } from "./routes/knowledge.js";
import { lorebookRoutes } from "./routes/lorebook.js";
import { modelRoutes } from "./routes/models.js";
import { openAiRoutes } from "./routes/openai.js";
import { visitorRoutes } from "./routes/visitors.js";
import { webhookRoutes } from "./routes/webhooks.js";
import type { AppServices } from "./services.js";

export const API_VERSION = "0.2.0";

/** Every route the API serves; the OpenAPI document and the authorisation matrix test derive from it. */
export function routeTable(services: AppServices): RouteSpec[] {
  const routes = [
    ...healthRoutes(services),
    ...authRoutes(services),
    ...keyRoutes(services),
    ...adminRoutes(services),
    ...visitorRoutes(services),
    ...agentRoutes(services),
    ...modelRoutes(services),
    ...knowledgeRoutes(services),
    ...lorebookRoutes(services),
    ...interchangeRoutes(services),
    ...memoryRoutes(services),
    ...mediaRoutes(services),
    ...conversationRoutes(services),
    ...webhookRoutes(services),
    ...inboxRoutes(services),
    ...openAiRoutes(services),
  ];
  // Built on first request: converting every route's schemas takes ~0.2 s, which start-up need not wait for.
  let document: Record<string, unknown> | undefined;
  const described = [...routes];
  routes.push(
    route({
      method: "GET", url: "/openapi.json", tag: "meta", summary: "This API's OpenAPI description",
      auth: { allow: ["anyone"] }, responses: { 200: null },
      handler: async () => ({ status: 200, body: (document ??= openApiDocument(described, { title: "Atelier API", version: API_VERSION })) }),
    }),
  );
  return routes;
}

export interface RateLimitSettings {
  login: { max: number; windowMs: number };
  public: { max: number; windowMs: number };
}

export interface BuildAppOptions {
  services: AppServices;
  /** A pino logger; none means silent. */
  logger?: FastifyBaseLogger;
  /** Largest accepted request body in bytes. */
  bodyLimit?: number;
  /** Largest uploaded file (knowledge), in bytes; default 50 MiB. */
  uploadLimitBytes?: number;
  /** Per client address; a max of 0 turns a limit off. */
  rateLimits?: RateLimitSettings;
  /** See Config.trustProxy. */
  trustProxy?: boolean | string;
  /** The built studio (dist/public) to serve at `/`; none serves the API only. */
  webRoot?: string | undefined;
}

const DEFAULT_RATE_LIMITS: RateLimitSettings = { login: { max: 10, windowMs: 60_000 }, public: { max: 120, windowMs: 60_000 } };

/**
 * The studio and the share page load scripts, styles and data from this origin only; nothing inline
 * is needed. Avatars may be remote images or data: URIs. Embedding in other sites' frames is refused.
 */
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:", "https:"],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/** What helmet would set, for the few responses written before its hook runs. */
const BASELINE_SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
};

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { services } = options;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    trustProxy: options.trustProxy ?? false,
    // Request logs carry method, url and status; bodies (message contents) and headers (credentials) never.
    requestIdHeader: "x-request-id",
    // Malformed URLs (bad percent-encoding, overlong segments) fail before routing: same error shape.
    frameworkErrors: (error, _request, reply) => {
      const { status, body } = toErrorResponse(error);
      void (reply as FastifyReply).headers(BASELINE_SECURITY_HEADERS).code(status).send(body);
    },
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, body, internal, headers } = toErrorResponse(error);
    if (internal) request.log.error({ err: error }, "unhandled error");
    else request.log.debug({ code: body.error.code }, body.error.message);
    if (headers) void reply.headers(headers);
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    if (options.webRoot !== undefined && wantsStudioPage(request)) return sendIndex(reply);
    const error = new AtelierError("not_found", `No route ${request.method} ${request.url.split("?")[0]}. See GET /openapi.json.`);
    const { status, body } = toErrorResponse(error);
    void reply.code(status).send(body);
  });

  await app.register(cookie);
  // Uploads stream through; a file over the limit is cut off and flagged, so the rest of its batch still goes in.
  await app.register(multipart, {
    limits: { fileSize: options.uploadLimitBytes ?? 50 * 1024 * 1024, files: MAX_FILES_PER_UPLOAD, fields: 20, parts: MAX_FILES_PER_UPLOAD + 20 },
    throwFileSizeLimit: false,
  });
  await app.register(helmet, { contentSecurityPolicy: CONTENT_SECURITY_POLICY, crossOriginEmbedderPolicy: false });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new AtelierError("rate_limited", `Too many requests. Try again in ${context.after}.`),
  });

  registerImageBodies(app);
  registerCors(app, { allowsOrigin: (origin) => services.agents.allowsOrigin(origin) });

  const authenticate = async (request: FastifyRequest): Promise<Principal> => {
    const header = request.headers.authorization;
    let bearer: string | undefined;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw new AtelierError("unauthorized", "Send credentials as 'Authorization: Bearer <API key or visitor token>'.");
      bearer = match[1];
    }
    const principal = await services.credentials.authenticate({ bearer, sessionCookie: request.cookies[SESSION_COOKIE], visitorCookie: request.cookies[VISITOR_COOKIE] });
    // A visitor calling from another site's page (the widget) may only reach agents that allow that site (Access).
    const crossOrigin = principal.kind === "visitor" ? crossSiteOrigin(request) : undefined;
    return principal.kind === "visitor" && crossOrigin !== undefined ? { ...principal, crossOrigin } : principal;
  };

  if (options.webRoot !== undefined) await registerStaticWeb(app, options.webRoot);
  registerRoutes(app, routeTable(services), { authenticate, rateLimits: rateLimitPolicy(app, options.rateLimits ?? DEFAULT_RATE_LIMITS) });
  await app.ready();
  return app;
}

/**
 * Sign-in attempts share one budget per address, as do all routes visitors reach; other routes are
 * unlimited. One limiter instance per group is what makes the budget shared: per-route settings
 * would give every route its own counter (the plugin's groupId does not join them in v11).
 */
function rateLimitPolicy(app: FastifyInstance, settings: RateLimitSettings): RateLimitPolicy {
  const limiters = {
    login: settings.login.max === 0 ? undefined : app.rateLimit({ max: settings.login.max, timeWindow: settings.login.windowMs }),
    public: settings.public.max === 0 ? undefined : app.rateLimit({ max: settings.public.max, timeWindow: settings.public.windowMs }),
  };
  return (rule: AuthRule) => (rule.rateLimit ? limiters[rule.rateLimit] : undefined);
}
