import type { ApiKey, ApiKeyScope, AuditAction, AuditEvent, Invite, User, UserRole } from "../contracts/index.js";

/*
 * Accounts, credentials and the audit log. Every secret is stored as a SHA-256 hash of a random
 * token (high-entropy tokens need no slow hash); passwords arrive here already hashed (argon2id).
 */

export interface StoredUser extends User {
  passwordHash: string;
}

export interface UserRepository {
  /**
   * Creates a user. `role: "admin-if-first"` makes the very first user of the instance an admin
   * (and any later one an owner), decided atomically even when two sign-ups race; the first admin
   * also adopts agents made before accounts existed (owner_id null). Throws conflict on a taken email.
   */
  create(input: { id: string; email: string; name: string; role: UserRole | "admin-if-first"; passwordHash: string; now: string }): Promise<User>;
  get(id: string): Promise<StoredUser | undefined>;
  getByEmail(email: string): Promise<StoredUser | undefined>;
  /** Oldest first. */
  list(): Promise<User[]>;
  count(): Promise<number>;
  countAdmins(): Promise<number>;
  /** Throws not_found. */
  setPassword(input: { id: string; passwordHash: string; now: string }): Promise<void>;
  /**
   * Deletes the user with everything they own, in one transaction: sessions, API keys, agents (with
   * versions, conversations, messages), invites they created, their audit events. False when absent.
   */
  delete(id: string): Promise<boolean>;
}

export interface StoredSession {
  id: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
  lastSeenAt: string;
}

export interface SessionRepository {
  create(input: { id: string; userId: string; tokenHash: string; now: string; expiresAt: string }): Promise<StoredSession>;
  /** The live session (expiresAt > now) with its user; undefined when unknown or expired. */
  findByTokenHash(tokenHash: string, now: string): Promise<{ session: StoredSession; user: StoredUser } | undefined>;
  /** Sliding expiry. */
  touch(input: { id: string; now: string; expiresAt: string }): Promise<void>;
  delete(id: string): Promise<boolean>;
  /** Signs a user out everywhere (but `exceptId`). Returns how many sessions ended. */
  deleteForUser(userId: string, options?: { exceptId?: string }): Promise<number>;
  deleteExpired(now: string): Promise<number>;
}

export interface StoredApiKey extends ApiKey {
  userId: string;
  tokenHash: string;
}

export interface NewApiKey {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  tokenHash: string;
  scopes: ApiKeyScope[];
  /** The agent ids the key may use through /v1; null or omitted: all of the user's. */
  agentIds?: string[] | null;
  now: string;
  expiresAt: string | null;
}

export interface ApiKeyRepository {
  create(input: NewApiKey): Promise<ApiKey>;
  /** Any key, revoked or expired included (the caller decides), with its user. */
  findById(id: string): Promise<{ key: StoredApiKey; user: StoredUser } | undefined>;
  /** Newest first, revoked ones included. */
  listForUser(userId: string): Promise<ApiKey[]>;
  /** Revokes the user's key (idempotent). False when the user has no such key. */
  revoke(input: { userId: string; id: string; now: string }): Promise<boolean>;
  touch(input: { id: string; now: string }): Promise<void>;
}

export interface StoredVisitor {
  id: string;
  /** "<agentId>:<userId>" for a visitor an embedding site identified; null for an anonymous one. */
  externalKey: string | null;
  createdAt: string;
  lastSeenAt: string;
}

export interface VisitorRepository {
  /** Throws conflict when the id, the token or the external key is taken. */
  create(input: { id: string; tokenHash: string; now: string; externalKey?: string | null }): Promise<StoredVisitor>;
  get(id: string): Promise<StoredVisitor | undefined>;
  findByTokenHash(tokenHash: string): Promise<StoredVisitor | undefined>;
  /** The visitor an embedding site identified: external key "<agentId>:<userId>" (anonymous visitors have none). */
  findByExternalKey(externalKey: string): Promise<StoredVisitor | undefined>;
  /** Replaces the visitor's token: the old one stops working. False when there is no such visitor. */
  setTokenHash(input: { id: string; tokenHash: string }): Promise<boolean>;
  /**
   * Every identified visitor of one agent (external key "<agentId>:…") loses their token, until
   * identified again: an agent's identity secret was replaced. Returns how many.
   */
  revokeIdentifiedTokens(agentId: string): Promise<number>;
  touch(input: { id: string; now: string }): Promise<void>;
  /** Deletes the visitor and every conversation whose participant they are, in one transaction. */
  delete(id: string): Promise<boolean>;
}

export interface InviteRepository {
  create(input: { id: string; createdBy: string; email: string | null; tokenHash: string; now: string; expiresAt: string }): Promise<Invite>;
  /**
   * Marks the invite used if it is unused, unexpired and (when it names one) for this email;
   * atomic, so one invite admits one account. Returns the invite, or undefined when it cannot be used.
   */
  consume(input: { tokenHash: string; email: string; now: string }): Promise<Invite | undefined>;
  /** Newest first. */
  list(): Promise<Invite[]>;
}

export interface NewAuditEvent {
  id: string;
  /** Whose log the event belongs to (the account affected); null for instance-level events. */
  userId: string | null;
  action: AuditAction;
  actor: string | null;
  targetType?: string | null;
  targetId?: string | null;
  ip?: string | null;
  detail?: AuditEvent["detail"];
  createdAt: string;
}

export interface AuditRepository {
  append(event: NewAuditEvent): Promise<void>;
  /** Newest first, by (createdAt, id); `before` is an event id (bad_request when unknown). `userId: null` lists instance-level events. */
  list(options: { userId: string | null; limit: number; before?: string }): Promise<AuditEvent[]>;
}

/** Instance-wide settings as text values, by key. */
export interface SettingsRepository {
  get(key: string): Promise<string | undefined>;
  set(input: { key: string; value: string; now: string }): Promise<void>;
}
