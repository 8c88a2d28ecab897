import { stat } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { AtelierError, modelsDirOf } from "../../contracts/index.js";
import { listGgufFiles } from "../../engine/local-models.js";
import { configFor, type CliContext } from "../context.js";
import { DownloadProgressBar } from "../download-progress.js";
import { formatBytes, formatTable, formatTimestamp } from "../format.js";

export function registerModelsCommands(program: Command, context: CliContext): void {
  const models = program.command("models").description("Download and list local GGUF models");

  models
    .command("pull")
    .argument("[uri]", "hf:<user>/<repo>:<quant>, hf:<user>/<repo>/<file>.gguf or an https URL (default: the configured model)")
    .description("Download a model into the models directory (resumes an interrupted download)")
    .option("--dir <dir>", "models directory (default: <dataDir>/models, or $ATELIER_MODELS_DIR)")
    .addHelpText(
      "after",
      `
Examples:
  $ atelier models pull
  $ atelier models pull hf:bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M
  $ atelier models pull https://example.com/models/tiny.gguf --dir ./models`,
    )
    .action(async (uri: string | undefined, flags: { dir?: string }, command: Command) => {
      const config = configFor(command, context);
      const model = uri ?? config.model;
      const modelsDir = path.resolve(flags.dir ?? modelsDirOf(config));
      context.stderr.write(`Fetching ${model} into ${modelsDir}\n`);
      // Loaded on demand: it pulls in node-llama-cpp, which the other commands do not need.
      const { resolveModel } = await import("../../engine/llama-cpp/model-files.js");
      const bar = new DownloadProgressBar({ stream: context.stderr });
      const stopping = new AbortController();
      const onSignal = () => stopping.abort(new AtelierError("aborted", "Download stopped; run the same command to resume it."));
      process.once("SIGINT", onSignal);
      try {
        const file = await resolveModel({
          model,
          modelsDir,
          onProgress: (progress: { downloadedBytes: number; totalBytes: number }) => bar.update(progress),
          signal: stopping.signal,
        });
        bar.stop();
        const size = (await stat(file)).size;
        context.stdout.write(`${file} (${formatBytes(size)})\n`);
      } catch (error) {
        bar.stop();
        if (stopping.signal.aborted) throw stopping.signal.reason;
        throw error;
      } finally {
        process.off("SIGINT", onSignal);
      }
    });

  models
    .command("list")
    .alias("ls")
    .description("List the GGUF files in the models directory")
    .option("--dir <dir>", "models directory (default: <dataDir>/models, or $ATELIER_MODELS_DIR)")
    .option("--json", "print JSON")
    .action(async (flags: { dir?: string; json?: boolean }, command: Command) => {
      const config = configFor(command, context);
      const modelsDir = path.resolve(flags.dir ?? modelsDirOf(config));
      const files = await listGgufFiles(modelsDir);
      if (flags.json) {
        context.stdout.write(`${JSON.stringify(files, null, 2)}\n`);
      } else if (files.length === 0) {
        context.stdout.write(`No models in ${modelsDir} yet. Download one: atelier models pull <uri>\n`);
      } else {
        context.stdout.write(
          formatTable({
            headers: ["FILE", "SIZE", "MODIFIED"],
            rows: files.map((file) => [path.relative(modelsDir, file.path), formatBytes(file.bytes), formatTimestamp(file.modifiedAt)]),
          }),
        );
        const total = files.reduce((sum, file) => sum + file.bytes, 0);
        context.stdout.write(`\n${files.length} model file(s), ${formatBytes(total)} in ${modelsDir}\n`);
      }
    });
}
