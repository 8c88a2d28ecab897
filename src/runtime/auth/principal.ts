import { AtelierError } from "../../contracts/index.js";
import type { ApiKeyScope, User } from "../../contracts/index.js";

/** Who is calling. Resolved once per request from its credentials; every authorisation decision reads it. */
export type Principal =
  | { kind: "anonymous" }
  | {
    kind: "visitor"; visitorId: string; via: "cookie" | "bearer"; csrfToken: string;
    /** The other site whose page sent the request (the widget), when it came from one; agents must allow it. */
    crossOrigin?: string;
  }
  | { kind: "user"; user: User; via: "session"; sessionId: string; csrfToken: string; expiresAt: string }
  | { kind: "user"; user: User; via: "api_key"; keyId: string; scopes: readonly ApiKeyScope[]; agentIds?: readonly string[] | null };

export type UserPrincipal = Extract<Principal, { kind: "user" }>;
export type VisitorPrincipal = Extract<Principal, { kind: "visitor" }>;

/** The participant id a principal's own conversations carry: the visitor or the user. */
export function participantIdOf(principal: UserPrincipal | VisitorPrincipal): string {
  return principal.kind === "visitor" ? principal.visitorId : principal.user.id;
}

/** How the audit log names an actor. */
export function actorOf(principal: Principal): string | null {
  if (principal.kind === "user") return principal.user.id;
  if (principal.kind === "visitor") return `visitor:${principal.visitorId}`;
  return null;
}

/**
 * The signed-in user of a route whose rule admits only users. The authorisation layer has already
 * refused everyone else; this keeps handlers type-safe without casts and fails closed if a rule changes.
 */
export function userOf(principal: Principal): UserPrincipal {
  if (principal.kind !== "user") throw new AtelierError("unauthorized", "Sign in first.");
  return principal;
}

export function visitorOrUserOf(principal: Principal): UserPrincipal | VisitorPrincipal {
  if (principal.kind === "anonymous") throw new AtelierError("unauthorized", "Sign in first, or start a visitor session (POST /api/visitors).");
  return principal;
}

export function visitorOf(principal: Principal): VisitorPrincipal {
  if (principal.kind !== "visitor") throw new AtelierError("forbidden", "Only visitors can do this.");
  return principal;
}
