import { AtelierError, type ApiKey, type ApiKeyScope, type ApiKeyUsage } from "../../contracts/index.js";
import type { Store } from "../../store/store.js";
import { newId } from "../ids.js";
import { publicUser } from "./accounts-service.js";
import { apiKeyIdOf, issueApiKey } from "./api-keys.js";
import type { AuditLog } from "./audit-log.js";
import type { Principal } from "./principal.js";
import { csrfTokenFor, hashToken, newToken, sameHash } from "./tokens.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** last-used and sliding-expiry writes happen at most this often per credential, not on every request. */
const TOUCH_EVERY_MS = 60_000;
/** How far back a key's usage report reaches. */
const USAGE_DAYS = 30;

/** The credentials a request carried, as the HTTP layer found them. */
export interface PresentedCredentials {
  /** From `Authorization: Bearer …`. */
  bearer?: string | undefined;
  sessionCookie?: string | undefined;
  visitorCookie?: string | undefined;
}

/** Turns credentials into a Principal, and manages API keys and visitor identities. */
export class CredentialsService {
  readonly #store: Store;
  readonly #audit: AuditLog;
  readonly #sessionTtlMs: number;
  readonly #now: () => Date;
  readonly #touched = new Map<string, number>();

  constructor(options: { store: Store; audit: AuditLog; sessionTtlDays: number; now?: () => Date }) {
    this.#store = options.store;
    this.#audit = options.audit;
    this.#sessionTtlMs = options.sessionTtlDays * DAY_MS;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * A bearer token that is wrong is an error (the caller meant to authenticate); a stale cookie is
   * just no identity, so public pages keep working after a session ends.
   */
  async authenticate(credentials: PresentedCredentials): Promise<Principal> {
    if (credentials.bearer !== undefined) {
      const principal = await this.#fromBearer(credentials.bearer);
      if (!principal) throw new AtelierError("unauthorized", "The API key or token is not valid (unknown, revoked or expired). Create a new one.");
      return principal;
    }
    if (credentials.sessionCookie) {
      const principal = await this.#fromSession(credentials.sessionCookie);
      if (principal) return principal;
    }
    if (credentials.visitorCookie) {
      const principal = await this.#fromVisitor(credentials.visitorCookie, "cookie");
      if (principal) return principal;
    }
    return { kind: "anonymous" };
  }

  /** `agentIds` (ids or handles, the caller's own agents) limit what the key may use through /v1; omitted: all. */
  async createApiKey(input: {
    userId: string;
    name: string;
    scopes: ApiKeyScope[];
    agentIds?: readonly string[] | undefined;
    expiresInDays?: number | undefined;
    ip: string | null;
  }): Promise<{ key: ApiKey; token: string }> {
    const now = this.#now();
    const agentIds = input.agentIds === undefined ? null : await this.#ownAgentIds(input.userId, input.agentIds);
    const issued = await issueApiKey(this.#store.apiKeys, {
      userId: input.userId,
      name: input.name,
      scopes: input.scopes,
      agentIds,
      now: now.toISOString(),
      expiresAt: input.expiresInDays === undefined ? null : new Date(now.getTime() + input.expiresInDays * DAY_MS).toISOString(),
    });
    const { key } = issued;
    await this.#audit.record({ userId: input.userId, action: "api_key.created", actor: input.userId, ip: input.ip, target: { type: "api_key", id: key.id }, detail: { name: key.name, scopes: key.scopes.join(" "), agents: key.agentIds === null ? "all" : key.agentIds.join(" ") } });
    return issued;
  }

