import type { Readable, Writable } from "node:stream";
import type { Command } from "commander";
import { AtelierClient } from "../client/http-client.js";
import { loadConfig } from "../config/load.js";

/** What commands touch outside themselves, so tests can run them against piped streams. */
export interface CliContext {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Replaces the global fetch (tests). */
  fetch?: typeof fetch;
}

export interface GlobalOptions {
  url?: string;
  config?: string;
}

export function processContext(): CliContext {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** `--url`, else $ATELIER_URL, else the address `atelier serve` would listen on with this config. */
export function resolveServerUrl(options: { globals: GlobalOptions; env: NodeJS.ProcessEnv }): string {
  const { globals, env } = options;
  if (globals.url) return globals.url;
  if (env.ATELIER_URL) return env.ATELIER_URL;
  const config = loadConfig({ file: globals.config, env });
  // A server bound to every interface is reachable on loopback; the wildcard itself is not an address.
  const host = ["0.0.0.0", "::", "[::]", ""].includes(config.host) ? "127.0.0.1" : config.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.port}`;
}

export function clientFor(command: Command, context: CliContext): AtelierClient {
  const baseUrl = resolveServerUrl({ globals: globalOptions(command), env: context.env });
  return new AtelierClient(context.fetch ? { baseUrl, fetch: context.fetch } : { baseUrl });
}
