import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/*
 * The studio may import contracts and the typed HTTP client, nothing else of ours: engine, store,
 * runtime and server code must never reach the browser bundle. Imports are followed transitively,
 * so a contract that started importing the store would fail here too.
 */

const repoRoot = fileURLToPath(new URL("../", import.meta.url));
const ALLOWED = ["web/", "src/contracts/", "src/client/"];
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx)$/.test(entry.name) && !entry.name.endsWith(".test.ts"))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

function resolveRelative(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  const stem = base.replace(/\.(js|jsx|ts|tsx)$/, "");
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, path.join(base, "index.ts"), path.join(base, "index.tsx")];
  const found = candidates.find((candidate) => existsSync(candidate) && !candidate.endsWith(path.sep) && /\.(ts|tsx|css|svg|png)$/.test(candidate));
  if (!found) throw new Error(`${path.relative(repoRoot, from)} imports ${specifier}, which does not resolve`);
  return found;
}

/** Every file the studio's code reaches, with the import that first reached it. */
function reachable(entries: string[]): { files: Map<string, string>; packages: Map<string, string> } {
  const files = new Map<string, string>(entries.map((file) => [file, "(entry)"]));
  const packages = new Map<string, string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (!/\.(ts|tsx)$/.test(file)) continue;
    const imports = ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles.map((entry) => entry.fileName);
    for (const specifier of imports) {
      const via = `${path.relative(repoRoot, file)} -> ${specifier}`;
      if (!specifier.startsWith(".")) {
        if (!packages.has(specifier)) packages.set(specifier, via);
        continue;
      }
      const target = resolveRelative(file, specifier);
      if (!files.has(target)) {
        files.set(target, via);
        queue.push(target);
      }
    }
  }
  return { files, packages };
}

describe("web app boundaries", () => {
  const entries = sourceFiles(path.join(repoRoot, "web", "src"));
  const { files, packages } = reachable(entries);

  it("finds the studio's source", () => {
    expect(entries.length).toBeGreaterThan(3);
    expect([...files.keys()].some((file) => file.includes(`${path.sep}src${path.sep}client${path.sep}`))).toBe(true);
  });

  it("reaches only web/, contracts/ and the HTTP client", () => {
    const outside = [...files]
      .filter(([file]) => !ALLOWED.some((prefix) => path.relative(repoRoot, file).split(path.sep).join("/").startsWith(prefix)))
      .map(([file, via]) => `${path.relative(repoRoot, file)} (via ${via})`);
    expect(outside).toEqual([]);
  });

  it("uses no Node built-ins, directly or through contracts and the client", () => {
    const nodeOnly = [...packages].filter(([name]) => builtins.has(name)).map(([name, via]) => `${name} (via ${via})`);
    expect(nodeOnly).toEqual([]);
  });
});
