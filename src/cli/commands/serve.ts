import type { Command } from "commander";
import { loadConfig } from "../../config/load.js";
import { globalOptions, type CliContext } from "../context.js";

interface ServeFlags {
  port?: string;
  host?: string;
  model?: string;
  dataDir?: string;
}

export function registerServeCommand(program: Command, context: CliContext): void {
  program
    .command("serve")
    .description("Start the Atelier server (REST API, streaming chat, web studio)")
    .option("-p, --port <port>", "port to listen on (default: 4321, or $ATELIER_PORT)")
    .option("--host <host>", "address to bind (default: 127.0.0.1; 0.0.0.0 for every interface)")
    .option("-m, --model <model>", "default model: GGUF path, hf: URI or https URL")
    .option("--data-dir <dir>", "where the database and downloaded models live (default: .atelier)")
    .addHelpText(
      "after",
      `
Settings come from (lowest to highest): defaults, the --config file (or ./atelier.config.json),
ATELIER_* environment variables, then these flags. The first start downloads the default model.

Examples:
  $ atelier serve
  $ atelier serve --port 8080 --model hf:bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M
  $ ATELIER_ENGINE=openai-compatible ATELIER_ENGINE_URL=http://127.0.0.1:8000/v1 atelier serve --model qwen2.5`,
    )
    .action(async (flags: ServeFlags, command: Command) => {
      const config = loadConfig({
        file: globalOptions(command).config,
        env: context.env,
        overrides: { port: flags.port, host: flags.host, model: flags.model, dataDir: flags.dataDir },
      });
      context.stderr.write(`Starting Atelier with ${config.engine} model ${config.model}…\n`);
      // Loaded on demand so that client commands (chat, agent) start fast and need no native modules.
      const { startServer } = await import("../../server/main.js");
      const server = await startServer({ config });
      context.stdout.write(`Atelier is listening on ${server.url}\n`);
      if (!server.studio) {
        context.stderr.write("The web studio is not built, so only the API is served. Run `npm run build` to build it.\n");
      } else if ((await server.services.accounts.status()).needsFirstUser) {
        context.stdout.write(`Open ${server.url}/ in your browser to create the first (admin) account.\n`);
      } else {
        context.stdout.write(`Studio: ${server.url}/\n`);
      }
      await closeOnSignal(server, context);
    });
}

/** Resolves once the server has closed after SIGINT/SIGTERM; a second signal exits at once. */
function closeOnSignal(server: { close(): Promise<void> }, context: CliContext): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        context.stderr.write("Stopping now, without waiting.\n");
        process.exit(1);
      }
      stopping = true;
      context.stderr.write(`${signal}: finishing replies in flight and stopping (again to force)…\n`);
      server.close().then(
        () => {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          context.stderr.write("Stopped.\n");
          resolve();
        },
        reject,
      );
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
