import { ApiKeyScope, AtelierError, User, type ApiKey, type UserRole } from "../contracts/index.js";
import { issueApiKey } from "../runtime/auth/api-keys.js";
import { generatePassword, hashPassword } from "../runtime/auth/passwords.js";
import { newId } from "../runtime/ids.js";
import type { NewAuditEvent } from "../store/accounts.js";
import type { Store } from "../store/store.js";

/*
 * Account work done straight on the database, for headless setup and for recovery when nobody can
 * sign in. Whoever runs these can read the data directory, so they act as "system" in the audit log.
 * Inputs arrive validated (commands/user.ts); the argon2 module is loaded only by these commands.
 */

const ACTOR = "system";

export interface CreatedAccount {
  user: User;
  /** Present when the password was generated: shown once, never stored. */
  password?: string;
  /** Present when a key was asked for; `token` is shown once. */
  apiKey?: { key: ApiKey; token: string };
}

/** `role` undefined: the instance's first user becomes its admin, any later one an owner. */
export async function createAccount(options: {
  store: Store;
  email: string;
  name: string;
  role: UserRole | undefined;
  password: string | undefined;
  apiKeyName: string | undefined;
  now?: Date;
}): Promise<CreatedAccount> {
  const { store } = options;
  const now = (options.now ?? new Date()).toISOString();
  const password = options.password ?? generatePassword();
  const user = await store.users
    .create({ id: newId("usr"), email: options.email, name: options.name, role: options.role ?? "admin-if-first", passwordHash: await hashPassword(password), now })
    .catch((error: unknown) => {
      if (!AtelierError.is(error, "conflict")) throw error;
      throw new AtelierError("conflict", `An account with the email ${options.email} already exists. To let its owner in again: atelier user reset-password ${options.email}`, { cause: error });
    });
  const target = { targetType: "user", targetId: user.id };
  await appendAudit(store, { userId: user.id, action: "user.created", ...target, detail: { role: user.role, via: "cli" }, createdAt: now });
  // The instance's own log too, where an admin reviews who was let in.
  await appendAudit(store, { userId: null, action: "user.created", ...target, detail: { role: user.role, via: "cli" }, createdAt: now });
  const created: CreatedAccount = { user, ...(options.password === undefined ? { password } : {}) };
  if (options.apiKeyName !== undefined) created.apiKey = await createFullApiKey({ store, userId: user.id, name: options.apiKeyName, now });
  return created;
}

export interface PasswordReset {
  user: User;
  password?: string;
  sessionsEnded: number;
}

/** Sets (or generates) the password and signs the user out everywhere: whoever knew the old one loses access. */
export async function resetAccountPassword(options: { store: Store; email: string; password: string | undefined; now?: Date }): Promise<PasswordReset> {
  const { store } = options;
  const now = (options.now ?? new Date()).toISOString();
  const user = await store.users.getByEmail(options.email);
  if (!user) throw new AtelierError("not_found", `No user with the email ${options.email}. See who there is: atelier user list`);
  const password = options.password ?? generatePassword();
  await store.users.setPassword({ id: user.id, passwordHash: await hashPassword(password), now });
  const sessionsEnded = await store.sessions.deleteForUser(user.id);
  await appendAudit(store, { userId: user.id, action: "user.password_reset", targetType: "user", targetId: user.id, detail: { via: "cli", sessionsEnded }, createdAt: now });
  // Parsing drops passwordHash: what leaves here may be printed.
  return { user: User.parse(user), ...(options.password === undefined ? { password } : {}), sessionsEnded };
}

/** A key with every scope: the CLI's own key, for an operator who already holds the data directory. */
async function createFullApiKey(options: { store: Store; userId: string; name: string; now: string }): Promise<{ key: ApiKey; token: string }> {
  const { store, userId, now } = options;
  const issued = await issueApiKey(store.apiKeys, { userId, name: options.name, scopes: ApiKeyScope.options, now, expiresAt: null });
  const { key } = issued;
  await appendAudit(store, {
    userId, action: "api_key.created", targetType: "api_key", targetId: key.id, detail: { name: key.name, scopes: key.scopes.join(" "), via: "cli" }, createdAt: now,
  });
  return issued;
}

function appendAudit(store: Store, event: Omit<NewAuditEvent, "id" | "actor" | "ip">): Promise<void> {
  return store.audit.append({ id: newId("aud"), actor: ACTOR, ip: null, ...event });
}
