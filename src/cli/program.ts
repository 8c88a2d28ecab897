import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { explainUnauthorized } from "./auth-hint.js";
import { registerBackupCommands } from "./commands/backup.js";
import { registerAgentCommands } from "./commands/agent.js";
import { registerChatCommand } from "./commands/chat.js";
import { registerKnowledgeCommands } from "./commands/knowledge.js";
import { registerModelsCommands } from "./commands/models.js";
import { registerServeCommand } from "./commands/serve.js";
import { registerStatusCommand } from "./commands/status.js";
import { registerUserCommands } from "./commands/user.js";
import { resolveApiKey, type CliContext, type GlobalOptions } from "./context.js";
import { ExitCode, reportError } from "./report-error.js";

function packageVersion(): string {
  // ../../ from src/cli (tests, tsx); ../../../ from dist/src/cli (the installed bin).
  for (const candidate of ["../../package.json", "../../../package.json"]) {
    try {
      const { version } = JSON.parse(readFileSync(new URL(candidate, import.meta.url), "utf8")) as { version?: unknown };
      if (typeof version === "string") return version;
    } catch {
      // not at this level; try the next
    }
  }
  return "unknown";
}

export function createProgram(context: CliContext): Command {
  const program = new Command("atelier")
    .description("Atelier: build your own AI agent and talk to it on open-weight models you control.")
    .version(packageVersion(), "-V, --version", "print the version")
    .option("--url <url>", "server to talk to (default: $ATELIER_URL, else this machine on the configured port)")
    .option("--config <file>", "JSON config file (default: $ATELIER_CONFIG, else ./atelier.config.json)")
    // The variable is the better habit: command-line arguments show up in `ps` and shell history.
    .option("--api-key <key>", "API key sent to the server (default: $ATELIER_API_KEY)")
    // Commands throw; runCli decides the exit status, so tests can run the program in-process.
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .addHelpText(
      "after",
      `
Examples:
  $ atelier serve                                  start the server (downloads a small model first)
  $ atelier agent create --name Ada --greeting "Hi, I'm Ada."
  $ atelier chat ada                               talk to it
  $ atelier --url http://10.0.0.5:4321 agent list  use a server on another machine
  $ atelier user create --email you@example.com --name You --api-key-name cli
                                                   first account (an admin) and an API key
  $ export ATELIER_API_KEY=atk_...                 then every command sends it

Set ATELIER_DEBUG=1 to see stack traces.`,
    );
  // Registered after the settings above: subcommands made with .command() inherit them.
  registerServeCommand(program, context);
  registerAgentCommands(program, context);
  registerChatCommand(program, context);
  registerKnowledgeCommands(program, context);
  registerModelsCommands(program, context);
  registerStatusCommand(program, context);
  registerUserCommands(program, context);
  registerBackupCommands(program, context);
  return program;
}

/**
 * Runs the CLI and returns the exit status: 0 on success (and for --help/--version), 1 for any
 * error (reported as "error: <message> (<code>)" on stderr), commander's own status for usage errors.
 */
export async function runCli(options: { argv: readonly string[]; context: CliContext }): Promise<number> {
  const { context } = options;
  const program = createProgram(context);
  try {
    await program.parseAsync([...options.argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof ExitCode) return error.code;
    // Commander already printed its message (or the help); only the status is left to give.
    if (error instanceof CommanderError) return error.exitCode;
    const apiKeyGiven = resolveApiKey({ globals: program.opts<GlobalOptions>(), env: context.env }) !== undefined;
    reportError(explainUnauthorized(error, { apiKeyGiven }), { stderr: context.stderr, env: context.env });
    return 1;
  }
}
