import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent, ConversationWithMessages } from "../src/contracts/index.js";
import { runAtelier, type CliRun } from "./support/cli.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
});

/** `atelier <args>` against the test server (see runAtelier). */
function atelier(args: string[], stdinText = "", env?: NodeJS.ProcessEnv): Promise<CliRun> {
  return runAtelier(server, args, { stdin: stdinText, ...(env ? { env } : {}) });
}

describe("the atelier CLI against the real server and engine", () => {
  it("creates an agent, lists, shows and edits it, then chats in the terminal", async () => {
    const created = await atelier([
      "agent", "create", "--name", "Tilly", "--personality", "A cheerful storyteller",
      "--greeting", "Hi! Want a story?", "--trait", "kind", "--max-tokens", "40", "--json",
    ]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const agent = JSON.parse(created.stdout) as Agent;
    expect(agent).toMatchObject({ name: "Tilly", handle: "tilly", traits: ["kind"], model: { maxTokens: 40 } });

    const listed = await atelier(["agent", "list"]);
    expect(listed.stdout).toContain("tilly");

    const edited = await atelier(["agent", "edit", "tilly", "--temperature", "0.3", "--json"]);
    expect(JSON.parse(edited.stdout)).toMatchObject({ version: 2, model: { temperature: 0.3, maxTokens: 40 } });

    const chat = await atelier(["chat", "tilly", "--show-stats"], "Tell me a story.\nAnd then?\n");
    expect(chat.stderr).toBe("");
    expect(chat.code).toBe(0);
    expect(chat.stdout).toContain("Hi! Want a story?");
    expect(chat.stdout.match(/^Tilly: /gm)?.length).toBe(3); // the greeting and two replies

    const { conversations } = (await server.json<{ conversations: { id: string }[] }>("GET", `/api/conversations?agentId=${agent.id}`)).body;
    expect(conversations).toHaveLength(1);
    const stored = (await server.json<ConversationWithMessages>("GET", `/api/conversations/${conversations[0]!.id}`)).body.messages;
    expect(stored.map((message) => message.role)).toEqual(["assistant", "user", "assistant", "user", "assistant"]);
    for (const reply of stored.slice(2).filter((message) => message.role === "assistant")) {
      expect(chat.stdout).toContain(reply.content.trim().split("\n")[0]!.slice(0, 20));
    }
  });

  it("reports bad input clearly with a non-zero exit and changes nothing", async () => {
    const before = (await server.json<{ agents: Agent[] }>("GET", "/api/agents")).body.agents.length;
    const bad = await atelier(["agent", "create", "--name", "X", "--temperature", "7"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/temperature/);
    const missing = await atelier(["agent", "show", "nobody"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No agent "nobody"/);
    expect((await server.json<{ agents: Agent[] }>("GET", "/api/agents")).body.agents.length).toBe(before);
  });

  it("deletes only with confirmation when not on a terminal", async () => {
    await atelier(["agent", "create", "--name", "Gone Soon"]);
    expect((await atelier(["agent", "delete", "gone-soon"])).code).toBe(1);
    expect((await atelier(["agent", "delete", "gone-soon", "--yes"])).code).toBe(0);
    expect((await server.json("GET", "/api/agents/gone-soon")).status).toBe(404);
  });

  it("adds files to an agent's knowledge, waits for indexing, and finds a passage", async () => {
    await atelier(["agent", "create", "--name", "Bo the Baker"]);
    const faq = path.join(server.dataDir, "a.md");
    const prices = path.join(server.dataDir, "b.csv");
    writeFileSync(faq, "# Harbour Bakery\n\n## Opening hours\nWe open at seven and bake saffron buns every Saturday.\n");
    writeFileSync(prices, "item,price\nCardamom bun,3.50\nSourdough loaf,6.00\n");
    const added = await atelier(["knowledge", "add", "bo-the-baker", faq, prices]);
    expect(added.stderr).not.toMatch(/error|failed|not added/);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^a\.md +ready +[1-9]/m);
    expect(added.stdout).toMatch(/^b\.csv +ready +[1-9]/m);

    const found = await atelier(["knowledge", "search", "bo-the-baker", "saffron", "buns"]);
    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(/^1\. a\.md › Harbour Bakery › Opening hours\n {3}We open at seven and bake saffron buns every Saturday\.$/m);
    const listed = await atelier(["knowledge", "list", "bo-the-baker", "--json"]);
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((source) => source.name).sort()).toEqual(["a.md", "b.csv"]);
  });

  it("without an API key reports the server's 401 with how to get a key", async () => {
    const refused = await atelier(["agent", "list"], "", {});
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: This server needs an API key, and none was given\. To get one, run `atelier user create --email you@example\.com --role admin --api-key-name cli`.*\(unauthorized\)\n$/);
    const wrong = await atelier(["agent", "list"], "", { ATELIER_API_KEY: "atk_0123456789abcdef_0123456789012345678901234567890123456789012" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: The server refused the API key from --api-key or ATELIER_API_KEY: /);
  });

  it("sets up an account and key beside the running server, and backs up while it serves", async () => {
    const created = await atelier(["user", "create", "--email", "ops@example.test", "--name", "Ops", "--role", "admin", "--api-key-name", "cli", "--json"]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const { apiKey } = JSON.parse(created.stdout) as { apiKey: { token: string } };
    const listed = await atelier(["--api-key", apiKey.token, "agent", "list", "--json"], "", { ATELIER_DATA_DIR: server.dataDir });
    expect(listed.stderr).toBe("");
    expect(listed.code).toBe(0);

    const file = path.join(server.dataDir, "backup-while-serving.db");
    const backup = await atelier(["backup", file]);
    expect(backup.code).toBe(0);
    // The server holds the data directory: a restore would pull the database from under it.
    const restore = await atelier(["restore", file]); // no --yes: were the lock missing, it would still change nothing
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(/^error: An Atelier server \(pid \d+\) is using the data directory .*\(conflict\)\n$/);
  });
});
