import { z } from "zod";
import type { FastifyRequest } from "fastify";
import {
  Agent, AgentList, AgentPatch, AgentProfile, AgentVersionList, AgentVersionParams, DraftAgentRequest, DraftAgentResult, DuplicateAgent, IdParams,
  Publication, PublicAgent, PublicAgentList, PublicAgentListQuery, PublishAgent, PublishSettingsPatch,
} from "../../contracts/index.js";
import { userOf, type Principal } from "../../runtime/auth/principal.js";
import type { AuthRule } from "../authz.js";
import { route, type RouteSpec } from "../route.js";
import { whileConnected } from "../sse.js";
import type { AppServices } from "../services.js";

/** `If-Match: <version>` guards an edit against overwriting someone else's newer version. */
const IfMatch = z.object({ "if-match": z.string().regex(/^"?\d+"?$/, "use the agent version number").optional() });

const READ: AuthRule = { allow: ["user"], scope: "agents:read" };
const WRITE: AuthRule = { allow: ["user"], scope: "agents:write" };

export function agentRoutes({ agents, access, audit, drafter, identity }: AppServices): RouteSpec[] {
  const own = ({ params, principal }: { params: { id: string }; principal: Principal }) => access.ownAgent(principal, params.id);

  /** Audited only when it changed something: a new visibility or a newly pinned version. */
  const auditPublication = async (input: { principal: Principal; request: FastifyRequest; before: Agent; after: Agent }) => {
    const actor = userOf(input.principal).user.id;
    const { before, after } = input;
    const action = after.visibility === "private" ? "agent.unpublished" : "agent.published";
    await audit.record({
      userId: actor, action, actor, ip: input.request.ip, target: { type: "agent", id: after.id },
      detail: { version: after.publishedVersion, visibility: after.visibility, previousVisibility: before.visibility },
    });
  };
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
    route({
      method: "POST", url: "/api/agents/:id/publish", tag: "agents",
      summary: "Publish the agent as it is now (unlisted: anyone with the link; public: also listed). Visitors get this version until you publish again",
      auth: WRITE, params: IdParams, body: PublishAgent, guard: own, responses: { 200: Agent },
      handler: async ({ body, resource, principal, request }) => {
        const { agent, changed } = await agents.publish(resource, body.visibility);
        if (changed) await auditPublication({ principal, request, before: resource, after: agent });
        return { status: 200, body: agent };
      },
    }),
    route({
      method: "POST", url: "/api/agents/:id/unpublish", tag: "agents",
      summary: "Make an agent private again; visitors keep read access to their own past conversations",
      auth: WRITE, params: IdParams, guard: own, responses: { 200: Agent },
      handler: async ({ resource, principal, request }) => {
        const { agent, changed } = await agents.unpublish(resource);
        if (changed) await auditPublication({ principal, request, before: resource, after: agent });
        return { status: 200, body: agent };
      },
    }),
    route({
      method: "GET", url: "/api/agents/:id/publishing", tag: "agents",
      summary: "How the agent is published: visibility, pinned version, settings (allowed sites, limits, review) and the identity secret",
      auth: READ, params: IdParams, guard: own, responses: { 200: Publication },
      handler: async ({ resource }) => ({ status: 200, body: await agents.publication(resource) }),
    }),
    route({
      method: "PATCH", url: "/api/agents/:id/publishing", tag: "agents",
      summary: "Change publish settings (allowed sites, visitor limits, limit message, reply review); takes effect at once, makes no version",
      auth: WRITE, params: IdParams, body: PublishSettingsPatch, guard: own, responses: { 200: Publication },
      handler: async ({ body, resource }) => ({ status: 200, body: await agents.updatePublishSettings(resource, body) }),
    }),
    route({
      method: "POST", url: "/api/agents/:id/publishing/rotate-secret", tag: "agents",
      summary: "Replace the identity secret: signatures made with the old one stop working, and identified visitors must be identified again",
      auth: WRITE, params: IdParams, guard: own, responses: { 200: Publication },
      handler: async ({ resource }) => {
        const publication = await agents.rotateIdentitySecret(resource);
        await identity.revokeTokens(resource);
        return { status: 200, body: publication };
      },
    }),
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
      guard: ({ params, principal }) => access.publishedAgent(principal, params.id),
      handler: async ({ resource }) => ({ status: 200, body: PublicAgent.parse(resource) }),
    }),
    route({
      method: "GET", url: "/api/public/agents", tag: "public",
      summary: "The directory: public agents (not unlisted ones), most recently published first",
      auth: { allow: ["anyone"], rateLimit: "public" }, query: PublicAgentListQuery, responses: { 200: PublicAgentList },
      handler: async ({ query }) => ({
        status: 200,
        body: { agents: (await agents.listPublic(query.limit)).map((agent) => PublicAgent.parse(agent)) },
      }),
    }),
  ];
}
