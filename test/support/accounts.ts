import { ApiKeyScope, type UserRole } from "../../src/contracts/index.js";
import { issueApiKey } from "../../src/runtime/auth/api-keys.js";
import { hashPassword } from "../../src/runtime/auth/passwords.js";
import { csrfTokenFor, hashToken, newToken } from "../../src/runtime/auth/tokens.js";
import { newId } from "../../src/runtime/ids.js";
import type { Store } from "../../src/store/store.js";

export const TEST_PASSWORD = "test-password-123";
/** One argon2 hash for every test user: hashing costs ~60 ms, and the matrix makes hundreds of users. */
let passwordHash: Promise<string> | undefined;

export interface SeededUser {
  id: string;
  email: string;
  role: UserRole;
}

/** A user written straight to the store. `role: "admin-if-first"` makes the instance's first user its admin. */
export async function seedUser(store: Store, options: { role?: UserRole | "admin-if-first"; email?: string } = {}): Promise<SeededUser> {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const id = newId("usr");
  const email = options.email ?? `${id}@example.test`;
  const user = await store.users.create({ id, email, name: `User ${id.slice(-6)}`, role: options.role ?? "owner", passwordHash: await passwordHash, now: new Date().toISOString() });
  return { id: user.id, email, role: user.role };
}

/** An API key for the user (every scope unless told). */
export async function seedApiKey(store: Store, userId: string, scopes: ApiKeyScope[] = [...ApiKeyScope.options]): Promise<string> {
  const { token } = await issueApiKey(store.apiKeys, { userId, name: "tests", scopes, now: new Date().toISOString(), expiresAt: null });
  return token;
}

/** Headers of a signed-in browser: the session cookie and its CSRF token. */
export async function seedSession(store: Store, userId: string): Promise<Record<string, string>> {
  const token = newToken("ses");
  const now = Date.now();
  await store.sessions.create({
    id: newId("ses"), userId, tokenHash: hashToken(token), now: new Date(now).toISOString(), expiresAt: new Date(now + 86_400_000).toISOString(),
  });
  return { cookie: `atelier_session=${token}`, "x-csrf-token": csrfTokenFor(token) };
}

/** Headers of a visitor's browser: the visitor cookie and its CSRF token. */
export async function seedVisitor(store: Store): Promise<{ id: string; headers: Record<string, string>; token: string }> {
  const token = newToken("vis");
  const visitor = await store.visitors.create({ id: newId("vis"), tokenHash: hashToken(token), now: new Date().toISOString() });
  return { id: visitor.id, token, headers: { cookie: `atelier_visitor=${token}`, "x-csrf-token": csrfTokenFor(token) } };
}
