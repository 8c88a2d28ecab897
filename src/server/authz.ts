import { timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { AtelierError, type Agent, type ApiKeyScope, type Conversation } from "../contracts/index.js";
import { participantIdOf, type Principal, type UserPrincipal, type VisitorPrincipal } from "../runtime/auth/principal.js";
import type { AgentsService } from "../runtime/agents-service.js";
import { crossSiteOrigin } from "./cors.js";
import type { ChatService } from "../runtime/chat-service.js";

/*
 * The one authorisation layer. Routes declare a rule (who may call them) and, where they act on a
 * resource, a guard built from the policies below; handlers never check permissions themselves.
 *
 * Statuses: no credentials where some are needed -> 401; the wrong kind of caller (a visitor on an
 * owner route, an owner on an admin route, an API key without the scope) -> 403; a resource that is
 * not the caller's -> 404, exactly as if it did not exist, so ids cannot be probed.
 */

/** "anyone" includes callers without credentials; "user" is any signed-in account (owner or admin). */
export type Audience = "anyone" | "visitor" | "user" | "admin";

export interface AuthRule {
  allow: readonly Audience[];
  /** The scope an API key needs here. Without one, API keys are refused: account, session and key management need a person. */
  scope?: ApiKeyScope;
  /** Sign-in and sign-up get the strict login limit; routes visitors can reach get the public limit. */
  rateLimit?: "login" | "public";
}

export type RequestAuthenticator = (request: FastifyRequest) => Promise<Principal>;

const UNSAFE = new Set(["POST", "PATCH", "PUT", "DELETE"]);

/** Admits the principal to a route or throws the 401/403 that says why not. */
export function admit(options: { rule: AuthRule; principal: Principal; request: FastifyRequest }): void {
  const { rule, principal, request } = options;
  checkOrigin(request);
  const open = rule.allow.includes("anyone");
  if (principal.kind === "anonymous") {
    if (open) return;
    throw new AtelierError("unauthorized", "Sign in first, or send an API key as 'Authorization: Bearer atk_…'.");
  }
  if (principal.kind === "visitor") {
    if (!open && !rule.allow.includes("visitor")) throw new AtelierError("forbidden", "Visitors cannot do this; sign in to an owner account.");
  } else {
    const role = principal.user.role;
    const allowed = open || rule.allow.includes("user") || (role === "admin" && rule.allow.includes("admin"));
    if (!allowed) throw new AtelierError("forbidden", rule.allow.includes("admin") ? "Only an admin can do this." : "Accounts cannot do this.");
    if (principal.via === "api_key" && !open) {
      if (!rule.scope) throw new AtelierError("forbidden", "API keys cannot manage accounts, sessions or keys; sign in to do this.");
      if (!principal.scopes.includes(rule.scope)) throw new AtelierError("forbidden", `This API key lacks the "${rule.scope}" scope. Create a key that has it.`);
    }
  }
  if (UNSAFE.has(request.method) && cookieAuthenticated(principal)) checkCsrf(request, principal.csrfToken);
}

function cookieAuthenticated(principal: Principal): principal is (UserPrincipal | VisitorPrincipal) & { csrfToken: string } {
  return (principal.kind === "user" && principal.via === "session") || (principal.kind === "visitor" && principal.via === "cookie");
}

function checkCsrf(request: FastifyRequest, expected: string): void {
  const header = request.headers["x-csrf-token"];
  const given = Buffer.from(typeof header === "string" ? header : "");
  const wanted = Buffer.from(expected);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw new AtelierError("csrf_failed", "Missing or wrong X-CSRF-Token header. Send the csrfToken your session came with (GET /api/auth/session).");
  }
}

/**
 * A browser names the page that sent a write in Origin. One from another site is refused whatever
 * the route: it is a cross-site request riding on cookies (or forcing a sign-in into another account).
 */
function checkOrigin(request: FastifyRequest): void {
  if (!UNSAFE.has(request.method) || !request.headers.cookie) return;
  if (crossSiteOrigin(request) !== undefined) throw new AtelierError("csrf_failed", "Cross-site request refused: this site's cookies only work on its own pages.");
}

/** One line for the OpenAPI description of who may call a route. */
export function describeRule(rule: AuthRule): string {
  const who = rule.allow.includes("anyone") ? "Anyone, signed in or not." : `Allowed: ${rule.allow.join(", ")}.`;
  const keys = rule.allow.includes("anyone") ? "" : rule.scope ? ` API keys need the \`${rule.scope}\` scope.` : " Not available to API keys.";
  return who + keys;
}

/** The policies guards are made of: which agents and conversations a principal may reach. */
export class Access {
  readonly #agents: AgentsService;
  readonly #chat: ChatService;

  constructor(options: { agents: AgentsService; chat: ChatService }) {
    this.#agents = options.agents;
    this.#chat = options.chat;
  }

