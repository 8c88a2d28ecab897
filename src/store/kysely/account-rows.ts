import type { Selectable } from "kysely";
import { z } from "zod";
import { ApiKeyScope, AuditEvent, UserRole, type ApiKey, type Invite, type User } from "../../contracts/index.js";
import type { StoredApiKey, StoredSession, StoredUser, StoredVisitor } from "../accounts.js";
import type { ApiKeysTable, AuditEventsTable, InvitesTable, SessionsTable, UsersTable, VisitorsTable } from "./database.js";
import { parseStored, parseStoredJson } from "./stored-data.js";

/*
 * Rows of the account tables to contract types. Columns holding a closed set (role, scopes,
 * action, detail) are parsed, not cast, so a value this version does not know is a typed error.
 */

export type UserRow = Selectable<UsersTable>;

export function toStoredUser(row: UserRow): StoredUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: parseStored(UserRole, row.role, `role of user "${row.id}"`),
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The user without the password hash: what leaves the store whenever the caller did not ask for the secret. */
export function toUser(row: UserRow): User {
  const { passwordHash: _secret, ...user } = toStoredUser(row);
  return user;
}

export function toSession(row: Omit<Selectable<SessionsTable>, "token_hash">): StoredSession {
  return { id: row.id, userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at, lastSeenAt: row.last_seen_at };
}

const Scopes = z.array(ApiKeyScope);
const AgentIds = z.array(z.string());

export function toStoredApiKey(row: Selectable<ApiKeysTable>): StoredApiKey {
  const what = `scopes of API key "${row.id}"`;
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    tokenHash: row.token_hash,
    scopes: parseStored(Scopes, parseStoredJson(row.scopes, what), what),
    agentIds: row.agent_ids === null ? null : parseStored(AgentIds, parseStoredJson(row.agent_ids, `agents of API key "${row.id}"`), `agents of API key "${row.id}"`),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

export function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  const { userId: _owner, tokenHash: _secret, ...key } = toStoredApiKey(row);
  return key;
}

export function toVisitor(row: Omit<Selectable<VisitorsTable>, "token_hash">): StoredVisitor {
  return { id: row.id, externalKey: row.external_key, createdAt: row.created_at, lastSeenAt: row.last_seen_at };
}

export function toInvite(row: Selectable<InvitesTable>): Invite {
  return { id: row.id, email: row.email, createdAt: row.created_at, expiresAt: row.expires_at, usedAt: row.used_at };
}

export function toAuditEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  const what = `audit event "${row.id}"`;
  return parseStored(
    AuditEvent,
    {
      id: row.id,
      action: row.action,
      actor: row.actor,
      targetType: row.target_type,
      targetId: row.target_id,
      ip: row.ip,
      detail: parseStoredJson(row.detail, what),
      createdAt: row.created_at,
    },
    what,
  );
}
