import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { testModelPath } from "./models.js";
import { freePort } from "./ports.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(root, "bin/atelier.js");

/**
 * `atelier serve` as its own process on a free port (so a test can kill -9 it), ready when this
 * resolves. Random weights by default: they practically never emit end-of-text, so replies run long.
 */
export async function serveProcess(dataDir: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  if (!existsSync(path.join(root, "dist/src/cli/main.js"))) throw new Error("Build first: npm run build (npm test does).");
  const port = await freePort();
  const child = spawn(process.execPath, [bin, "serve"], {
    env: {
      ...process.env,
      ATELIER_PORT: String(port),
      ATELIER_DATA_DIR: dataDir,
      ATELIER_MODEL: testModelPath("llama-2-tiny-random.gguf"),
      ATELIER_THREADS: "1",
      ATELIER_LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`atelier serve exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/readyz`).then((response) => response.ok, () => false);
    if (ready) return { child, url };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGKILL");
  throw new Error("atelier serve did not become ready");
}
