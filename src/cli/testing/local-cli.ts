import { PassThrough } from "node:stream";
import type { CliContext } from "../context.js";
import { runCli } from "../program.js";
import { captureStream } from "./fixtures.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `atelier <argv>` in-process on a data directory of its own, with piped (or pretend-terminal) stdin. */
export async function runLocalCli(
  argv: string[],
  options: { dataDir: string; stdin?: string; stdinIsTTY?: boolean; env?: NodeJS.ProcessEnv },
): Promise<CliRun> {
  const stdout = captureStream();
  const stderr = captureStream();
  const stdin = Object.assign(new PassThrough(), { isTTY: options.stdinIsTTY ?? false });
  stdin.end(options.stdin ?? "");
  const context: CliContext = { stdin, stdout, stderr, env: { ATELIER_DATA_DIR: options.dataDir, ...options.env } };
  const code = await runCli({ argv, context });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
