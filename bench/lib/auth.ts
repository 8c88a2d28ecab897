/**
 * Credentials for the benchmarks: every /api route needs `Authorization: Bearer <API key>`. The bench
 * seeds its own user and key straight into the store (it must not import test helpers: the build
 * compiles bench/ and src/ only).
 */
import { ApiKeyScope } from "../../src/contracts/auth.js";
import { issueApiKey } from "../../src/runtime/auth/api-keys.js";
import { generatePassword, hashPassword } from "../../src/runtime/auth/passwords.js";
import { newId } from "../../src/runtime/ids.js";
import { sqliteFileOf } from "../../src/store/open-store.js";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";

const BENCH_EMAIL = "bench@example.test";

/**
 * The instance's first user (its admin; reused when it exists) and a new API key of theirs with every
 * scope. Returns the key's token, for `Authorization: Bearer <token>`.
 */
export async function seedBenchApiKey(store: Store): Promise<string> {
  const now = new Date().toISOString();
  const existing = await store.users.getByEmail(BENCH_EMAIL);
  const user =
    existing ??
    (await store.users.create({
      id: newId("usr"),
      email: BENCH_EMAIL,
      name: "Bench",
      role: "admin-if-first",
      passwordHash: await hashPassword(generatePassword()),
      now,
    }));
  const { token } = await issueApiKey(store.apiKeys, { userId: user.id, name: "bench", scopes: ApiKeyScope.options, now, expiresAt: null });
  return token;
}

/** The same in the SQLite database of a data folder the server has not opened yet (opened, seeded, closed). */
export async function seedBenchApiKeyInDataDir(dataDir: string): Promise<string> {
  await using store = await openSqliteStore({ file: sqliteFileOf({ dataDir }) });
  // `return await`: the store must stay open until the seed is written (disposal runs at return).
  return await seedBenchApiKey(store);
}

/** The request header that carries the token. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
