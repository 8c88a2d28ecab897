import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import { AtelierError } from "../contracts/index.js";

/**
 * One server per data directory. The marker is a pid file rather than an OS lock: Node has no
 * portable flock, and a file that names the holder lets the CLI say which process to stop. A file
 * left behind by a crash names a dead process and is taken over.
 */

export const LOCK_FILE = "atelier.pid";

export interface DataDirLock extends Disposable {
  /** The pid file. */
  readonly file: string;
  /** Removes the pid file if it still names this process; safe to call twice. */
  release(): void;
}

/** Lock files this process holds, so a stale file naming our own (reused) pid can be told from our own lock. */
const held = new Set<string>();

/**
 * Marks `dataDir` as in use by this process, creating the folder if needed. Throws `conflict` when
 * a live process holds it. Two processes taking over the same stale file at the same instant can
 * both succeed; the window is a few system calls, and only after a crash.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = lockFileOf(dataDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file)) {
      held.add(file);
      return lockHandle(file);
    }
    const holder = isDataDirLocked(dataDir);
    if (holder !== undefined) throw lockedError({ dataDir, pid: holder });
    removeIfPresent(file); // stale: its process is gone
  }
  throw new AtelierError("conflict", `Could not take ${file}: it keeps reappearing. Is another Atelier starting on ${path.resolve(dataDir)}?`);
}

/** The pid of the live process holding `dataDir`, or undefined when none does. */
export function isDataDirLocked(dataDir: string): number | undefined {
  const file = lockFileOf(dataDir);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const pid = Number(text.trim());
  // An empty or garbled file: its writer died between creating and writing it.
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  // In a container the server is often pid 1 on every start: our own pid is ours only if we took it.
  if (pid === process.pid) return held.has(file) ? pid : undefined;
  return isAlive(pid) ? pid : undefined;
}

/** The error restore and a second server give when another process holds the data directory. */
export function lockedError(options: { dataDir: string; pid: number }): AtelierError {
  const file = lockFileOf(options.dataDir);
  return new AtelierError(
    "conflict",
    `An Atelier server (pid ${options.pid}) is using the data directory ${path.resolve(options.dataDir)}. ` +
      `Stop it first. If no Atelier is running, delete ${file}.`,
  );
}

function lockFileOf(dataDir: string): string {
  return path.join(path.resolve(dataDir), LOCK_FILE);
}

function tryCreate(file: string): boolean {
  let descriptor: number;
  try {
    descriptor = openSync(file, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(descriptor, `${process.pid}\n`);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  return true;
}

function lockHandle(file: string): DataDirLock {
  const release = () => {
    if (!held.delete(file)) return;
    try {
      // Another process may have taken over a file it wrongly found stale; never delete its lock.
      if (Number(readFileSync(file, "utf8").trim()) === process.pid) unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  };
  return { file, release, [Symbol.dispose]: release };
}

function removeIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user, which still holds the directory.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
