import {
  CreateMemory, ForgetResult, IdParams, Memory, MemoryList, MemoryParams, MemoryPatch, OwnMemoriesQuery, PersonParams, RememberedPeople,
} from "../../contracts/index.js";
import { participantIdOf, visitorOrUserOf, type Principal } from "../../runtime/auth/principal.js";
import type { AuthRule } from "../authz.js";
import { route, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";

const READ: AuthRule = { allow: ["user"], scope: "agents:read" };
const WRITE: AuthRule = { allow: ["user"], scope: "agents:write" };
/** A person's own memories: visitors reach these too, so they share the public rate limit. */
const OWN_READ: AuthRule = { allow: ["user", "visitor"], scope: "conversations:read", rateLimit: "public" };
const OWN_WRITE: AuthRule = { allow: ["user", "visitor"], scope: "conversations:write", rateLimit: "public" };

/**
 * What agents remember about people. The owner reads and corrects it per person; each person reads
 * and clears only their own, under the participant id their conversations carry.
 */
export function memoryRoutes({ access, memory }: AppServices): RouteSpec[] {
  const own = ({ params, principal }: { params: { id: string }; principal: Principal }) => access.ownAgent(principal, params.id);
  /** The agent the caller could talk to, or has talked to before it was unpublished, and who they are to it. */
  const caller = async ({ query, principal }: { query: { agentId: string }; principal: Principal }) => {
    const agent = await access.rememberingAgent(principal, query.agentId);
    return { agent, participantId: participantIdOf(visitorOrUserOf(principal)) };
  };
  return [
    route({
      method: "GET", url: "/api/agents/:id/people", tag: "memory", summary: "The people the agent remembers, with how many memories each, most recently updated first",
      auth: READ, params: IdParams, guard: own, responses: { 200: RememberedPeople },
      handler: async ({ resource }) => ({ status: 200, body: await memory.listPeople(resource) }),
    }),
    route({
      method: "GET", url: "/api/agents/:id/people/:participantId/memories", tag: "memory", summary: "What the agent remembers about one person, oldest first",
      auth: READ, params: PersonParams, guard: own, responses: { 200: MemoryList },
      handler: async ({ resource, params }) => ({ status: 200, body: { memories: await memory.listFor(resource.id, params.participantId) } }),
    }),
    route({
      method: "POST", url: "/api/agents/:id/people/:participantId/memories", tag: "memory", summary: "Add a memory about a person by hand",
      auth: WRITE, params: PersonParams, body: CreateMemory, guard: own, responses: { 201: Memory },
      handler: async ({ resource, params, body }) => ({ status: 201, body: await memory.add(resource.id, params.participantId, body) }),
    }),
    route({
      method: "DELETE", url: "/api/agents/:id/people/:participantId/memories", tag: "memory", summary: "Forget a person: delete everything the agent remembers about them",
      auth: WRITE, params: PersonParams, guard: own, responses: { 200: ForgetResult },
      handler: async ({ resource, params }) => ({ status: 200, body: await memory.forget(resource.id, params.participantId) }),
    }),
    route({
      method: "PATCH", url: "/api/agents/:id/memories/:memoryId", tag: "memory", summary: "Correct a memory (its kind or text)",
      auth: WRITE, params: MemoryParams, body: MemoryPatch, guard: own, responses: { 200: Memory },
      handler: async ({ resource, params, body }) => ({ status: 200, body: await memory.update(resource.id, params.memoryId, body) }),
    }),
    route({
      method: "DELETE", url: "/api/agents/:id/memories/:memoryId", tag: "memory", summary: "Delete one memory",
      auth: WRITE, params: MemoryParams, guard: own, responses: { 204: null },
      handler: async ({ resource, params }) => {
        await memory.remove(resource.id, params.memoryId);
        return { status: 204 };
      },
    }),
    route({
      method: "GET", url: "/api/memories", tag: "memory", summary: "What an agent remembers about you (visitors and signed-in people alike)",
      auth: OWN_READ, query: OwnMemoriesQuery, guard: caller, responses: { 200: MemoryList },
      handler: async ({ resource }) => ({ status: 200, body: { memories: await memory.listFor(resource.agent.id, resource.participantId) } }),
    }),
    route({
      method: "DELETE", url: "/api/memories", tag: "memory", summary: "Make an agent forget everything it remembers about you",
      auth: OWN_WRITE, query: OwnMemoriesQuery, guard: caller, responses: { 200: ForgetResult },
      handler: async ({ resource }) => ({ status: 200, body: await memory.forget(resource.agent.id, resource.participantId) }),
    }),
  ];
}
