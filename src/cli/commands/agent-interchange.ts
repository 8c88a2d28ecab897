import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Option, type Command } from "commander";
import { AtelierError, ExportFormat } from "../../contracts/index.js";
import { clientFor, type CliContext } from "../context.js";

/** `atelier agent import <file>` and `atelier agent export <agent>`: agents as files. */
export function registerInterchangeCommands(agent: Command, context: CliContext): void {
  agent
    .command("import")
    .argument("<file>", "a character card (.png, .json, .charx), an elizaOS character (.json) or an Atelier bundle (.atelier.json)")
    .description("Create an agent from a file; nothing is created when the file is refused")
    .option("--json", "print the import result as JSON")
    .addHelpText("after", `
Examples:
  $ atelier agent import Seraphina.png
  $ atelier agent import ada.atelier.json`)
    .action(async (file: string, flags: { json?: boolean }, command: Command) => {
      const data = await readFile(file).catch((error: NodeJS.ErrnoException) => {
        throw new AtelierError("bad_request", `Cannot read ${file}: ${error.code === "ENOENT" ? "no such file" : error.message}.`);
      });
      const result = await clientFor(command, context).importAgent({ name: path.basename(file), data: new Uint8Array(data) });
      if (flags.json) {
        context.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const { agent: created } = result;
      const extras = [
        result.versions > 1 ? `${result.versions} versions` : undefined,
        result.lorebookEntries > 0 ? `${result.lorebookEntries} lorebook entries` : undefined,
        result.knowledgeSources > 0 ? `${result.knowledgeSources} knowledge sources` : undefined,
      ].filter((part) => part !== undefined);
      context.stdout.write(`Imported ${created.name} (@${created.handle}) from a ${result.format} file${extras.length ? `, with ${extras.join(", ")}` : ""}.\n`);
      for (const warning of result.warnings) context.stdout.write(`warning: ${warning}\n`);
      context.stdout.write(`Chat with it: atelier chat ${created.handle}\n`);
    });

  agent
    .command("export")
    .argument("<agent>", "handle or id")
    .description("Save an agent as a file: a character card or an Atelier bundle")
    .addOption(new Option("--format <format>", "what to write").choices(ExportFormat.options).default("card-v3-png"))
    .option("-o, --output <path>", "where to write it (default: <handle>.<ext> in the current directory)")
    .option("--force", "overwrite the file if it exists")
    .addHelpText("after", `
Formats: card-v3-png (a PNG with V3 and V2 card chunks), card-v3-json, card-v2-json, charx (V3 zip),
bundle (every version, lorebook, knowledge and avatar, to move the agent to another Atelier).

Examples:
  $ atelier agent export ada
  $ atelier agent export ada --format bundle -o backups/ada.atelier.json`)
    .action(async (idOrHandle: string, flags: { format: ExportFormat; output?: string; force?: boolean }, command: Command) => {
      const file = await clientFor(command, context).exportAgent(idOrHandle, flags.format);
      const target = path.resolve(flags.output ?? file.filename);
      try {
        await writeFile(target, file.bytes, { flag: flags.force ? "w" : "wx" });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EEXIST") throw new AtelierError("conflict", `${target} already exists. Pass --force to overwrite it, or -o to write elsewhere.`);
        throw new AtelierError("bad_request", `Cannot write ${target}: ${(error as Error).message}.`, { cause: error });
      }
      context.stdout.write(`Exported ${idOrHandle} as ${flags.format} to ${target} (${file.bytes.byteLength} bytes).\n`);
    });
}
