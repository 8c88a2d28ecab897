import { Command, InvalidArgumentError } from "commander";
import { AtelierError } from "../../contracts/index.js";
import { addAgentFlags, buildPatch, buildProfile, readJsonFile, type AgentFlags } from "../agent-flags.js";
import { confirm } from "../confirm.js";
import { clientFor, type CliContext } from "../context.js";
import { formatAgentDetails, formatAgentTable, formatVersionTable } from "../format.js";
import { registerInterchangeCommands } from "./agent-interchange.js";

interface FileFlag {
  file?: string;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError("Use a version number (1, 2, ...).");
  return parsed;
}

function printJson(context: CliContext, value: unknown): void {
  context.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function registerAgentCommands(program: Command, context: CliContext): void {
  const agent = program
    .command("agent")
    .description("Create, inspect, edit and delete agents")
    .addHelpText("after", "\n<agent> is an agent's handle (e.g. ada) or its id.");

  addAgentFlags(
    agent
      .command("create")
      .description("Create an agent from flags and/or a JSON profile file"),
    { editing: false },
  )
    .option("--json", "print the created agent as JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ atelier agent create --name "Ada" --tagline "A dry-witted librarian" \\
      --trait curious --trait precise --greeting "Hello! What are you reading?"
  $ atelier agent create --file ada.json --temperature 0.6`,
    )
    .action(async (flags: AgentFlags & FileFlag & { json?: boolean }, command: Command) => {
      const file = flags.file === undefined ? undefined : await readJsonFile(flags.file);
      const profile = buildProfile({ flags, file });
      const created = await clientFor(command, context).createAgent(profile);
      if (flags.json) printJson(context, created);
      else context.stdout.write(`Created ${created.name} (@${created.handle}), version ${created.version}.\nChat with it: atelier chat ${created.handle}\n`);
    });

  agent
    .command("list")
    .alias("ls")
    .description("List agents, newest first")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }, command: Command) => {
      const { agents } = await clientFor(command, context).listAgents();
      if (flags.json) printJson(context, agents);
      else if (agents.length === 0) context.stdout.write('No agents yet. Create one: atelier agent create --name "Ada"\n');
      else context.stdout.write(formatAgentTable(agents));
    });

  agent
    .command("show")
    .argument("<agent>", "handle or id")
    // A positional, not --version: commander would take --version for the program's own flag.
    .argument("[version]", "an older version to show (see: agent versions)", positiveInteger)
    .description("Show an agent's profile")
    .option("--json", "print JSON (edit it and feed it back with: agent edit <agent> --file)")
    .action(async (idOrHandle: string, version: number | undefined, flags: { json?: boolean }, command: Command) => {
      const client = clientFor(command, context);
      const found = version === undefined ? await client.getAgent(idOrHandle) : await client.getAgentVersion(idOrHandle, version);
      if (flags.json) printJson(context, found);
      else context.stdout.write(formatAgentDetails(found));
    });

  addAgentFlags(
    agent
      .command("edit")
      .argument("<agent>", "handle or id")
      .description("Change some of an agent's fields; saves a new version"),
    { editing: true },
  )
    .option("--expect-version <number>", "fail if the agent is no longer at this version (someone else edited it)", positiveInteger)
    .option("--json", "print the edited agent as JSON")
    .addHelpText(
      "after",
      `
Only the fields you pass change. List flags (--trait, --interest, --greeting, --avoid) replace the
whole list; to empty a list, use --file with e.g. {"traits": []}.

Examples:
  $ atelier agent edit ada --tone "Warm, a little teasing" --temperature 0.9
  $ atelier agent show ada --json > ada.json && $EDITOR ada.json && atelier agent edit ada --file ada.json`,
    )
    .action(async (idOrHandle: string, flags: AgentFlags & FileFlag & { json?: boolean; expectVersion?: number }, command: Command) => {
      const file = flags.file === undefined ? undefined : await readJsonFile(flags.file);
      const patch = buildPatch({ flags, file });
      const client = clientFor(command, context);
      const updated = await client.updateAgent(idOrHandle, patch, flags.expectVersion === undefined ? {} : { expectedVersion: flags.expectVersion });
      if (flags.json) printJson(context, updated);
      else context.stdout.write(`Saved ${updated.name} (@${updated.handle}) as version ${updated.version}.\n`);
    });

  agent
    .command("delete")
    .alias("rm")
    .argument("<agent>", "handle or id")
    .description("Delete an agent with all its versions and conversations")
    .option("-y, --yes", "do not ask for confirmation (required when stdin is not a terminal)")
    .action(async (idOrHandle: string, flags: { yes?: boolean }, command: Command) => {
      const client = clientFor(command, context);
      if (!flags.yes) {
        if (!context.stdin.isTTY) {
          throw new AtelierError("bad_request", "Refusing to delete without confirmation: stdin is not a terminal. Pass --yes.");
        }
        const found = await client.getAgent(idOrHandle);
        const question = `Delete ${found.name} (@${found.handle}) with its ${found.version} version(s) and all its conversations?`;
        if (!(await confirm({ input: context.stdin, output: context.stderr, question }))) {
          context.stderr.write("Nothing deleted.\n");
          return;
        }
      }
      await client.deleteAgent(idOrHandle);
      context.stdout.write(`Deleted ${idOrHandle}.\n`);
    });

  agent
    .command("versions")
    .argument("<agent>", "handle or id")
    .description("List an agent's saved versions, newest first")
    .option("--json", "print JSON")
    .action(async (idOrHandle: string, flags: { json?: boolean }, command: Command) => {
      const { versions } = await clientFor(command, context).listAgentVersions(idOrHandle);
      if (flags.json) printJson(context, versions);
      else context.stdout.write(formatVersionTable(versions));
    });

  agent
    .command("restore")
    .argument("<agent>", "handle or id")
    .argument("<version>", "the version to bring back", positiveInteger)
    .description("Make an older version current again (saved as a new version)")
    .action(async (idOrHandle: string, version: number, _flags: unknown, command: Command) => {
      const restored = await clientFor(command, context).restoreAgentVersion(idOrHandle, version);
      context.stdout.write(`Restored version ${version} of ${restored.name} as version ${restored.version}.\n`);
    });

  registerInterchangeCommands(agent, context);
}
