import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent, ImportResult } from "../src/contracts/index.js";
import { runAtelier } from "./support/cli.js";
import { cardPath } from "./support/fixtures.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";

/* `atelier agent import` and `atelier agent export` against the real server. */

let server: TestServer;
let workDir: string;
beforeAll(async () => {
  server = await startTestServer();
  workDir = mkdtempSync(path.join(tmpdir(), "atelier-cli-interchange-"));
});
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
  if (workDir) removeDir(workDir);
});

const atelier = (args: string[]) => runAtelier(server, args);

const agentCount = async () => (await server.json<{ agents: Agent[] }>("GET", "/api/agents")).body.agents.length;

describe("atelier agent import / export", () => {
  it("imports a card, exports it in every format, and imports the export back", async () => {
    const imported = await atelier(["agent", "import", cardPath("Seraphina.png")]);
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/^Imported Seraphina \(@seraphina\) from a card-v2 file, with 4 lorebook entries\.$/m);
    expect(imported.stdout).toContain("atelier chat seraphina");

    // Default name in the current directory.
    const cwd = process.cwd();
    process.chdir(workDir);
    try {
      const png = await atelier(["agent", "export", "seraphina"]);
      expect(png.stderr).toBe("");
      expect(png.code).toBe(0);
      expect(png.stdout).toContain(path.join(workDir, "seraphina.png"));
      expect([...readFileSync(path.join(workDir, "seraphina.png")).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
      // No silent overwrite.
      const again = await atelier(["agent", "export", "seraphina"]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already exists\. Pass --force/);
      expect((await atelier(["agent", "export", "seraphina", "--force"])).code).toBe(0);
    } finally {
      process.chdir(cwd);
    }

    for (const [format, name] of [["card-v3-json", "s3.json"], ["card-v2-json", "s2.json"], ["charx", "s.charx"], ["bundle", "s.atelier.json"]] as const) {
      const target = path.join(workDir, name);
      const done = await atelier(["agent", "export", "seraphina", "--format", format, "-o", target]);
      expect(done.stderr, format).toBe("");
      expect(done.code, format).toBe(0);
      const back = await atelier(["agent", "import", target, "--json"]);
      expect(back.code, format).toBe(0);
      const result = JSON.parse(back.stdout) as ImportResult;
      expect(result.agent.name, format).toBe("Seraphina");
      expect(result.lorebookEntries, format).toBe(4);
      expect(result.format, format).toBe({ "card-v3-json": "card-v3", "card-v2-json": "card-v2", charx: "charx", bundle: "bundle" }[format]);
    }
  });

  it("reports a refused file or a bad format with exit 1 and creates nothing", async () => {
    const before = await agentCount();
    const fake = path.join(workDir, "fake.png");
    writeFileSync(fake, "not an image at all");
    const refused = await atelier(["agent", "import", fake]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: .*not a PNG.*\(document_unreadable\)\n$/);
    const missing = await atelier(["agent", "import", path.join(workDir, "nowhere.png")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file/);
    expect(await agentCount()).toBe(before);

    const badFormat = await atelier(["agent", "export", "seraphina", "--format", "gif", "-o", path.join(workDir, "x.gif")]);
    expect(badFormat.code).not.toBe(0);
    expect(badFormat.stderr).toMatch(/card-v3-png/);
    expect(existsSync(path.join(workDir, "x.gif"))).toBe(false);
    const unknown = await atelier(["agent", "export", "nobody", "-o", path.join(workDir, "nobody.png")]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No agent "nobody"/);
  });
});