  /** Usage of one of the user's keys through /v1 over the last `days` UTC days (today included), newest first. */
  async apiKeyUsage(input: { userId: string; keyId: string; days?: number }): Promise<ApiKeyUsage> {
    const found = await this.#store.apiKeys.findById(input.keyId);
    if (!found || found.key.userId !== input.userId) throw new AtelierError("not_found", `You have no API key "${input.keyId}". List yours with GET /api/keys.`);
    const since = new Date(this.#now().getTime() - ((input.days ?? USAGE_DAYS) - 1) * DAY_MS).toISOString().slice(0, 10);
    return { keyId: found.key.id, usage: await this.#store.apiKeyUsage.listForKey(found.key.id, { sinceDay: since }) };
  }

  /** The ids of the user's agents named by id or handle; names that are not theirs fail together, listed. */
  async #ownAgentIds(userId: string, names: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    const unknown: string[] = [];
    for (const name of names) {
      const agent = (await this.#store.agents.get(name)) ?? (await this.#store.agents.getByHandle(name.toLowerCase()));
      if (agent && agent.ownerId === userId) ids.push(agent.id);
      else unknown.push(name);
    }
    if (unknown.length > 0) {
      throw new AtelierError("bad_request", `You have no agent ${unknown.map((name) => `"${name}"`).join(", ")}. Name your own agents by id or handle (GET /api/agents lists them).`);
    }
    return [...new Set(ids)];
  }

  listApiKeys(userId: string): Promise<ApiKey[]> {
    return this.#store.apiKeys.listForUser(userId);
  }

  async revokeApiKey(input: { userId: string; keyId: string; ip: string | null }): Promise<void> {
    const revoked = await this.#store.apiKeys.revoke({ userId: input.userId, id: input.keyId, now: this.#now().toISOString() });
    if (!revoked) throw new AtelierError("not_found", `You have no API key "${input.keyId}". List yours with GET /api/keys.`);
    await this.#audit.record({ userId: input.userId, action: "api_key.revoked", actor: input.userId, ip: input.ip, target: { type: "api_key", id: input.keyId } });
  }

  /** A new anonymous visitor. The token is their only identity: whoever holds it sees their conversations. */
  async createVisitor(): Promise<{ visitorId: string; token: string; csrfToken: string }> {
    const token = newToken("vis");
    const visitor = await this.#store.visitors.create({ id: newId("vis"), tokenHash: hashToken(token), now: this.#now().toISOString() });
    return { visitorId: visitor.id, token, csrfToken: csrfTokenFor(token) };
  }

  /** A visitor forgets themselves: their identity and every conversation they had go. */
  async deleteVisitor(visitorId: string): Promise<void> {
    await this.#store.visitors.delete(visitorId);
  }

  async #fromBearer(token: string): Promise<Principal | undefined> {
    if (token.startsWith("vis_")) return this.#fromVisitor(token, "bearer");
    const keyId = apiKeyIdOf(token);
    if (!keyId) return undefined;
    const found = await this.#store.apiKeys.findById(keyId);
    if (!found || !sameHash(found.key.tokenHash, hashToken(token))) return undefined;
    const now = this.#now();
    if (found.key.revokedAt !== null || (found.key.expiresAt !== null && found.key.expiresAt <= now.toISOString())) return undefined;
    if (this.#due(keyId, now)) await this.#store.apiKeys.touch({ id: keyId, now: now.toISOString() });
    return { kind: "user", user: publicUser(found.user), via: "api_key", keyId, scopes: found.key.scopes, agentIds: found.key.agentIds };
  }

  async #fromSession(token: string): Promise<Principal | undefined> {
    if (!token.startsWith("ses_")) return undefined;
    const now = this.#now();
    const found = await this.#store.sessions.findByTokenHash(hashToken(token), now.toISOString());
    if (!found) return undefined;
    let expiresAt = found.session.expiresAt;
    if (this.#due(found.session.id, now)) {
      expiresAt = new Date(now.getTime() + this.#sessionTtlMs).toISOString();
      await this.#store.sessions.touch({ id: found.session.id, now: now.toISOString(), expiresAt });
    }
    return { kind: "user", user: publicUser(found.user), via: "session", sessionId: found.session.id, csrfToken: csrfTokenFor(token), expiresAt };
  }

  async #fromVisitor(token: string, via: "cookie" | "bearer"): Promise<Principal | undefined> {
    if (!token.startsWith("vis_")) return undefined;
    const visitor = await this.#store.visitors.findByTokenHash(hashToken(token));
    if (!visitor) return undefined;
    const now = this.#now();
    if (this.#due(visitor.id, now)) await this.#store.visitors.touch({ id: visitor.id, now: now.toISOString() });
    return { kind: "visitor", visitorId: visitor.id, via, csrfToken: csrfTokenFor(token) };
  }

  #due(id: string, now: Date): boolean {
    const last = this.#touched.get(id);
    if (last !== undefined && now.getTime() - last < TOUCH_EVERY_MS) return false;
    if (this.#touched.size > 10_000) this.#touched.clear();
    this.#touched.set(id, now.getTime());
    return true;
  }
}
