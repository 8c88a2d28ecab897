import { z } from "zod";
import { Agent, AgentList, AgentPatch, AgentProfile, AgentVersionList, AgentVersionParams, DraftAgentRequest, DraftAgentResult, DuplicateAgent, IdParams, PublicAgent } from "../../contracts/index.js";
import { userOf, type Principal } from "../../runtime/auth/principal.js";
import type { AuthRule } from "../authz.js";
import { route, type RouteSpec } from "../route.js";
import { whileConnected } from "../sse.js";
import type { AppServices } from "../services.js";

/** `If-Match: <version>` guards an edit against overwriting someone else's newer version. */
const IfMatch = z.object({ "if-match": z.string().regex(/^"?\d+"?$/, "use the agent version number").optional() });

const READ: AuthRule = { allow: ["user"], scope: "agents:read" };
const WRITE: AuthRule = { allow: ["user"], scope: "agents:write" };

export function agentRoutes({ agents, access, audit, drafter }: AppServices): RouteSpec[] {
  const own = ({ params, principal }: { params: { id: string }; principal: Principal }) => access.ownAgent(principal, params.id);

  /** Publish or unpublish; audited only when it changes something. */
  const publication = (publish: boolean, summary: string) =>
    route({
      method: "POST", url: `/api/agents/:id/${publish ? "publish" : "unpublish"}`, tag: "agents", summary,
      auth: WRITE, params: IdParams, guard: own, responses: { 200: Agent },
      handler: async ({ resource, principal, request }) => {
        const changed = await agents.setPublished(resource.id, publish);
        const actor = userOf(principal).user.id;
        if ((resource.publishedAt !== null) !== publish) {
          await audit.record({ userId: actor, action: publish ? "agent.published" : "agent.unpublished", actor, ip: request.ip, target: { type: "agent", id: resource.id } });
        }
        return { status: 200, body: changed };
      },
    });

  return [
    route({
      method: "POST", url: "/api/agents", tag: "agents", summary: "Create an agent (version 1), private until published",
      auth: WRITE, body: AgentProfile, responses: { 201: Agent },
      handler: async ({ body, principal }) => ({ status: 201, body: await agents.create(body, userOf(principal).user.id) }),
    }),
    route({
      method: "POST", url: "/api/agents/draft", tag: "agents",
      summary: "Describe-to-create: the default model drafts a whole profile from one sentence (JSON-schema constrained); nothing is saved",
      auth: WRITE, body: DraftAgentRequest, responses: { 200: DraftAgentResult },
      handler: async ({ body, reply }) => {
        // A closed tab or a Cancel button stops the generation instead of finishing a draft nobody reads.
        const connection = whileConnected(reply.raw);
        try {
          return { status: 200, body: await drafter.draft(body, { signal: connection.signal }) };
        } finally {
          connection.release();
        }
      },
    }),
    route({
      method: "GET", url: "/api/agents", tag: "agents", summary: "List your agents, newest first",
      auth: READ, responses: { 200: AgentList },
      handler: async ({ principal }) => ({ status: 200, body: { agents: await agents.list({ ownerId: userOf(principal).user.id }) } }),
    }),
    route({
      method: "GET", url: "/api/agents/:id", tag: "agents", summary: "Get one of your agents by id or handle",
      auth: READ, params: IdParams, guard: own, responses: { 200: Agent },
      handler: async ({ resource }) => ({ status: 200, body: resource }),
    }),
    route({
      method: "PATCH", url: "/api/agents/:id", tag: "agents", summary: "Edit an agent; creates a new version",
      auth: WRITE, params: IdParams, body: AgentPatch, guard: own, responses: { 200: Agent },
      handler: async ({ body, request, resource }) => {
        const header = IfMatch.parse({ "if-match": request.headers["if-match"] })["if-match"];
        const expected = header === undefined ? undefined : Number(header.replaceAll('"', ""));
        return { status: 200, body: await agents.update(resource.id, body, expected) };
      },
    }),
    route({
      method: "DELETE", url: "/api/agents/:id", tag: "agents", summary: "Delete an agent with its versions and conversations",
      auth: WRITE, params: IdParams, guard: own, responses: { 204: null },
      handler: async ({ resource, principal, request }) => {
        await agents.delete(resource.id);
        const actor = userOf(principal).user.id;
        await audit.record({ userId: actor, action: "agent.deleted", actor, ip: request.ip, target: { type: "agent", id: resource.id }, detail: { name: resource.name } });
        return { status: 204 };
      },
    }),
    route({
      method: "POST", url: "/api/agents/:id/duplicate", tag: "agents",
      summary: "Copy an agent's profile and model settings into a new private agent (conversations stay)",
      auth: WRITE, params: IdParams, body: DuplicateAgent, guard: own, responses: { 201: Agent },
      handler: async ({ body, principal, resource }) => ({
        status: 201,
        body: await agents.duplicate(resource, { name: body.name, ownerId: userOf(principal).user.id }),
      }),
    }),
    publication(true, "Publish an agent: visitors can then find it by handle and talk to it"),
    publication(false, "Make an agent private again; visitors keep read access to their own past conversations"),
    route({
      method: "GET", url: "/api/agents/:id/versions", tag: "agents", summary: "List an agent's versions, newest first",
      auth: READ, params: IdParams, guard: own, responses: { 200: AgentVersionList },
      handler: async ({ resource }) => ({ status: 200, body: { versions: await agents.versions(resource.id) } }),
    }),
    route({
      method: "GET", url: "/api/agents/:id/versions/:version", tag: "agents", summary: "Get one version of an agent",
      auth: READ, params: AgentVersionParams, guard: own, responses: { 200: Agent },
      handler: async ({ params, resource }) => ({ status: 200, body: await agents.version(resource.id, params.version) }),
    }),
    route({
      method: "POST", url: "/api/agents/:id/versions/:version/restore", tag: "agents",
      summary: "Make an older version the newest one",
      auth: WRITE, params: AgentVersionParams, guard: own, responses: { 200: Agent },
      handler: async ({ params, resource }) => ({ status: 200, body: await agents.restore(resource.id, params.version) }),
    }),
    route({
      method: "GET", url: "/api/public/agents/:id", tag: "public",
      summary: "A published agent's public profile (name, tagline, avatar, description, greetings), by id or handle",
      auth: { allow: ["anyone"], rateLimit: "public" }, params: IdParams, responses: { 200: PublicAgent },
      guard: ({ params }) => access.publishedAgent(params.id),
      handler: async ({ resource }) => ({ status: 200, body: PublicAgent.parse(resource) }),
    }),
  ];
}
