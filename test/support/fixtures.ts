import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Real-world files (character cards, a lorebook) shared beside the checkout; never copied into it. */
export const fixturesDir = path.resolve(process.env.ATELIER_FIXTURES ?? path.join(repoRoot, "../shared/fixtures"));

/** The path of a fixture card ("Seraphina.png", "Eldoria.json"). */
export function cardPath(name: string): string {
  return path.join(fixturesDir, "cards", name);
}

export function readCard(name: string): Buffer {
  return readFileSync(cardPath(name));
}
