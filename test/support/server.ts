import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../../src/config/load.js";
import type { ConfigInput } from "../../src/contracts/index.js";
import { startServer, type RunningServer } from "../../src/server/main.js";
import { testModelPath, testThreads } from "./models.js";

export interface TestServer extends RunningServer {
  dataDir: string;
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
  return {
    ...server,
    dataDir,
    async json(method, url, body, headers = {}) {
      const response = await fetch(server.url + url, {
        method,
        headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as never };
    },
    post(url, body, init = {}) {
      return fetch(server.url + url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        ...init,
      });
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
