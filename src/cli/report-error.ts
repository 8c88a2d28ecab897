import type { Writable } from "node:stream";
import { AtelierError } from "../contracts/index.js";

/** Thrown by a command that has already said what went wrong and only needs an exit status. */
export class ExitCode extends Error {
  readonly code: number;

  constructor(code: number) {
    super(`exit ${code}`);
    this.name = "ExitCode";
    this.code = code;
  }
}

/**
 * Prints `error: <message> (<code>)` and the invalid fields. Stacks only with ATELIER_DEBUG=1: a
 * user needs to know what to fix, not where in our code it was noticed.
 */
export function reportError(error: unknown, options: { stderr: Writable; env: NodeJS.ProcessEnv }): void {
  const { stderr } = options;
  if (error instanceof AtelierError) {
    stderr.write(`error: ${error.message} (${error.code})\n`);
    for (const issue of error.issues ?? []) {
      // Messages made by AtelierError.fromZod already list their issues; do not say them twice.
      if (!error.message.includes(`${issue.path}: ${issue.message}`)) stderr.write(`  ${issue.path}: ${issue.message}\n`);
    }
  } else {
    stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  if (options.env.ATELIER_DEBUG === "1") stderr.write(`${debugDetail(error)}\n`);
}

function debugDetail(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? String(current)) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push("caused by:");
  }
  return parts.join("\n");
}
