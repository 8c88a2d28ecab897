import { Command, Option } from "commander";
import type { z } from "zod";
import { AtelierError, CreateApiKey, CreateUser, Email, Password, UserRole, type ErrorIssue, type User } from "../../contracts/index.js";
import type { Store } from "../../store/store.js";
import { configFor, type CliContext } from "../context.js";
import { formatTable, formatTimestamp } from "../format.js";
import { readPipedSecret } from "../read-secret.js";
import type { CreatedAccount } from "../user-admin.js";

interface StoreFlags {
  dataDir?: string;
}

interface CreateFlags extends StoreFlags {
  email: string;
  name: string;
  role?: UserRole;
  passwordStdin?: boolean;
  apiKeyName?: string;
  json?: boolean;
}

const FLAG_FOR_FIELD: Record<string, string> = { email: "--email", name: "--name", role: "--role", password: "--password-stdin", "api key name": "--api-key-name" };

const DATA_DIR_HELP = "data directory whose database to use (default: .atelier, or $ATELIER_DATA_DIR)";

export function registerUserCommands(program: Command, context: CliContext): void {
  const user = program
    .command("user")
    .description("Create accounts, list them and reset passwords, directly in the database")
    .addHelpText(
      "after",
      `
These commands open the database itself (the SQLite file in the data directory, or
$ATELIER_DATABASE_URL), with or without a server running: run them where the server keeps its data.
They need no API key, which is how the first account and its key come to exist.`,
    );

  user
    .command("create")
    .description("Create an account; the instance's first one becomes its admin")
    .requiredOption("--email <email>", "sign-in email")
    .requiredOption("--name <name>", "display name")
    .addOption(new Option("--role <role>", "admin or owner (default: admin for the first account, owner after)").choices(UserRole.options))
    .option("--password-stdin", "read the password from stdin (default: generate one and print it once)")
    .option("--api-key-name <name>", "also create an API key with every scope, named after what will use it, and print it once")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .option("--json", "print the account (and generated secrets) as JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ atelier user create --email ada@example.com --name Ada --api-key-name cli
  $ printf '%s' "$PASSWORD" | atelier user create --email sam@example.com --name Sam --password-stdin
  $ atelier user create --email ops@example.com --name Ops --role admin --json`,
    )
    .action(async (flags: CreateFlags, command: Command) => {
      const input = validate(
        CreateUser.extend({ role: UserRole.optional() }),
        { email: flags.email, name: flags.name, ...(flags.role ? { role: flags.role } : {}) },
        "account",
      );
      const apiKeyName = flags.apiKeyName === undefined ? undefined : validateApiKeyName(flags.apiKeyName);
      const password = flags.passwordStdin ? validate(Password, await readPipedSecret({ stdin: context.stdin, flag: "--password-stdin" }), "password", "password") : undefined;
      const { createAccount } = await import("../user-admin.js");
      const created = await withStore({ command, context, flags }, (store) =>
        createAccount({ store, email: input.email, name: input.name, role: input.role, password, apiKeyName }),
      );
      if (flags.json) context.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
      else context.stdout.write(describeCreated(created));
    });

  user
    .command("list")
    .alias("ls")
    .description("List accounts, oldest first")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .option("--json", "print JSON")
    .action(async (flags: StoreFlags & { json?: boolean }, command: Command) => {
      const users = await withStore({ command, context, flags }, (store) => store.users.list());
      if (flags.json) context.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
      else if (users.length === 0) context.stdout.write("No accounts yet. The first one becomes the admin: atelier user create --email you@example.com --name You --api-key-name cli\n");
      else context.stdout.write(formatUserTable(users));
    });

  user
    .command("reset-password")
    .argument("<email>", "the account's email")
    .description("Set a new password (generated unless piped in) and sign the account out everywhere")
    .option("--password-stdin", "read the new password from stdin (default: generate one and print it once)")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .addHelpText(
      "after",
      `
Examples:
  $ atelier user reset-password ada@example.com
  $ printf '%s' "$NEW_PASSWORD" | atelier user reset-password ada@example.com --password-stdin`,
    )
    .action(async (email: string, flags: StoreFlags & { passwordStdin?: boolean }, command: Command) => {
      const address = validate(Email, email, "email", "<email>");
      const password = flags.passwordStdin ? validate(Password, await readPipedSecret({ stdin: context.stdin, flag: "--password-stdin" }), "password", "password") : undefined;
      const { resetAccountPassword } = await import("../user-admin.js");
      const reset = await withStore({ command, context, flags }, (store) => resetAccountPassword({ store, email: address, password }));
      const lines = [`Changed the password of ${reset.user.name} <${reset.user.email}>.`];
      if (reset.password !== undefined) lines.push(`New password (shown once): ${reset.password}`);
      lines.push(`Signed out of ${reset.sessionsEnded} session(s).`);
      context.stdout.write(`${lines.join("\n")}\n`);
    });
}

/** Opens the configured store for one piece of work and closes it, whatever happens. */
async function withStore<T>(options: { command: Command; context: CliContext; flags: StoreFlags }, work: (store: Store) => Promise<T>): Promise<T> {
  const config = configFor(options.command, options.context, options.flags.dataDir === undefined ? {} : { dataDir: options.flags.dataDir });
  // Loaded on demand: the native SQLite and PostgreSQL drivers are not needed by the HTTP commands.
  const { openStore } = await import("../../store/open-store.js");
  await using store = await openStore(config);
  return await work(store);
}

function describeCreated(created: CreatedAccount): string {
  const { user, password, apiKey } = created;
  const lines = [`Created ${user.role} ${user.name} <${user.email}> (${user.id}).`];
  if (password !== undefined) lines.push(`Password (shown once): ${password}`);
  if (apiKey) {
    lines.push(
      `API key "${apiKey.key.name}" with every scope (shown once; only its hash is stored):`,
      `  ${apiKey.token}`,
      "Use it from the CLI:",
      `  export ATELIER_API_KEY=${apiKey.token}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function formatUserTable(users: readonly User[]): string {
  return formatTable({
    headers: ["EMAIL", "NAME", "ROLE", "CREATED"],
    rows: users.map((user) => [user.email, user.name, user.role, formatTimestamp(user.createdAt)]),
  });
}

function validateApiKeyName(name: string): string {
  return validate(CreateApiKey.shape.name, name, "API key name", "api key name");
}

/** Parses with a contract schema; issues name the flag that set the field, as `agent create` does. */
function validate<T extends z.ZodType>(schema: T, value: unknown, what: string, field?: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: ErrorIssue[] = result.error.issues.map((issue) => {
    const path = field ?? (issue.path.map(String).join(".") || "(root)");
    const flag = FLAG_FOR_FIELD[path];
    return { path: flag ? `${path} (${flag})` : path, message: issue.message };
  });
  throw new AtelierError("validation_failed", `Invalid ${what}`, { issues });
}
