import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AtelierError } from "../contracts/index.js";
import { acquireDataDirLock, isDataDirLocked, LOCK_FILE } from "./data-dir-lock.js";

const root = mkdtempSync(path.join(tmpdir(), "atelier-lock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const freshDir = () => path.join(root, `dir-${++count}`);

/** The pid of a process that has exited, so is certainly not alive. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("acquireDataDirLock", () => {
  it("writes the pid file, reports the holder, and removes the file on dispose", () => {
    const dir = freshDir();
    expect(isDataDirLocked(dir)).toBeUndefined();
    {
      using lock = acquireDataDirLock(dir);
      expect(lock.file).toBe(path.join(dir, LOCK_FILE));
      expect(readFileSync(lock.file, "utf8")).toBe(`${process.pid}\n`);
      expect(isDataDirLocked(dir)).toBe(process.pid);
    }
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    expect(isDataDirLocked(dir)).toBeUndefined();
  });

  it("refuses a second holder with a conflict that names the pid and the file", () => {
    const dir = freshDir();
    using _lock = acquireDataDirLock(dir);
    const error = (() => {
      try {
        acquireDataDirLock(dir);
      } catch (caught) {
        return caught;
      }
    })();
    expect(AtelierError.is(error, "conflict")).toBe(true);
    expect((error as Error).message).toContain(`pid ${process.pid}`);
    expect((error as Error).message).toContain(path.join(dir, LOCK_FILE));
  });

  it("refuses while another live process holds the directory", () => {
    const dir = freshDir();
    mkdirSync(dir);
    // Our parent (the test runner) is alive and is not us: it stands in for a running server.
    writeFileSync(path.join(dir, LOCK_FILE), `${process.ppid}\n`);
    expect(isDataDirLocked(dir)).toBe(process.ppid);
    expect(() => acquireDataDirLock(dir)).toThrow(/is using the data directory/);
    expect(readFileSync(path.join(dir, LOCK_FILE), "utf8")).toBe(`${process.ppid}\n`);
  });

  it("takes over a stale file left by a dead process, or one naming our own pid that we never took", () => {
    for (const stale of [String(deadPid()), String(process.pid), "", "not a pid"]) {
      const dir = freshDir();
      mkdirSync(dir);
      writeFileSync(path.join(dir, LOCK_FILE), stale);
      expect(isDataDirLocked(dir)).toBeUndefined();
      using lock = acquireDataDirLock(dir);
      expect(readFileSync(lock.file, "utf8")).toBe(`${process.pid}\n`);
    }
  });

  it("does not delete a lock that another process has taken over since", () => {
    const dir = freshDir();
    const lock = acquireDataDirLock(dir);
    writeFileSync(lock.file, `${process.ppid}\n`);
    lock.release();
    expect(readFileSync(lock.file, "utf8")).toBe(`${process.ppid}\n`);
  });
});
