import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import { z } from "zod";
import { AtelierError, ErrorBody, parseWith } from "../contracts/index.js";
import type { Principal } from "../runtime/auth/principal.js";
import { admit, describeRule, type AuthRule, type RequestAuthenticator } from "./authz.js";

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
type Schema = z.ZodType;
type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler returns: a JSON response, or "streamed" when it wrote the response itself (SSE, files). */
export type RouteResult = { status: number; body?: unknown } | "streamed";

/** What a route's guard sees: the parsed input and who is asking. */
export interface GuardInput<P, Q, B> {
  params: Output<P>;
  query: Output<Q>;
  body: Output<B>;
  principal: Principal;
}

export interface RouteSpec<
  P extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  B extends Schema | undefined = Schema | undefined,
  R = unknown,
> {
  method: Method;
  url: string;
  summary: string;
  tag: string;
  /** Who may call it (required: a route without a rule does not compile, and fails the authorisation matrix test). */
  auth: AuthRule;
  /**
   * Resolves the resource the route acts on and proves the principal may touch it, with the policies
   * in authz.ts; what it returns is the handler's `resource`. Runs after `auth` and input parsing.
   */
  guard?: (input: GuardInput<P, Q, B>) => Promise<R>;
  params?: P;
  query?: Q;
  body?: B;
  /** The handler reads the body itself (multipart uploads): no JSON body schema applies. */
  upload?: true;
  /** Largest body for this route, in bytes, when it differs from the server's limit. */
  bodyLimit?: number;
  /** Documented responses: a JSON schema, an event stream (optionally JSON instead), a file, or null for no content. */
  responses: Record<number, z.ZodType | { eventStream: true; json?: z.ZodType; events?: string } | { file: string } | null>;
  handler(input: GuardInput<P, Q, B> & {
    resource: R;
    request: FastifyRequest;
    reply: FastifyReply;
  }): Promise<RouteResult>;
}

/** Declares a route with inferred handler input types. */
export function route<P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined, R = undefined>(
  spec: RouteSpec<P, Q, B, R>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

/**
 * Registers routes. For every request, in this order: the principal is authenticated and admitted
 * by the route's rule (401/403, CSRF), inputs are parsed with their zod schemas (400), the guard
 * resolves the resource (404 when it is not the principal's), then the handler runs.
 */
export function registerRoutes(app: FastifyInstance, routes: readonly RouteSpec[], options: { authenticate: RequestAuthenticator; rateLimits: RateLimitPolicy }): void {
  for (const spec of routes) {
    const limiter = options.rateLimits(spec.auth);
    app.route({
      method: spec.method,
      url: spec.url,
      ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
      handler: async (request, reply) => {
        const principal = await options.authenticate(request);
        // Signed-in owners (studio, API keys) are not the public: only sign-in attempts and visitors count.
        if (limiter && (spec.auth.rateLimit === "login" || principal.kind !== "user")) await limiter.call(app, request, reply);
        admit({ rule: spec.auth, principal, request });
        const params = spec.params ? parseWith(spec.params, request.params, "path parameters") : undefined;
        const query = spec.query ? parseWith(spec.query, request.query, "query parameters") : undefined;
        const body = spec.body
          ? parseWith(spec.body, request.body === undefined ? {} : request.body, "request body")
          : spec.upload ? undefined : refuseBody(request.body);
        const input = { params, query, body, principal } as GuardInput<Schema, Schema, Schema>;
        const resource = spec.guard ? await spec.guard(input) : undefined;
        const result = await spec.handler({ ...input, resource, request, reply });
        if (result === "streamed") return reply;
        reply.code(result.status);
        return result.body === undefined ? reply.send() : reply.send(result.body);
      },
    });
  }
}

/** A route without a body schema takes none (an empty JSON object is tolerated): anything else is a mistake worth saying. */
function refuseBody(body: unknown): undefined {
  const empty = body === undefined || (typeof body === "object" && body !== null && !Array.isArray(body) && Object.keys(body).length === 0);
  if (!empty) throw new AtelierError("validation_failed", "This route takes no request body; send none (or {}).");
  return undefined;
}

/** The rate limiter (an onRequest hook, shared by every route of its group) for a route with this rule, or undefined for none. */
export type RateLimitPolicy = (rule: AuthRule) => preHandlerAsyncHookHandler | undefined;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  return z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
}

/** The OpenAPI 3.1 description, derived from the same schemas that validate requests. */
export function openApiDocument(routes: readonly RouteSpec[], info: { title: string; version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of routes) {
    const path = spec.url.replace(/:(\w+)/g, "{$1}");
    const parameters: unknown[] = [];
    for (const [where, schema] of [["path", spec.params], ["query", spec.query]] as const) {
      if (!schema) continue;
      const described = jsonSchema(schema, "input") as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, property] of Object.entries(described.properties ?? {})) {
        parameters.push({ name, in: where, required: where === "path" || (described.required ?? []).includes(name), schema: property });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      if (response === null) responses[status] = { description: "No content" };
      else if ("file" in response) responses[status] = { description: "A file download", content: { [response.file]: { schema: { type: "string", format: "binary" } } } };
      else if (response instanceof z.ZodType) {
        responses[status] = { description: "OK", content: { "application/json": { schema: jsonSchema(response, "output") } } };
      } else {
        responses[status] = {
          description: `Server-Sent Events: ${response.events ?? "`event` is the ChatEvent type, `data` its JSON, `id` its sequence number."}` +
            (response.json ? " With `stream: false`, the whole result as JSON." : ""),
          content: {
            "text/event-stream": { schema: { type: "string" } },
            ...(response.json ? { "application/json": { schema: jsonSchema(response.json, "output") } } : {}),
          },
        };
      }
    }
    responses.default = { description: "Error", content: { "application/json": { schema: jsonSchema(ErrorBody, "output") } } };
    paths[path] ??= {};
    paths[path][spec.method.toLowerCase()] = {
      summary: spec.summary,
      description: describeRule(spec.auth),
      tags: [spec.tag],
      ...(parameters.length ? { parameters } : {}),
      ...(spec.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(spec.body, "input") } } } } : {}),
      responses,
    };
  }
  return { openapi: "3.1.0", info, paths };
}
