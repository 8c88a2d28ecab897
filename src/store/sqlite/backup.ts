import { constants, existsSync } from "node:fs";
import { copyFile, link, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { AtelierError } from "../../contracts/index.js";
import { validateSqliteBackup } from "./backup-validation.js";

export interface CopyProgress {
  copiedBytes: number;
  totalBytes: number;
}

export interface BackupOptions {
  /** The live database file. */
  source: string;
  destination: string;
  /** Replace an existing destination file (default: refuse). */
  overwrite?: boolean;
  onProgress?: (progress: CopyProgress) => void;
}

/** Pages copied per step (4 MiB at the default page size): the event loop runs between steps. */
const PAGES_PER_STEP = 1024;

/**
 * Copies the database with SQLite's online backup API while a server may be writing to it.
 *
 * The copy reads inside one read transaction held open for its whole length. In WAL mode that is a
 * snapshot writers never wait for, so the backup holds exactly what was committed when it began.
 * Without it SQLite restarts a backup whenever another connection commits between steps, and
 * under a steady stream of writes it would never finish.
 */
export async function backupSqliteDatabase(options: BackupOptions): Promise<{ file: string; bytes: number }> {
  const source = path.resolve(options.source);
  const destination = path.resolve(options.destination);
  await checkBackupDestination({ source, destination, overwrite: options.overwrite ?? false });
  // Written aside and renamed into place: a failed or interrupted backup never leaves a half file under the name asked for.
  const partial = `${destination}.partial-${process.pid}`;
  await removeDatabaseFiles(partial);
  const database = openSource(source);
  try {
    database.exec("begin");
    database.prepare("select count(*) from sqlite_schema").get(); // starts the read transaction: the snapshot
    const pageSize = Number(database.pragma("page_size", { simple: true }));
    const report = (totalPages: number, remainingPages: number) =>
      options.onProgress?.({ copiedBytes: (totalPages - remainingPages) * pageSize, totalBytes: totalPages * pageSize });
    const done = await database.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        report(totalPages, remainingPages);
        return PAGES_PER_STEP;
      },
    });
    report(done.totalPages, 0);
    database.exec("commit");
  } catch (error) {
    await removeDatabaseFiles(partial);
    throw new AtelierError("internal", `Could not back up ${source}: ${messageOf(error)}`, { cause: error });
  } finally {
    database.close();
  }
  try {
    // The copy inherits WAL mode; a backup should be one self-contained file.
    const copy = new BetterSqlite3(partial, { fileMustExist: true });
    try {
      copy.pragma("journal_mode = DELETE");
    } finally {
      copy.close();
    }
    await fsyncPath(partial);
    await rename(partial, destination);
    await fsyncPath(path.dirname(destination));
  } catch (error) {
    await removeDatabaseFiles(partial);
    throw new AtelierError("internal", `Could not write the backup ${destination}: ${messageOf(error)}`, { cause: error });
  }
  return { file: destination, bytes: (await stat(destination)).size };
}

export interface RestoreOptions {
  /** The backup to bring back. */
  from: string;
  /** The database file to replace (it need not exist). */
  database: string;
  /**
   * Takes the data directory's lock (throwing when a server holds it) for the whole restore, so no
   * server opens the database half-replaced. Passed in because the lock belongs to the runtime.
   */
  lock: () => Disposable;
  now?: () => Date;
}

export interface RestoreResult {
  database: string;
  /** Where the database that was replaced now lies; undefined when there was none. */
  previous: string | undefined;
}

/**
 * Replaces the database with a backup: validated first (an SQLite file, intact, an Atelier schema
 * this version knows), copied next to the database and fsynced, then renamed into place in one
 * step. The replaced database is kept as `<database>.before-restore-<timestamp>`.
 */
