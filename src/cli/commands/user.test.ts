import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyScope } from "../../contracts/index.js";
import { apiKeyIdOf } from "../../runtime/auth/api-keys.js";
import { verifyPassword } from "../../runtime/auth/passwords.js";
import { hashToken } from "../../runtime/auth/tokens.js";
import { newId } from "../../runtime/ids.js";
import { openStore } from "../../store/open-store.js";
import type { Store } from "../../store/store.js";
import { runLocalCli } from "../testing/local-cli.js";

const dataDir = mkdtempSync(path.join(tmpdir(), "atelier-cli-user-"));
const atelier = (argv: string[], options: { stdin?: string; stdinIsTTY?: boolean } = {}) => runLocalCli(argv, { dataDir, ...options });

/** Looks at what the commands stored, through a store of its own (as a server beside the CLI would). */
async function inStore<T>(work: (store: Store) => Promise<T>): Promise<T> {
  await using store = await openStore({ dataDir, databaseUrl: undefined });
  return await work(store);
}

const GENERATED = /^Password \(shown once\): ([A-Za-z0-9]{20})$/m;

beforeAll(async () => {
  const { code, stdout } = await atelier(["user", "list"]);
  expect(code).toBe(0);
  expect(stdout).toBe("No accounts yet. The first one becomes the admin: atelier user create --email you@example.com --name You --api-key-name cli\n");
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("atelier user", () => {
  it("create makes the first account an admin, with a generated password and an API key printed once", async () => {
    const { code, stdout, stderr } = await atelier(["user", "create", "--email", " Ada@Example.com ", "--name", "Ada", "--api-key-name", "cli"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Created admin Ada <ada@example\.com> \(usr_[0-9a-z]+\)\.\n/);
    const password = GENERATED.exec(stdout)?.[1];
    const token = /^ {2}(atk_[a-z0-9]{16}_[A-Za-z0-9_-]{43})$/m.exec(stdout)?.[1];
    expect(stdout).toContain(`export ATELIER_API_KEY=${token}\n`);

    await inStore(async (store) => {
      const user = await store.users.getByEmail("ada@example.com");
      expect(user).toMatchObject({ name: "Ada", role: "admin" });
      expect(await verifyPassword(user!.passwordHash, password!)).toBe(true);
      const found = await store.apiKeys.findById(apiKeyIdOf(token!)!);
      expect(found?.key).toMatchObject({ name: "cli", userId: user!.id, tokenHash: hashToken(token!), revokedAt: null, expiresAt: null });
      expect([...found!.key.scopes].sort()).toEqual([...ApiKeyScope.options].sort());
      const events = await store.audit.list({ userId: user!.id, limit: 10 });
      expect(events.map((event) => [event.action, event.actor])).toEqual(expect.arrayContaining([["user.created", "system"], ["api_key.created", "system"]]));
    });
  });

  it("create makes later accounts owners unless --role says otherwise, and reads a piped password", async () => {
    const owner = await atelier(["user", "create", "--email", "sam@example.com", "--name", "Sam", "--password-stdin"], { stdin: "a piped password\n" });
    expect(owner.code).toBe(0);
    expect(owner.stdout).toMatch(/^Created owner Sam <sam@example\.com> \(usr_[0-9a-z]+\)\.\n$/);
    expect(owner.stdout).not.toMatch(/Password|API key/);

    const admin = await atelier(["user", "create", "--email", "ops@example.com", "--name", "Ops", "--role", "admin", "--json"]);
    expect(admin.code).toBe(0);
    const created = JSON.parse(admin.stdout) as { user: { role: string; email: string }; password: string; apiKey?: unknown };
    expect(created.user).toMatchObject({ role: "admin", email: "ops@example.com" });
    expect(created.password).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(created.apiKey).toBeUndefined();

    await inStore(async (store) => {
      const sam = await store.users.getByEmail("sam@example.com");
      expect(sam?.role).toBe("owner");
      expect(await verifyPassword(sam!.passwordHash, "a piped password")).toBe(true);
    });
  });

  it("list prints a table, or JSON", async () => {
    const table = await atelier(["user", "list"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^EMAIL {12}NAME {2}ROLE {3}CREATED\nada@example\.com {2}Ada {3}admin {2}\d{4}-\d\d-\d\d \d\d:\d\d UTC\nsam@example\.com {2}Sam {3}owner {2}/);
    const json = await atelier(["user", "ls", "--json"]);
    const users = JSON.parse(json.stdout) as { email: string; passwordHash?: string }[];
    expect(users.map((user) => user.email)).toEqual(["ada@example.com", "sam@example.com", "ops@example.com"]);
    expect(users.some((user) => "passwordHash" in user)).toBe(false);
  });

  it("reset-password sets a new password and ends the user's sessions", async () => {
    const before = await inStore(async (store) => {
      const user = (await store.users.getByEmail("sam@example.com"))!;
      const now = new Date();
      await store.sessions.create({ id: newId("ses"), userId: user.id, tokenHash: hashToken("ses_sam"), now: now.toISOString(), expiresAt: new Date(now.getTime() + 3_600_000).toISOString() });
      return user;
    });

    const { code, stdout, stderr } = await atelier(["user", "reset-password", "SAM@example.com"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Changed the password of Sam <sam@example\.com>\.\nNew password \(shown once\): [A-Za-z0-9]{20}\nSigned out of 1 session\(s\)\.\n$/);
    const password = /shown once\): (\S+)/.exec(stdout)![1]!;

    await inStore(async (store) => {
      const after = (await store.users.getByEmail("sam@example.com"))!;
      expect(after.passwordHash).not.toBe(before.passwordHash);
      expect(await verifyPassword(after.passwordHash, password)).toBe(true);
      expect(await verifyPassword(after.passwordHash, "a piped password")).toBe(false);
      expect(await store.sessions.findByTokenHash(hashToken("ses_sam"), new Date().toISOString())).toBeUndefined();
      const events = await store.audit.list({ userId: after.id, limit: 10 });
      expect(events.find((event) => event.action === "user.password_reset")?.actor).toBe("system");
    });

    const piped = await atelier(["user", "reset-password", "sam@example.com", "--password-stdin"], { stdin: "another good password" });
    expect(piped.stdout).toBe("Changed the password of Sam <sam@example.com>.\nSigned out of 0 session(s).\n");
    await inStore(async (store) => {
      expect(await verifyPassword((await store.users.getByEmail("sam@example.com"))!.passwordHash, "another good password")).toBe(true);
    });
  });

  it("refuses bad input with a clear message and changes nothing", async () => {
    const cases: [string[], { stdin?: string; stdinIsTTY?: boolean }, string][] = [
      [["user", "create", "--email", "not-an-email", "--name", "X"], {}, "error: Invalid account (validation_failed)\n  email (--email): enter an email address like ada@example.com\n"],
      [["user", "create", "--email", "x@example.com", "--name", "X", "--password-stdin"], { stdin: "short\n" }, "error: Invalid password (validation_failed)\n  password (--password-stdin): use at least 10 characters\n"],
      [["user", "create", "--email", "x@example.com", "--name", "X", "--password-stdin"], {}, "error: --password-stdin was given but nothing arrived on stdin. Pipe the password in, or leave --password-stdin out to get a generated one. (bad_request)\n"],
      [["user", "create", "--email", "x@example.com", "--name", "X", "--password-stdin"], { stdinIsTTY: true }, "error: --password-stdin reads a password piped on stdin, e.g. printf '%s' \"$PASSWORD\" | atelier … --password-stdin. Leave --password-stdin out to get a generated password instead. (bad_request)\n"],
      [["user", "create", "--email", "x@example.com", "--name", "X", "--api-key-name", " "], {}, "error: Invalid API key name (validation_failed)\n  api key name (--api-key-name): name the key after what uses it\n"],
      [["user", "create", "--email", "ada@example.com", "--name", "Again"], {}, "error: An account with the email ada@example.com already exists. To let its owner in again: atelier user reset-password ada@example.com (conflict)\n"],
      [["user", "reset-password", "nobody@example.com"], {}, "error: No user with the email nobody@example.com. See who there is: atelier user list (not_found)\n"],
      [["user", "reset-password", "nobody"], {}, "error: Invalid email (validation_failed)\n  <email>: enter an email address like ada@example.com\n"],
    ];
    for (const [argv, options, message] of cases) {
      const { code, stdout, stderr } = await atelier(argv, options);
      expect(stderr, argv.join(" ")).toBe(message);
      expect(code).toBe(1);
      expect(stdout).toBe("");
    }
    const role = await atelier(["user", "create", "--email", "x@example.com", "--name", "X", "--role", "root"]);
    expect(role.code).toBe(1);
    expect(role.stderr).toContain("Allowed choices are admin, owner.");
    await inStore(async (store) => expect(await store.users.count()).toBe(3));
  });
});
