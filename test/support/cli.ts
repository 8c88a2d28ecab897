import { PassThrough, Readable } from "node:stream";
import { runCli } from "../../src/cli/program.js";
import type { TestServer } from "./server.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `atelier <args>` in-process against the real server, with piped stdin and captured output.
 * It sends the admin's API key and works on the server's data directory unless `env` says otherwise.
 */
export async function runAtelier(server: TestServer, args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk) => (out += chunk));
  stderr.on("data", (chunk) => (err += chunk));
  const code = await runCli({
    argv: ["--url", server.url, ...args],
    context: {
      stdin: Readable.from([options.stdin ?? ""]),
      stdout,
      stderr,
      env: options.env ?? { ATELIER_API_KEY: server.apiKey, ATELIER_DATA_DIR: server.dataDir },
    },
  });
  return { code, stdout: out, stderr: err };
}
