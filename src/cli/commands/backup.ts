import path from "node:path";
import type { Command } from "commander";
import { AtelierError, type Config } from "../../contracts/index.js";
import { confirm } from "../confirm.js";
import { configFor, type CliContext } from "../context.js";
import { DownloadProgressBar } from "../download-progress.js";
import { formatBytes } from "../format.js";

const DATA_DIR_HELP = "data directory whose database to use (default: .atelier, or $ATELIER_DATA_DIR)";

export function registerBackupCommands(program: Command, context: CliContext): void {
  program
    .command("backup")
    .argument("<file>", "where to write the backup (a single SQLite file)")
    .description("Copy the database to a file, safely while the server is running")
    .option("--force", "replace <file> if it exists")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .addHelpText(
      "after",
      `
The copy is consistent: it holds everything committed when the backup began, and the server keeps
serving meanwhile. SQLite only; for PostgreSQL use pg_dump.

Examples:
  $ atelier backup backups/atelier-$(date +%F).db
  $ atelier backup /mnt/usb/atelier.db --force --data-dir /srv/atelier`,
    )
    .action(async (file: string, flags: { force?: boolean; dataDir?: string }, command: Command) => {
      const config = sqliteConfig({ command, context, dataDir: flags.dataDir, refusal: postgresBackupRefusal });
      const { sqliteFileOf } = await import("../../store/open-store.js");
      const { backupSqliteDatabase } = await import("../../store/sqlite/backup.js");
      // A bar on a terminal only: in cron mail or a log, progress lines are noise.
      const bar = context.stderr.isTTY ? new DownloadProgressBar({ stream: context.stderr }) : undefined;
      const source = sqliteFileOf(config);
      let backup: { file: string; bytes: number };
      try {
        backup = await backupSqliteDatabase({
          source,
          destination: file,
          overwrite: flags.force ?? false,
          ...(bar ? { onProgress: ({ copiedBytes, totalBytes }) => bar.update({ downloadedBytes: copiedBytes, totalBytes }) } : {}),
        });
      } finally {
        bar?.stop();
      }
      context.stdout.write(`Backed up ${source} to ${backup.file} (${formatBytes(backup.bytes)}).\nRestore it with: atelier restore ${quoteForShell(backup.file)}\n`);
    });

  program
    .command("restore")
    .argument("<file>", "a backup made by `atelier backup`")
    .description("Replace the database with a backup (stop the server first); the current database is kept aside")
    .option("-y, --yes", "do not ask for confirmation (required when stdin is not a terminal)")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .addHelpText(
      "after",
      `
The backup is checked first (an intact SQLite file with an Atelier schema this version knows); the
database it replaces is kept as atelier.db.before-restore-<time> in the data directory.

Examples:
  $ atelier restore backups/atelier-2025-01-31.db
  $ atelier restore /mnt/usb/atelier.db --yes --data-dir /srv/atelier`,
    )
    .action(async (file: string, flags: { yes?: boolean; dataDir?: string }, command: Command) => {
      const config = sqliteConfig({ command, context, dataDir: flags.dataDir, refusal: postgresRestoreRefusal });
      const { sqliteFileOf } = await import("../../store/open-store.js");
      const { acquireDataDirLock, isDataDirLocked, lockedError } = await import("../../runtime/data-dir-lock.js");
      const database = sqliteFileOf(config);
      // Checked before asking, so nobody confirms a restore that cannot happen; the restore checks again under the lock.
      const holder = isDataDirLocked(config.dataDir);
      if (holder !== undefined) throw lockedError({ dataDir: config.dataDir, pid: holder });
      if (!flags.yes) {
        if (!context.stdin.isTTY) throw new AtelierError("bad_request", "Refusing to restore without confirmation: stdin is not a terminal. Pass --yes.");
        const question = `Replace the database ${database} with ${path.resolve(file)}? The current one is kept beside it.`;
        if (!(await confirm({ input: context.stdin, output: context.stderr, question }))) {
          context.stderr.write("Nothing restored.\n");
          return;
        }
      }
      const { restoreSqliteDatabase } = await import("../../store/sqlite/backup.js");
      const result = await restoreSqliteDatabase({ from: file, database, lock: () => acquireDataDirLock(config.dataDir) });
      const lines = [`Restored ${path.resolve(file)} into ${result.database}.`];
      lines.push(result.previous === undefined ? "There was no database before." : `The previous database is kept at ${result.previous}; delete it once you are sure.`);
      lines.push("Start the server again: atelier serve");
      context.stdout.write(`${lines.join("\n")}\n`);
    });
}

function sqliteConfig(options: { command: Command; context: CliContext; dataDir: string | undefined; refusal: string }): Config {
  const config = configFor(options.command, options.context, options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  // The URL holds a password, so the message names the setting, never its value.
  if (config.databaseUrl !== undefined) throw new AtelierError("bad_request", options.refusal);
  return config;
}

const postgresBackupRefusal =
  "This instance uses PostgreSQL (ATELIER_DATABASE_URL / databaseUrl), and `atelier backup` copies the SQLite file only. " +
  "Back PostgreSQL up with pg_dump, e.g. pg_dump --format=custom --file atelier.dump \"$ATELIER_DATABASE_URL\".";

const postgresRestoreRefusal =
  "This instance uses PostgreSQL (ATELIER_DATABASE_URL / databaseUrl), and `atelier restore` replaces the SQLite file only. " +
  "Restore PostgreSQL with pg_restore, e.g. pg_restore --clean --dbname \"$ATELIER_DATABASE_URL\" atelier.dump.";

/** The path as a shell would need it typed: quoted only when it holds anything beyond safe characters. */
function quoteForShell(file: string): string {
  return /^[\w@%+=:,./-]+$/.test(file) ? file : `'${file.replaceAll("'", "'\\''")}'`;
}
