import { inspect } from "node:util";
import { PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../../../test/support/postgres.js";
import { freePort } from "../../../test/support/ports.js";
import { AtelierError, type Conversation } from "../../contracts/index.js";
import { LEGACY_AGENT, writeDatabaseBeforeAccounts } from "../contract/before-accounts.js";
import { at, createUser, profile, uniqueHandle, uniqueId } from "../contract/fixtures.js";
import { DatabaseNewerThanCodeError } from "../migrations/migrate.js";
import { describeStoreContract } from "../repository-contract.js";
import { openPostgresStore, type PostgresStore } from "./postgres-store.js";

const MIGRATIONS = ["0001-initial-schema", "0002-accounts", "0003-knowledge", "0004-publish", "0005-memory"];

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

describeStoreContract("postgres", {
  open: () => openPostgresStore({ connectionString: server.connectionString }),
  openEmpty: async () => openPostgresStore({ connectionString: await server.createDatabase() }),
});

describe("openPostgresStore", () => {
  it("migrates once; a second open of a migrated database changes nothing", async () => {
    const connectionString = await server.createDatabase();
    const first = await openPostgresStore({ connectionString });
    expect(first.appliedMigrations).toEqual(MIGRATIONS);
    await first[Symbol.asyncDispose]();

    await using second = await openPostgresStore({ connectionString });
    expect(second.appliedMigrations).toEqual([]);
    expect(await query(connectionString, "select name from kysely_migration order by name")).toEqual(MIGRATIONS.map((name) => ({ name })));
  });

  it("migrates an empty database once when several processes open it at the same moment", async () => {
    const connectionString = await server.createDatabase();
    // Separate pools are separate sessions, as separate processes would be.
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore({ connectionString, poolSize: 2 })));
    try {
      expect(stores.map((store) => store.appliedMigrations.length).sort()).toEqual([0, 0, 0, MIGRATIONS.length]);
      expect(await query(connectionString, "select count(*)::int as count from kysely_migration")).toEqual([{ count: MIGRATIONS.length }]);
    } finally {
      await Promise.all(stores.map((store) => store[Symbol.asyncDispose]()));
    }
  });

  it("upgrades a database from before accounts: its agents stay private and go to the first admin", async () => {
    const connectionString = await server.createDatabase();
    await writeDatabaseBeforeAccounts({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString }) }), schema: "postgres" });

    await using store = await openPostgresStore({ connectionString });
    expect(store.appliedMigrations).toEqual(["0002-accounts", "0003-knowledge", "0004-publish", "0005-memory"]);
    expect(await store.agents.get(LEGACY_AGENT.id)).toMatchObject({ handle: LEGACY_AGENT.handle, ownerId: null, publishedAt: null, version: 1 });
    const admin = await createUser(store, { role: "admin-if-first" });
    expect(admin.role).toBe("admin");
    expect(await store.agents.list({ ownerId: admin.id })).toMatchObject([{ id: LEGACY_AGENT.id, ownerId: admin.id }]);
  });

  it("makes exactly one admin when processes sign up the first users at the same moment", async () => {
    const connectionString = await server.createDatabase();
    const stores = await Promise.all(Array.from({ length: 3 }, () => openPostgresStore({ connectionString, poolSize: 3 })));
    try {
      await Promise.all(stores.flatMap((store) => [store.ping(), store.ping(), store.ping()])); // every pool's connections open
      const users = await Promise.all(stores.flatMap((store) => Array.from({ length: 3 }, () => createUser(store, { role: "admin-if-first" }))));
      expect(users.filter((user) => user.role === "admin")).toHaveLength(1);
      expect(await query(connectionString, "select count(*)::int as count from users")).toEqual([{ count: 9 }]);
    } finally {
      await Promise.all(stores.map((store) => store[Symbol.asyncDispose]()));
    }
  });

  it("numbers messages 1..n when two processes append to one conversation at once", async () => {
    const connectionString = await server.createDatabase();
    await using first = await openPostgresStore({ connectionString });
    await using second = await openPostgresStore({ connectionString });
    const { conversationId } = await seedConversation(first);
    await Promise.all(Array.from({ length: 40 }, (_, index) => (index % 2 ? first : second).conversations.appendMessage({
      id: uniqueId("msg", String(index)), conversationId, role: "user", content: String(index), status: "complete", createdAt: at(index),
    })));

    const rows = await query(connectionString, `select seq from messages where conversation_id = '${conversationId}' order by seq`);
    expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
  });

  it("lets one of two processes' simultaneous edits of an agent win and refuses the other", async () => {
    const connectionString = await server.createDatabase();
    await using first = await openPostgresStore({ connectionString });
    await using second = await openPostgresStore({ connectionString });
    const { agentId, handle } = await seedConversation(first);
    const edit = (store: PostgresStore, name: string) =>
      store.agents.update({ id: agentId, handle, profile: profile({ name, handle }), now: at(9), expectedVersion: 1 });

    const outcomes = await Promise.allSettled([edit(first, "First"), edit(second, "Second")]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = outcomes.find((outcome) => outcome.status === "rejected");
    expect(AtelierError.is(refused?.reason, "conflict")).toBe(true);
    expect(await second.agents.listVersions(agentId)).toHaveLength(2);
  });

  it("orders identifiers bytewise, as SQLite does, on a database with a linguistic collation", async () => {
    const connectionString = server.connectionString;
    // The test database sorts "a" before "B" (ICU en-US); byte order puts "B" (0x42) first.
    expect(await query(connectionString, "select 'a' < 'B' as linguistic")).toEqual([{ linguistic: true }]);
    const columns = await query(
      connectionString,
      `select table_name || '.' || column_name as name, collation_name from information_schema.columns
       where table_schema = current_schema() and table_name in ('conversations', 'messages', 'audit_events', 'users') and data_type = 'text'`,
    );
    const collations = Object.fromEntries(columns.map((row) => [row.name, row.collation_name]));
    expect(collations).toMatchObject({ "conversations.id": "C", "conversations.updated_at": "C", "messages.conversation_id": "C" });
    expect(collations).toMatchObject({ "audit_events.created_at": "C", "audit_events.id": "C", "users.email": "C" });
    expect(collations["conversations.title"]).toBeNull(); // prose keeps the database's collation
    expect(collations["users.name"]).toBeNull();

    await using store = await openPostgresStore({ connectionString });
    const { agentId } = await seedConversation(store, { now: at(-300_000) });
    const base = uniqueId("cnv");
    for (const suffix of ["B", "a", "_", "-"]) {
      await store.conversations.create({ id: `${base}${suffix}`, agentId, participantId: "p", title: "t", now: at(7) });
    }
    const suffixes = (conversations: Conversation[]) =>
      conversations.filter((conversation) => conversation.id.startsWith(base)).map((conversation) => conversation.id.slice(base.length));
    expect(suffixes(await store.conversations.list({ agentId, limit: 10 }))).toEqual(["a", "_", "B", "-"]);
    expect(suffixes(await store.conversations.list({ agentId, limit: 10, before: `${base}_` }))).toEqual(["B", "-"]);
  });

  it("outlives the server dropping its idle connections, and reconnects", async () => {
    const connectionString = await server.createDatabase();
    await using store = await openPostgresStore({ connectionString });
    await store.ping();
    // What a PostgreSQL restart or an idle-session timeout does to the pool's connections.
    const dropped = await query(
      connectionString,
      "select pg_terminate_backend(pid) as dropped from pg_stat_activity where datname = current_database() and application_name = 'atelier'",
    );
    expect(dropped.length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it("refuses, with a typed error, a database written by a newer Atelier", async () => {
    const connectionString = await server.createDatabase();
    await (await openPostgresStore({ connectionString }))[Symbol.asyncDispose]();
    await query(connectionString, `insert into kysely_migration (name, timestamp) values ('9999-from-the-future', '${at(0)}')`);

    const error = await openPostgresStore({ connectionString }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(DatabaseNewerThanCodeError);
    expect((error as DatabaseNewerThanCodeError).unknownMigrations).toEqual(["9999-from-the-future"]);
  });
});

describe("openPostgresStore, when it cannot connect", () => {
  const password = "s3cret-Pa55word";

  /** The error, checked to be a bad_request that never shows the password, even in its causes. */
  async function failure(connectionString: string): Promise<AtelierError> {
    const error = await openPostgresStore({ connectionString }).catch((reason: unknown) => reason);
    expect(AtelierError.is(error, "bad_request"), inspect(error)).toBe(true);
    expect(inspect(error, { depth: 10 })).not.toContain(password);
    return error as AtelierError;
  }

  function withCredentials(url: string, options: { password: string; database?: string }): string {
    const parsed = new URL(url);
    parsed.password = options.password;
    if (options.database) parsed.pathname = `/${options.database}`;
    return parsed.toString();
  }

  it("says where it tried when nothing listens there", async () => {
    const port = await freePort();
    const error = await failure(`postgres://atelier:${password}@127.0.0.1:${port}/atelier`);
    expect(error.message).toMatch(new RegExp(`^Could not connect to PostgreSQL at 127\\.0\\.0\\.1:${port}/atelier \\(.*ECONNREFUSED.*\\)\\. `));
    expect(error.message).toMatch(/\. Is PostgreSQL running, and reachable from here\? Check ATELIER_DATABASE_URL\.$/);
  });

  it("says the password was refused, without showing it", async () => {
    const error = await failure(withCredentials(server.connectionString, { password }));
    expect(error.message).toMatch(/password authentication failed for user "atelier"/);
    expect(error.message).toContain("Are the user name and password right?");
  });

  it("says the database does not exist", async () => {
    const url = new URL(server.connectionString);
    const error = await failure(withCredentials(server.connectionString, { password: decodeURIComponent(url.password), database: "nowhere" }));
    expect(error.message).toMatch(/database "nowhere" does not exist/);
  });

  it("refuses a malformed URL without echoing it", async () => {
    const error = await failure(`postgres://atelier:${password}@127.0.0.1:not-a-port/atelier`);
    expect(error.message).toMatch(/not a valid URL/);
  });
});

async function seedConversation(store: PostgresStore, options: { now?: string } = {}) {
  const handle = uniqueHandle();
  const agent = await store.agents.create({ id: uniqueId("agt"), handle, ownerId: null, profile: profile({ handle }), now: options.now ?? at(0) });
  const conversation = await store.conversations.create({
    id: uniqueId("cnv"), agentId: agent.id, participantId: "p", title: "t", now: options.now ?? at(0),
  });
  return { agentId: agent.id, handle, conversationId: conversation.id };
}

/** Runs SQL on its own connection, beside the store (as another tool would). */
async function query(connectionString: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}
