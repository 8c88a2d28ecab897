import { freePort } from "./ports.js";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const execFileAsync = promisify(execFile);

/** A throwaway PostgreSQL server for one test file. */
export interface TestPostgres {
  /** A database of its own, reached over TCP with a password (scram-sha-256), as in production. */
  connectionString: string;
  /** Creates another empty database and returns its URL (for tests that need a fresh one). */
  createDatabase(): Promise<string>;
  /** Stops the server and deletes its files. Safe to call twice. */
  stop(): Promise<void>;
}

const SUPERUSER = "atelier";
const SERVER_BINARIES = ["initdb", "pg_ctl", "postgres"];
const START_ATTEMPTS = 3;

/**
 * Starts a real PostgreSQL server (initdb + pg_ctl, about two seconds) listening on 127.0.0.1 only,
 * on a free port, with fsync off (nothing here needs to survive a power cut). The server binaries
 * are required: without them this throws rather than skipping, so a machine that cannot run the
 * PostgreSQL tests fails loudly instead of passing quietly (.ci/run installs them).
 *
 * Databases are created with a linguistic ICU collation (en-US), the kind most production servers
 * default to, so the store is tested where text ordering differs from SQLite's byte order.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const bindir = findServerBinaries();
  const owner = serverOwner();
  const directory = mkdtempSync(path.join(tmpdir(), "atelier-pg-"));
  const dataDir = path.join(directory, "data");
  const password = randomBytes(12).toString("hex");
  const run = (binary: string, args: string[]) => runAs(owner, path.join(bindir, binary), args, directory);

  const emergencyStop = () => {
    // The test process is exiting without stop(): do not leave a server running.
    const [command, args] = commandAs(owner, path.join(bindir, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
    spawnSync(command, args, { stdio: "ignore" });
    rmSync(directory, { recursive: true, force: true });
  };
  process.once("exit", emergencyStop);

  try {
    const passwordFile = path.join(directory, "password");
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (owner) {
      chownSync(directory, owner.uid, owner.gid);
      chownSync(passwordFile, owner.uid, owner.gid);
    }
    await run("initdb", [
      "-D", dataDir, "-U", SUPERUSER, `--pwfile=${passwordFile}`,
      "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
    ]);
    const port = await startServer({ run, dataDir, directory });
    const urlOf = (database: string) => `postgresql://${SUPERUSER}:${password}@127.0.0.1:${port}/${database}`;

    let databases = 0;
    const createDatabase = async () => {
      const name = `atelier_test_${++databases}`;
      await createLinguisticDatabase(urlOf("postgres"), name);
      return urlOf(name);
    };
    const connectionString = await createDatabase();

    let stopping: Promise<void> | undefined;
    return {
      connectionString,
      createDatabase,
      stop() {
        stopping ??= (async () => {
          process.off("exit", emergencyStop);
          try {
            await run("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "stop"]);
          } finally {
            rmSync(directory, { recursive: true, force: true });
          }
        })();
        return stopping;
      },
    };
  } catch (error) {
    process.off("exit", emergencyStop);
    emergencyStop();
    throw error;
  }
}

/** Starts the server on a free port; retries when another process took the port in between. */
async function startServer(input: { run: (binary: string, args: string[]) => Promise<void>; dataDir: string; directory: string }): Promise<number> {
  const log = path.join(input.directory, "server.log");
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const options = [
      `-k ${input.directory}`, `-p ${port}`, "-c listen_addresses=127.0.0.1",
      "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
    ].join(" ");
    try {
      await input.run("pg_ctl", ["-D", input.dataDir, "-l", log, "-o", options, "-w", "-t", "30", "start"]);
      return port;
    } catch (error) {
      const serverLog = existsSync(log) ? readFileSync(log, "utf8") : "";
      if (attempt < START_ATTEMPTS && /already in use|could not bind/i.test(serverLog)) continue;
      throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${serverLog.slice(-2_000)}`, { cause: error });
    }
  }
}

async function createLinguisticDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // LOCALE_PROVIDER needs PostgreSQL 15; "locale 'C'" only fills the libc settings ICU leaves unused.
    await admin.query(`create database "${name}" template template0 encoding 'UTF8' locale_provider icu icu_locale 'en-US' locale 'C'`);
  } finally {
    await admin.end();
  }
}

/** The folder holding initdb, pg_ctl and postgres: pg_config's answer, Debian's versioned folders, then PATH. */
function findServerBinaries(): string {
  const candidates = [pgConfigBindir(), ...debianBinDirs(), ...(process.env.PATH ?? "").split(path.delimiter)];
  const found = candidates.find((dir) => dir && SERVER_BINARIES.every((name) => existsSync(path.join(dir, name))));
  if (found) return found;
  throw new Error(
    "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found in `pg_config --bindir`, /usr/lib/postgresql/*/bin or PATH. " +
      "The PostgreSQL store tests run a real server: install one (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql). " +
      ".ci/run installs it.",
  );
}

function pgConfigBindir(): string | undefined {
  try {
    return execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/** /usr/lib/postgresql/<version>/bin, newest version first. */
function debianBinDirs(): string[] {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort((left, right) => Number(right) - Number(left))
    .map((version) => path.join(root, version, "bin"));
}

interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

/** initdb and postgres refuse to run as root; as root (CI), they run as the `postgres` OS user. */
function serverOwner(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
    return { name: "postgres", uid: id("-u"), gid: id("-g") };
  } catch {
    throw new Error("Running as root, the PostgreSQL tests need a `postgres` OS user to run the server as (the postgresql package creates it).");
  }
}

function commandAs(owner: OsUser | undefined, binary: string, args: string[]): [string, string[]] {
  return owner ? ["runuser", ["-u", owner.name, "--", binary, ...args]] : [binary, args];
}

async function runAs(owner: OsUser | undefined, binary: string, args: string[], cwd: string): Promise<void> {
  const [command, commandArgs] = commandAs(owner, binary, args);
  try {
    // cwd: a folder the server's user may enter (not root's home).
    await execFileAsync(command, commandArgs, { cwd, encoding: "utf8" });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`${path.basename(binary)} failed${stderr ? `: ${stderr}` : ""}`, { cause: error });
  }
}