export async function restoreSqliteDatabase(options: RestoreOptions): Promise<RestoreResult> {
  const from = path.resolve(options.from);
  const target = path.resolve(options.database);
  if (from === target) throw new AtelierError("bad_request", `${from} is the database itself; give a backup file to restore from.`);
  using _lock = options.lock();
  if (!(await isFile(from))) throw new AtelierError("not_found", `No backup file at ${from}.`);
  const incoming = `${target}.restore-${process.pid}`;
  await removeDatabaseFiles(incoming);
  try {
    await copyFile(from, incoming);
    // A database copied off a stopped server may still carry its write-ahead log; bring it along to be folded in.
    if (existsSync(`${from}-wal`)) await copyFile(`${from}-wal`, `${incoming}-wal`);
    validateSqliteBackup({ file: incoming, describedAs: from });
    await fsyncPath(incoming);
    const previous = existsSync(target) ? await keepCurrent({ target, now: options.now ?? (() => new Date()) }) : undefined;
    await rename(incoming, target);
    await fsyncPath(path.dirname(target));
    return { database: target, previous };
  } finally {
    await removeDatabaseFiles(incoming);
  }
}

/**
 * Keeps the current database under a new name without a moment where the database is missing
 * (a hard link, then the rename over it). Its log is folded in first; whatever log is left
 * travels with it, since a stale -wal beside the restored file would be replayed into it.
 */
async function keepCurrent(options: { target: string; now: () => Date }): Promise<string> {
  const { target } = options;
  checkpoint(target);
  const stamp = options.now().toISOString().replace(/\.\d+Z$/, "Z").replaceAll(":", "-");
  let kept = `${target}.before-restore-${stamp}`;
  for (let attempt = 2; existsSync(kept); attempt++) kept = `${target}.before-restore-${stamp}-${attempt}`;
  await link(target, kept).catch(() => copyFile(target, kept, constants.COPYFILE_EXCL));
  await fsyncPath(kept);
  if (existsSync(`${target}-wal`) && (await stat(`${target}-wal`)).size > 0) await rename(`${target}-wal`, `${kept}-wal`);
  await rm(`${target}-wal`, { force: true });
  await rm(`${target}-shm`, { force: true });
  return kept;
}

/** Best effort: a database too damaged to open is still kept, log and all. */
function checkpoint(file: string): void {
  try {
    const database = new BetterSqlite3(file, { fileMustExist: true });
    try {
      database.pragma("wal_checkpoint(TRUNCATE)");
    } finally {
      database.close();
    }
  } catch {
    // kept as it is
  }
}

async function checkBackupDestination(options: { source: string; destination: string; overwrite: boolean }): Promise<void> {
  const { source, destination } = options;
  if (!existsSync(source)) {
    throw new AtelierError("not_found", `No database at ${source}. Check the data directory (--data-dir or ATELIER_DATA_DIR).`);
  }
  if (destination === source || destination.startsWith(`${source}-`)) {
    throw new AtelierError("bad_request", `${destination} is the live database's own file; write the backup somewhere else.`);
  }
  if (!existsSync(path.dirname(destination))) {
    throw new AtelierError("bad_request", `The folder ${path.dirname(destination)} does not exist; create it first.`);
  }
  if (existsSync(destination) && !(await isFile(destination))) {
    throw new AtelierError("bad_request", `${destination} is a folder; give the backup a file name, e.g. ${path.join(destination, "atelier-backup.db")}.`);
  }
  if (!options.overwrite && existsSync(destination)) {
    throw new AtelierError("conflict", `${destination} already exists. Choose another file name, or pass --force to replace it.`);
  }
}

function openSource(file: string): BetterSqlite3.Database {
  try {
    const database = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
    database.pragma("busy_timeout = 5000");
    return database;
  } catch (error) {
    throw new AtelierError("internal", `Could not open the database ${file} to back it up: ${messageOf(error)}`, { cause: error });
  }
}

/** Makes a file's contents (or a folder's entries) durable before the next step depends on them. */
async function fsyncPath(target: string): Promise<void> {
  let handle;
  try {
    handle = await open(target, "r");
  } catch (error) {
    // Some platforms (Windows) cannot open a folder to sync it; the rename is then as durable as they allow.
    if (["EISDIR", "EPERM", "EACCES"].includes((error as NodeJS.ErrnoException).code ?? "")) return;
    throw error;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then((info) => info.isFile(), () => false);
}

async function removeDatabaseFiles(file: string): Promise<void> {
  await Promise.all(["", "-wal", "-shm", "-journal"].map((suffix) => rm(`${file}${suffix}`, { force: true })));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
