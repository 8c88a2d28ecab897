import { z } from "zod";
import { Agent, AgentList, AgentPatch, AgentProfile, AgentVersionList, AgentVersionParams, IdParams } from "../../contracts/index.js";
import { route, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";

/** `If-Match: <version>` guards an edit against overwriting someone else's newer version. */
const IfMatch = z.object({ "if-match": z.string().regex(/^"?\d+"?$/, "use the agent version number").optional() });

export function agentRoutes({ agents }: AppServices): RouteSpec[] {
  return [
    route({
      method: "POST", url: "/api/agents", tag: "agents", summary: "Create an agent (version 1)",
      body: AgentProfile, responses: { 201: Agent },
      handler: async ({ body }) => ({ status: 201, body: await agents.create(body) }),
    }),
    route({
      method: "GET", url: "/api/agents", tag: "agents", summary: "List agents, newest first",
      responses: { 200: AgentList },
      handler: async () => ({ status: 200, body: { agents: await agents.list() } }),
    }),
    route({
      method: "GET", url: "/api/agents/:id", tag: "agents", summary: "Get an agent by id or handle",
      params: IdParams, responses: { 200: Agent },
      handler: async ({ params }) => ({ status: 200, body: await agents.get(params.id) }),
    }),
    route({
      method: "PATCH", url: "/api/agents/:id", tag: "agents", summary: "Edit an agent; creates a new version",
      params: IdParams, body: AgentPatch, responses: { 200: Agent },
      handler: async ({ params, body, request }) => {
        const header = IfMatch.parse({ "if-match": request.headers["if-match"] })["if-match"];
        const expected = header === undefined ? undefined : Number(header.replaceAll('"', ""));
        return { status: 200, body: await agents.update(params.id, body, expected) };
      },
    }),
    route({
      method: "DELETE", url: "/api/agents/:id", tag: "agents", summary: "Delete an agent with its versions and conversations",
      params: IdParams, responses: { 204: null },
      handler: async ({ params }) => {
        await agents.delete(params.id);
        return { status: 204 };
      },
    }),
    route({
      method: "GET", url: "/api/agents/:id/versions", tag: "agents", summary: "List an agent's versions, newest first",
      params: IdParams, responses: { 200: AgentVersionList },
      handler: async ({ params }) => ({ status: 200, body: { versions: await agents.versions(params.id) } }),
    }),
    route({
      method: "GET", url: "/api/agents/:id/versions/:version", tag: "agents", summary: "Get one version of an agent",
      params: AgentVersionParams, responses: { 200: Agent },
      handler: async ({ params }) => ({ status: 200, body: await agents.version(params.id, params.version) }),
    }),
    route({
      method: "POST", url: "/api/agents/:id/versions/:version/restore", tag: "agents",
      summary: "Make an older version the newest one",
      params: AgentVersionParams, responses: { 200: Agent },
      handler: async ({ params }) => ({ status: 200, body: await agents.restore(params.id, params.version) }),
    }),
  ];
}
