import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../../src/config/load.js";
import type { ConfigInput } from "../../src/contracts/index.js";
import { seedApiKey, seedUser, TEST_PASSWORD } from "./accounts.js";
import { startServer, type RunningServer } from "../../src/server/main.js";
import { testModelPath, testThreads } from "./models.js";

export interface TestServer extends RunningServer {
  dataDir: string;
  /** The instance's first user (an admin), made directly in the store. */
  admin: { id: string; email: string; password: string };
  /** An API key of `admin` with every scope; `json` and `post` send it unless told otherwise. */
  apiKey: string;
  /** `{ authorization: "Bearer <apiKey>" }`. */
  auth: Record<string, string>;
  /** JSON request helper: returns status and parsed body. */
  json<T = unknown>(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  post(url: string, body: unknown, init?: RequestInit): Promise<Response>;
}

/** The real server on the real engine (stories260K) and a real SQLite file in a temp dir, on a free port. */
export async function startTestServer(options: { dataDir?: string; config?: ConfigInput } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "atelier-test-"));
  const config = loadConfig({
    env: {},
    overrides: {
      port: 0,
      dataDir,
      logLevel: "silent",
      model: testModelPath(),
      llama: { threads: testThreads, sequences: 4 },
      ...options.config,
    },
  });
  const server = await startServer({ config });
  const { admin, apiKey } = await createAdminWithKey(server);
  const auth = { authorization: `Bearer ${apiKey}` };
  return {
    ...server,
    dataDir,
    admin,
    apiKey,
    auth,
    async json(method, url, body, headers = {}) {
      const response = await fetch(server.url + url, {
        method,
        headers: { ...auth, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as never };
    },
    post(url, body, init = {}) {
      return fetch(server.url + url, {
        method: "POST",
        body: JSON.stringify(body),
        ...init,
        headers: { ...auth, "content-type": "application/json", ...(init.headers as Record<string, string> | undefined) },
      });
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The first user (so an admin) and an all-scopes API key, written straight to the store. */
async function createAdminWithKey(server: RunningServer): Promise<{ admin: TestServer["admin"]; apiKey: string }> {
  const { store } = server.services;
  const email = "admin@example.test";
  // A restart on the same data (directory or database) finds the admin already there.
  const admin = (await store.users.getByEmail(email)) ?? (await seedUser(store, { role: "admin-if-first", email }));
  return { admin: { id: admin.id, email, password: TEST_PASSWORD }, apiKey: await seedApiKey(store, admin.id) };
}
