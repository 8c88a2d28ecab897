import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { AtelierError } from "../../contracts/index.js";
import { LEGACY_AGENT, writeDatabaseBeforeAccounts } from "../contract/before-accounts.js";
import { DatabaseNewerThanCodeError } from "../migrations/migrate.js";
import { describeStoreContract } from "../repository-contract.js";
import { openSqliteDatabase } from "./sqlite-database.js";
import { AtelierSqliteDialect } from "./sqlite-dialect.js";
import { openSqliteStore } from "./sqlite-store.js";

const directory = mkdtempSync(path.join(tmpdir(), "atelier-sqlite-store-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describeStoreContract("sqlite", {
  open: () => openSqliteStore({ file: path.join(directory, "contract", "atelier.db") }),
  openEmpty: () => openSqliteStore({ file: path.join(mkdtempSync(path.join(directory, "empty-")), "atelier.db") }),
});

describe("openSqliteStore", () => {
  it("creates the parent folder and runs with WAL, synchronous=FULL, foreign keys and a busy timeout", async () => {
    const file = path.join(directory, "nested", "deeper", "pragmas.db");
    await using store = await openSqliteStore({ file });
    expect(store.connectionSettings()).toEqual({ journalMode: "wal", synchronous: "full", foreignKeys: true, busyTimeoutMs: 5_000 });
  });

  it("migrates once; a second open of a migrated database changes nothing", async () => {
    const file = path.join(directory, "twice.db");
    const first = await openSqliteStore({ file });
    expect(first.appliedMigrations).toEqual(MIGRATIONS);
    await first[Symbol.asyncDispose]();

    await using second = await openSqliteStore({ file });
    expect(second.appliedMigrations).toEqual([]);
    expect(migrationNames(file)).toEqual(MIGRATIONS);
  });

  it("upgrades a database from before accounts: its agents stay private and go to the first admin", async () => {
    const file = path.join(directory, "before-accounts.db");
    await writeDatabaseBeforeAccounts({ dialect: new AtelierSqliteDialect({ database: openSqliteDatabase({ file }) }), schema: "sqlite" });

    await using store = await openSqliteStore({ file });
    expect(store.appliedMigrations).toEqual(["0002-accounts", "0003-knowledge", "0004-publish", "0005-memory"]);
    expect(await store.agents.get(LEGACY_AGENT.id)).toMatchObject({ handle: LEGACY_AGENT.handle, ownerId: null, publishedAt: null, version: 1 });
    const admin = await store.users.create({ id: "usr_first", email: "first@example.com", name: "First", role: "admin-if-first", passwordHash: "x", now });
    expect(admin.role).toBe("admin");
    expect(await store.agents.list({ ownerId: admin.id })).toMatchObject([{ id: LEGACY_AGENT.id, ownerId: admin.id }]);
  });

  it("numbers messages 1..n per conversation under concurrent appends", async () => {
    const file = path.join(directory, "seq.db");
    const store = await openSqliteStore({ file });
    const agent = await store.agents.create({ id: "agt_seq", handle: "seq", ownerId: null, profile: { ...profileBase, handle: "seq" }, now: now });
    await store.conversations.create({ id: "cnv_seq", agentId: agent.id, participantId: "p", title: "t", now });
    await Promise.all(Array.from({ length: 50 }, (_, index) => store.conversations.appendMessage({
      id: `msg_${index}`, conversationId: "cnv_seq", role: "user", content: String(index), status: "complete", createdAt: now,
    })));
    await store[Symbol.asyncDispose]();

    const database = new BetterSqlite3(file, { readonly: true });
    const seqs = database.prepare("select seq from messages where conversation_id = 'cnv_seq' order by seq").pluck().all();
    database.close();
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
  });

  it("refuses, with a typed error, a database written by a newer Atelier", async () => {
    const file = path.join(directory, "newer.db");
    await (await openSqliteStore({ file }))[Symbol.asyncDispose]();
    const database = new BetterSqlite3(file);
    database.prepare("insert into kysely_migration (name, timestamp) values (?, ?)").run("9999-from-the-future", now);
    database.close();

    const error = await openSqliteStore({ file }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(DatabaseNewerThanCodeError);
    expect((error as DatabaseNewerThanCodeError).unknownMigrations).toEqual(["9999-from-the-future"]);
    expect((error as AtelierError).message).toMatch(/newer version of Atelier/);
  });

  it("reports a corrupted stored profile as a typed error", async () => {
    const file = path.join(directory, "corrupt.db");
    const store = await openSqliteStore({ file });
    await store.agents.create({ id: "agt_bad", handle: "bad", ownerId: null, profile: { ...profileBase, handle: "bad" }, now });
    await store[Symbol.asyncDispose]();
    const database = new BetterSqlite3(file);
    database.prepare("update agent_versions set profile = ? where agent_id = 'agt_bad'").run('{"name": 42}');
    database.close();

    await using reopened = await openSqliteStore({ file });
    const error = await reopened.agents.get("agt_bad").catch((reason: unknown) => reason);
    expect(AtelierError.is(error, "internal")).toBe(true);
    expect((error as AtelierError).message).toMatch(/stored profile of agent "agt_bad" version 1 is corrupted/);
  });

  it("works in memory", async () => {
    await using store = await openSqliteStore({ file: ":memory:" });
    await store.ping();
    expect(store.appliedMigrations).toEqual(MIGRATIONS);
    expect(store.connectionSettings()).toMatchObject({ journalMode: "memory", synchronous: "full", foreignKeys: true });
  });
});

const MIGRATIONS = ["0001-initial-schema", "0002-accounts", "0003-knowledge", "0004-publish", "0005-memory"];
const now = "2030-01-01T00:00:00.000Z";
const profileBase = {
  name: "Seq", tagline: "", avatar: "", description: "", personality: "", traits: [], interests: [], tone: "",
  instructions: "", greetings: [], openers: [], exampleDialogues: [], avoidTopics: [], model: { temperature: 0.8, maxTokens: 512 },
  scenario: "", postHistoryInstructions: "", card: null,
};

function migrationNames(file: string): unknown[] {
  const database = new BetterSqlite3(file, { readonly: true });
  try {
    return database.prepare("select name from kysely_migration order by name").pluck().all();
  } finally {
    database.close();
  }
}
