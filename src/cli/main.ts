import { processContext } from "./context.js";
import { runCli } from "./program.js";

// `atelier agent list | head` closes the pipe early; that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// The entry point bin/atelier.js imports. Setting exitCode (not calling exit) lets piped stdout flush.
process.exitCode = await runCli({ argv: process.argv.slice(2), context: processContext() });
