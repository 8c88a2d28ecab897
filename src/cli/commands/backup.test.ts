import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { acquireDataDirLock } from "../../runtime/data-dir-lock.js";
import { runLocalCli } from "../testing/local-cli.js";

const root = mkdtempSync(path.join(tmpdir(), "atelier-cli-backup-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dataDir = path.join(root, "data");
const atelier = (argv: string[], options: { stdin?: string; stdinIsTTY?: boolean; env?: NodeJS.ProcessEnv } = {}) => runLocalCli(argv, { dataDir, ...options });

async function emails(): Promise<string[]> {
  const { stdout } = await atelier(["user", "list", "--json"]);
  return (JSON.parse(stdout) as { email: string }[]).map((user) => user.email);
}

describe("atelier backup and restore", () => {
  it("backs up, refuses to overwrite without --force, and restores what the backup held", async () => {
    expect((await atelier(["user", "create", "--email", "ada@example.com", "--name", "Ada"])).code).toBe(0);
    const file = path.join(root, "monday.db");

    const backup = await atelier(["backup", file]);
    expect(backup.stderr).toBe("");
    expect(backup.code).toBe(0);
    expect(backup.stdout).toBe(
      `Backed up ${path.join(dataDir, "atelier.db")} to ${file} (${/\(([^)]+)\)/.exec(backup.stdout)![1]}).\nRestore it with: atelier restore ${file}\n`,
    );

    const again = await atelier(["backup", file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`error: ${file} already exists. Choose another file name, or pass --force to replace it. (conflict)\n`);
    expect((await atelier(["backup", file, "--force"])).code).toBe(0);

    expect((await atelier(["user", "create", "--email", "sam@example.com", "--name", "Sam"])).code).toBe(0);
    expect(await emails()).toEqual(["ada@example.com", "sam@example.com"]);

    const unconfirmed = await atelier(["restore", file]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toBe("error: Refusing to restore without confirmation: stdin is not a terminal. Pass --yes. (bad_request)\n");

    const restored = await atelier(["restore", file, "--yes"]);
    expect(restored.stderr).toBe("");
    expect(restored.code).toBe(0);
    const previous = /kept at (\S+);/.exec(restored.stdout)?.[1];
    expect(restored.stdout).toBe(
      `Restored ${file} into ${path.join(dataDir, "atelier.db")}.\n` +
        `The previous database is kept at ${previous}; delete it once you are sure.\nStart the server again: atelier serve\n`,
    );
    expect(previous).toMatch(/atelier\.db\.before-restore-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    expect(existsSync(previous!)).toBe(true);
    expect(await emails()).toEqual(["ada@example.com"]);
  });

  it("refuses to restore while a server holds the data directory, before asking anything", async () => {
    const file = path.join(root, "monday.db");
    using _server = acquireDataDirLock(dataDir);
    const { code, stderr } = await atelier(["restore", file], { stdinIsTTY: true });
    expect(code).toBe(1);
    expect(stderr).toBe(
      `error: An Atelier server (pid ${process.pid}) is using the data directory ${dataDir}. ` +
        `Stop it first. If no Atelier is running, delete ${path.join(dataDir, "atelier.pid")}. (conflict)\n`,
    );
  });

  it("refuses a file that is not a backup, and leaves the database alone", async () => {
    const bogus = path.join(root, "notes.txt");
    writeFileSync(bogus, "not a database at all, only some words that fill a page of text. ".repeat(100));
    const { code, stderr } = await atelier(["restore", bogus, "--yes"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: .*notes\.txt is not an Atelier backup: it is not an SQLite database or is damaged .*Nothing was changed\. \(bad_request\)\n$/);
    expect(await emails()).toEqual(["ada@example.com"]);
    expect(readdirSync(dataDir).filter((name) => name.includes(".restore-"))).toEqual([]);
  });

  it("points PostgreSQL users at pg_dump and pg_restore without echoing the URL", async () => {
    const env = { ATELIER_DATABASE_URL: "postgres://atelier:s3cret@db.example:5432/atelier" };
    const backup = await atelier(["backup", path.join(root, "pg.db")], { env });
    expect(backup.code).toBe(1);
    expect(backup.stderr).toMatch(/^error: This instance uses PostgreSQL .*pg_dump --format=custom .*\(bad_request\)\n$/);
    const restore = await atelier(["restore", path.join(root, "pg.dump"), "--yes"], { env });
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(/pg_restore --clean/);
    expect(backup.stderr + restore.stderr).not.toContain("s3cret");
  });
});
