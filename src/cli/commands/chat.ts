import type { Command } from "commander";
import { ChatSession } from "../chat-session.js";
import { clientFor, type CliContext } from "../context.js";
import { ExitCode } from "../report-error.js";

export function registerChatCommand(program: Command, context: CliContext): void {
  program
    .command("chat")
    .argument("<agent>", "the agent's handle or id")
    .description("Talk with an agent in the terminal; replies stream as they are written")
    .option("--conversation <id>", "continue this conversation instead of starting a new one")
    .option("--participant <id>", "who is talking (the agent remembers people apart)")
    .option("--show-stats", "print model, tokens and latency after each reply")
    .addHelpText(
      "after",
      `
In the chat: /regenerate, /new, /help, /exit. Ctrl-C stops a reply; at the prompt it leaves (so does Ctrl-D).

When stdin is not a terminal, every line is a message: the replies are printed as "<name>: <text>"
and the command exits at the end of input, with status 1 if any turn failed.

Examples:
  $ atelier chat ada
  $ atelier chat ada --conversation cnv_01J... --show-stats
  $ printf 'Hello!\\nWhat do you like to read?\\n' | atelier chat ada`,
    )
    .action(async (agent: string, flags: { conversation?: string; participant?: string; showStats?: boolean }, command: Command) => {
      const session = new ChatSession({
        client: clientFor(command, context),
        input: context.stdin,
        output: context.stdout,
        errorOutput: context.stderr,
        agent,
        ...(flags.conversation ? { conversationId: flags.conversation } : {}),
        ...(flags.participant ? { participantId: flags.participant } : {}),
        showStats: flags.showStats ?? false,
      });
      // With a terminal, readline turns Ctrl-C into its own event; with piped stdin the signal comes to the process.
      const onSignal = () => session.interrupt();
      process.on("SIGINT", onSignal);
      try {
        const outcome = await session.run();
        const interactive = Boolean(context.stdin.isTTY && context.stdout.isTTY);
        if (!interactive && outcome.failures > 0) throw new ExitCode(1);
      } finally {
        process.off("SIGINT", onSignal);
      }
    });
}
