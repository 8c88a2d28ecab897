import type { Command } from "commander";
import { clientFor, type CliContext } from "../context.js";
import { ExitCode } from "../report-error.js";

export function registerStatusCommand(program: Command, context: CliContext): void {
  program
    .command("status")
    .description("Check that the server is up and its model is loaded (exit status 1 when not ready)")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }, command: Command) => {
      const client = clientFor(command, context);
      const readiness = await client.readiness();
      if (flags.json) {
        context.stdout.write(`${JSON.stringify(readiness, null, 2)}\n`);
      } else {
        context.stdout.write(`${client.baseUrl}: ${readiness.status === "ready" ? "ready" : "not ready"}\n`);
        for (const [name, check] of Object.entries(readiness.checks)) {
          context.stdout.write(`  ${check.ok ? "ok  " : "FAIL"} ${name}${check.detail ? `: ${check.detail}` : ""}\n`);
        }
      }
      if (readiness.status !== "ready") throw new ExitCode(1);
    });
}