  /** An agent the principal owns (to edit, delete, publish, read privately). */
  async ownAgent(principal: Principal, idOrHandle: string): Promise<Agent> {
    const agent = await this.#agents.find(idOrHandle);
    if (agent && isOwner(principal, agent)) return agent;
    throw agentNotFound(idOrHandle);
  }

  /**
   * An agent the principal may start a conversation with: their own (as it is now), or an unlisted
   * or public one as visitors get it (the pinned version), from a site it allows.
   */
  async chatAgent(principal: Principal, idOrHandle: string): Promise<Agent> {
    const agent = await this.#agents.find(idOrHandle);
    if (agent && isOwner(principal, agent)) return agent;
    if (agent && agent.visibility !== "private" && principal.kind !== "anonymous") return this.#forVisitor(principal, agent);
    throw agentNotFound(idOrHandle);
  }

  /**
   * An agent whose memories of the principal they may read and clear: one they could chat with, or
   * one they have talked to that has since been unpublished, so that unpublishing never keeps a
   * person from seeing or erasing what was noted about them. Anyone who never talked to an
   * unpublished agent gets the same not_found as for an agent that does not exist.
   */
  async rememberingAgent(principal: Principal, idOrHandle: string): Promise<Agent> {
    try {
      return await this.chatAgent(principal, idOrHandle);
    } catch (error) {
      if (!AtelierError.is(error, "not_found") || principal.kind === "anonymous") throw error;
    }
    const agent = await this.#agents.find(idOrHandle);
    if (!agent) throw agentNotFound(idOrHandle);
    // Their own conversations only: the owner's inbox is not a reason to reach someone else's memories.
    const theirs = await this.#chat.listConversations({ agentId: agent.id, participantId: participantIdOf(principal), limit: 1 });
    if (theirs.length === 0) throw agentNotFound(idOrHandle);
    return this.#forVisitor(principal, agent);
  }

  /** An agent's public face: unlisted and public agents (pinned version) for anyone, and their owner's own as it is now. */
  async publishedAgent(principal: Principal, idOrHandle: string): Promise<Agent> {
    const agent = await this.#agents.find(idOrHandle);
    if (agent && isOwner(principal, agent)) return agent;
    if (agent && agent.visibility !== "private") return this.#forVisitor(principal, agent);
    throw agentNotFound(idOrHandle);
  }

  /**
   * A conversation the principal may reach: any conversation with an agent they own (the owner's
   * inbox), or their own conversation — to read or delete always, to continue ("write") only while
   * the agent is published. Participants get the agent as visitors do (the pinned version).
   */
  async conversation(principal: Principal, id: string, need: "read" | "write"): Promise<{ conversation: Conversation; agent: Agent }> {
    const found = await this.#chat.findConversation(id);
    if (found && principal.kind !== "anonymous") {
      const agent = await this.#agents.find(found.agentId);
      if (agent && isOwner(principal, agent)) return { conversation: found, agent };
      const participates = found.participantId === participantIdOf(principal);
      if (agent && participates && (need === "read" || agent.visibility !== "private")) {
        return { conversation: found, agent: await this.#forVisitor(principal, agent) };
      }
    }
    throw new AtelierError("not_found", `No conversation "${id}". List yours with GET /api/conversations.`);
  }

  /** The pinned version, once the site the request came from (if another) is one the agent allows. */
  async #forVisitor(principal: Principal, agent: Agent): Promise<Agent> {
    const origin = principal.kind === "visitor" ? principal.crossOrigin : undefined;
    if (origin !== undefined) await this.checkSite(agent, origin);
    return this.#agents.forVisitors(agent);
  }

  /** Refuses a page on another site that the agent's owner has not allowed to embed it. */
  async checkSite(agent: Agent, origin: string): Promise<void> {
    const { allowedOrigins } = await this.#agents.publishSettings(agent);
    if (allowedOrigins.includes(origin.toLowerCase())) return;
    throw new AtelierError(
      "forbidden",
      `This website is not allowed to use ${agent.name}. The owner can add ${origin} in the agent's publish settings.`,
    );
  }

  /** A conversation with one of the principal's agents: the owner's inbox (takeover, review, read marks). */
  async ownConversation(principal: Principal, id: string): Promise<{ conversation: Conversation; agent: Agent }> {
    const found = await this.#chat.findConversation(id);
    const agent = found && (await this.#agents.find(found.agentId));
    if (found && agent && isOwner(principal, agent)) return { conversation: found, agent };
    throw new AtelierError("not_found", `No conversation "${id}" with your agents. See GET /api/inbox.`);
  }
}

function isOwner(principal: Principal, agent: Agent): boolean {
  return principal.kind === "user" && agent.ownerId === principal.user.id;
}

function agentNotFound(idOrHandle: string): AtelierError {
  return new AtelierError("not_found", `No agent "${idOrHandle}". List yours with GET /api/agents.`);
}
