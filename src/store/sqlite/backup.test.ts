import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { AtelierError } from "../../contracts/index.js";
import { acquireDataDirLock } from "../../runtime/data-dir-lock.js";
import type { Database } from "../kysely/database.js";
import { migrateToLatest } from "../migrations/migrate.js";
import { backupSqliteDatabase, restoreSqliteDatabase, type CopyProgress } from "./backup.js";
import { AtelierSqliteDialect } from "./sqlite-dialect.js";
import { openSqliteDatabase } from "./sqlite-database.js";

const root = mkdtempSync(path.join(tmpdir(), "atelier-backup-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
function freshDir(): string {
  const dir = path.join(root, `case-${++count}`);
  mkdirSync(dir);
  return dir;
}

/** A migrated Atelier database with a probe table whose one row says which copy this is. */
async function atelierDatabase(file: string, probe: string): Promise<void> {
  const database = openSqliteDatabase({ file });
  const db = new Kysely<Database>({ dialect: new AtelierSqliteDialect({ database }) });
  try {
    await migrateToLatest({ db, dialect: "sqlite", description: file });
    database.exec("create table probe (value text not null)");
    database.prepare("insert into probe (value) values (?)").run(probe);
  } finally {
    await db.destroy();
  }
}

function probeOf(file: string): string {
  const database = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return database.prepare("select value from probe").pluck().get() as string;
  } finally {
    database.close();
  }
}

const restoreInto = (dataDir: string, from: string, now = new Date("2030-01-02T03:04:05.678Z")) =>
  restoreSqliteDatabase({ from, database: path.join(dataDir, "atelier.db"), lock: () => acquireDataDirLock(dataDir), now: () => now });

async function rejection(promise: Promise<unknown>): Promise<AtelierError> {
  const error = await promise.then(() => undefined, (reason: unknown) => reason);
  if (!(error instanceof AtelierError)) throw new Error(`expected an AtelierError, got ${String(error)}`);
  return error;
}

describe("backupSqliteDatabase", () => {
  it("makes a consistent copy while another connection commits in a loop, with every row committed before it began", async () => {
    const dir = freshDir();
    const file = path.join(dir, "atelier.db");
    const writer = openSqliteDatabase({ file });
    writer.exec("create table pairs (id integer primary key, pair integer not null, body text not null)");
    const insert = writer.prepare("insert into pairs (pair, body) values (?, ?)");
    // Each transaction writes two rows: a consistent copy holds both of a pair or neither.
    const writePair = writer.transaction((pair: number) => {
      insert.run(pair, "x".repeat(1500));
      insert.run(pair, "y".repeat(1500));
    });
    let pair = 0;
    writer.transaction(() => {
      for (; pair < 4000; pair++) writePair(pair); // ~12 MiB: many backup steps
    })();
    let writing = true;
    let writtenDuringBackup = 0;
    const loop = () => {
      if (!writing) return;
      writePair(pair++);
      writtenDuringBackup++;
      setImmediate(loop);
    };
    const committedBefore = pair;
    setImmediate(loop);
    const progress: CopyProgress[] = [];
    const destination = path.join(dir, "backup.db");
    try {
      await backupSqliteDatabase({ source: file, destination, onProgress: (update) => progress.push(update) });
    } finally {
      writing = false;
    }
    writer.close();

    expect(writtenDuringBackup).toBeGreaterThan(10);
    const copy = new BetterSqlite3(destination, { readonly: true });
    try {
      expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(copy.pragma("journal_mode", { simple: true })).toBe("delete");
      const pairs = copy.prepare("select pair, count(*) as rows from pairs group by pair order by pair").all() as { pair: number; rows: number }[];
      expect(pairs.length).toBeGreaterThanOrEqual(committedBefore);
      expect(pairs.every((row, index) => row.pair === index && row.rows === 2)).toBe(true);
    } finally {
      copy.close();
    }
    expect(existsSync(`${destination}-wal`)).toBe(false);
    expect(progress.length).toBeGreaterThan(2);
    const last = progress.at(-1)!;
    expect(last.copiedBytes).toBe(last.totalBytes);
    expect(progress.every((update, index) => index === 0 || update.copiedBytes >= progress[index - 1]!.copiedBytes)).toBe(true);
  }, 15_000);

  it("refuses to replace an existing file unless told to, and never touches the live database's files", async () => {
    const dir = freshDir();
    const file = path.join(dir, "atelier.db");
    await atelierDatabase(file, "live");
    const destination = path.join(dir, "existing.db");
    writeFileSync(destination, "keep me");

    const refused = await rejection(backupSqliteDatabase({ source: file, destination }));
    expect(refused.code).toBe("conflict");
    expect(refused.message).toMatch(/already exists.*--force/);
    expect(readFileSync(destination, "utf8")).toBe("keep me");

    await backupSqliteDatabase({ source: file, destination, overwrite: true });
    expect(probeOf(destination)).toBe("live");
    expect(readdirSync(dir).filter((name) => name.includes(".partial-"))).toEqual([]);

    expect((await rejection(backupSqliteDatabase({ source: file, destination: file, overwrite: true }))).code).toBe("bad_request");
    expect((await rejection(backupSqliteDatabase({ source: path.join(dir, "missing.db"), destination: path.join(dir, "b.db") }))).code).toBe("not_found");
    expect((await rejection(backupSqliteDatabase({ source: file, destination: path.join(dir, "no", "such", "b.db") }))).message).toMatch(/does not exist/);
    expect((await rejection(backupSqliteDatabase({ source: file, destination: dir, overwrite: true }))).message).toMatch(/is a folder; give the backup a file name/);
  });
});

describe("restoreSqliteDatabase", () => {
  it("brings a backup back, keeps the replaced database with its last commits, and leaves no stale log", async () => {
    const dataDir = freshDir();
    const file = path.join(dataDir, "atelier.db");
    await atelierDatabase(file, "monday");
    const backup = path.join(root, `monday-${count}.db`);
    await backupSqliteDatabase({ source: file, destination: backup });

    // Tuesday's change sits in the write-ahead log of a connection still open (a CLI beside no server).
    const open = openSqliteDatabase({ file });
    open.pragma("wal_autocheckpoint = 0");
    open.prepare("update probe set value = 'tuesday'").run();
    expect(existsSync(`${file}-wal`)).toBe(true);

    const result = await restoreInto(dataDir, backup);
    open.close();
    expect(result).toEqual({ database: file, previous: `${file}.before-restore-2030-01-02T03-04-05Z` });
    expect(probeOf(file)).toBe("monday");
    expect(probeOf(result.previous!)).toBe("tuesday");
    expect(readdirSync(dataDir).filter((name) => name.includes(".restore-"))).toEqual([]);
    expect(readdirSync(dataDir)).not.toContain("atelier.pid");

    // A second restore in the same second keeps both earlier databases.
    const again = await restoreInto(dataDir, backup);
    expect(again.previous).toBe(`${file}.before-restore-2030-01-02T03-04-05Z-2`);
  });

  it("restores into a data directory that has no database yet", async () => {
    const source = freshDir();
    await atelierDatabase(path.join(source, "atelier.db"), "fresh");
    const backup = path.join(source, "backup.db");
    await backupSqliteDatabase({ source: path.join(source, "atelier.db"), destination: backup });
    const dataDir = path.join(freshDir(), "new-data");

    const result = await restoreInto(dataDir, backup);
    expect(result.previous).toBeUndefined();
    expect(probeOf(result.database)).toBe("fresh");
  });

  it("refuses a file that is not an intact Atelier backup, changing nothing", async () => {
    const dataDir = freshDir();
    const file = path.join(dataDir, "atelier.db");
    await atelierDatabase(file, "current");
    const bad = (name: string) => path.join(dataDir, name);

    writeFileSync(bad("text.db"), "this is not a database, just some text that is long enough to look like a header ".repeat(20));
    const foreign = new BetterSqlite3(bad("foreign.db"));
    foreign.exec("create table notes (body text)");
    foreign.close();
    await atelierDatabase(bad("newer.db"), "from the future");
    const newer = new BetterSqlite3(bad("newer.db"));
    newer.prepare("insert into kysely_migration (name, timestamp) values (?, ?)").run("9999-from-the-future", "2030-01-01T00:00:00.000Z");
    newer.pragma("journal_mode = DELETE");
    newer.close();
    await backupSqliteDatabase({ source: file, destination: bad("damaged.db") });
    const damaged = readFileSync(bad("damaged.db"));
    damaged.fill(0x5a, 4096, damaged.length); // every page after the first
    writeFileSync(bad("damaged.db"), damaged);

    const cases: [string, RegExp][] = [
      ["text.db", /is not an Atelier backup: it is not an SQLite database or is damaged/],
      ["foreign.db", /is not an Atelier backup: it has no Atelier schema/],
      ["newer.db", /was made by a newer version of Atelier .*9999-from-the-future/],
      ["damaged.db", /is not an Atelier backup/],
      ["missing.db", /No backup file at/],
      [".", /No backup file at/],
    ];
    for (const [name, message] of cases) {
      const error = await rejection(restoreInto(dataDir, bad(name)));
      expect(error.code, name).toBe(["missing.db", "."].includes(name) ? "not_found" : "bad_request");
      expect(error.message, name).toMatch(message);
    }
    expect(probeOf(file)).toBe("current");
    expect(readdirSync(dataDir).filter((name) => name.includes("before-restore") || name.includes(".restore-") || name === "atelier.pid")).toEqual([]);
  });

  it("refuses while a server holds the data directory", async () => {
    const dataDir = freshDir();
    const file = path.join(dataDir, "atelier.db");
    await atelierDatabase(file, "serving");
    const backup = path.join(dataDir, "backup.db");
    await backupSqliteDatabase({ source: file, destination: backup });

    using _server = acquireDataDirLock(dataDir);
    const error = await rejection(restoreInto(dataDir, backup));
    expect(error.code).toBe("conflict");
    expect(error.message).toMatch(new RegExp(`An Atelier server \\(pid ${process.pid}\\) is using the data directory`));
    expect(probeOf(file)).toBe("serving");
    expect(readdirSync(dataDir).filter((name) => name.includes("before-restore"))).toEqual([]);
  });
});
