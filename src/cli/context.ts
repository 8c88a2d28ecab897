import type { Readable, Writable } from "node:stream";
import type { Command } from "commander";
import { AtelierClient } from "../client/http-client.js";
import { loadConfig } from "../config/load.js";
import type { Config, ConfigInput } from "../contracts/index.js";

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
  apiKey?: string;
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

/** `--api-key`, else $ATELIER_API_KEY; undefined when neither is set. */
export function resolveApiKey(options: { globals: GlobalOptions; env: NodeJS.ProcessEnv }): string | undefined {
  const key = options.globals.apiKey ?? options.env.ATELIER_API_KEY;
  return key?.trim() ? key.trim() : undefined;
}

export function clientFor(command: Command, context: CliContext): AtelierClient {
  const globals = globalOptions(command);
  const baseUrl = resolveServerUrl({ globals, env: context.env });
  const apiKey = resolveApiKey({ globals, env: context.env });
  return new AtelierClient({
    baseUrl,
    ...(context.fetch ? { fetch: context.fetch } : {}),
    ...(apiKey ? { headers: { authorization: `Bearer ${apiKey}` } } : {}),
  });
}

/** The configuration for commands that work on this machine's data rather than through the server. */
export function configFor(command: Command, context: CliContext, overrides: ConfigInput = {}): Config {
  return loadConfig({ file: globalOptions(command).config, env: context.env, overrides });
}
