import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { ErrorBody, parseWith } from "../contracts/index.js";

type Method = "GET" | "POST" | "PATCH" | "DELETE";
type Schema = z.ZodType;
type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler returns: a JSON response, or "streamed" when it wrote the response itself (SSE). */
export type RouteResult = { status: number; body?: unknown } | "streamed";

export interface RouteSpec<P extends Schema | undefined = Schema | undefined, Q extends Schema | undefined = Schema | undefined, B extends Schema | undefined = Schema | undefined> {
  method: Method;
  url: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Documented responses: a JSON schema, an event stream (optionally JSON instead), or null for no content. */
  responses: Record<number, z.ZodType | { eventStream: true; json?: z.ZodType } | null>;
  handler(input: {
    params: Output<P>;
    query: Output<Q>;
    body: Output<B>;
    request: FastifyRequest;
    reply: FastifyReply;
  }): Promise<RouteResult>;
}

/** Declares a route with inferred handler input types. */
export function route<P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** Registers routes; every input is parsed with its zod schema before the handler runs. */
export function registerRoutes(app: FastifyInstance, routes: readonly RouteSpec[]): void {
  for (const spec of routes) {
    app.route({
      method: spec.method,
      url: spec.url,
      handler: async (request, reply) => {
        const params = spec.params ? parseWith(spec.params, request.params, "path parameters") : undefined;
        const query = spec.query ? parseWith(spec.query, request.query, "query parameters") : undefined;
        const body = spec.body ? parseWith(spec.body, request.body ?? {}, "request body") : undefined;
        const result = await spec.handler({ params, query, body, request, reply } as Parameters<RouteSpec["handler"]>[0]);
        if (result === "streamed") return reply;
        reply.code(result.status);
        return result.body === undefined ? reply.send() : reply.send(result.body);
      },
    });
  }
}

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
      else if (response instanceof z.ZodType) {
        responses[status] = { description: "OK", content: { "application/json": { schema: jsonSchema(response, "output") } } };
      } else {
        responses[status] = {
          description: "Server-Sent Events: `event` is the ChatEvent type, `data` its JSON, `id` its sequence number." +
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
      tags: [spec.tag],
      ...(parameters.length ? { parameters } : {}),
      ...(spec.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(spec.body, "input") } } } } : {}),
      responses,
    };
  }
  return { openapi: "3.1.0", info, paths };
}
