import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent, Lorebook, LorebookImportResult, LorebookTestResult } from "../src/contracts/index.js";
import { seedSession, seedUser, seedVisitor } from "./support/accounts.js";
import { call } from "./support/http.js";
import { readCard } from "./support/fixtures.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";

const card = readCard;

let server: TestServer;
let agent: Agent;

beforeAll(async () => {
  server = await startTestServer();
  agent = (await server.json<Agent>("POST", "/api/agents", { name: "Seraphina" })).body;
});
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
});

/** Uploads a file to the import route as the test server's admin (or with other headers). */
async function importFile(agentId: string, file: { bytes: Uint8Array | string; name: string }, mode: "merge" | "replace" = "merge", headers = server.auth) {
  const form = new FormData();
  form.append("file", new Blob([typeof file.bytes === "string" ? file.bytes : new Uint8Array(file.bytes)]), file.name);
  const response = await fetch(`${server.url}/api/agents/${agentId}/lorebook/import?mode=${mode}`, { method: "POST", headers, body: form });
  return { status: response.status, body: (await response.json()) as LorebookImportResult & { error?: { code: string; message: string } } };
}

const lorebook = async (agentId: string) => (await server.json<Lorebook>("GET", `/api/agents/${agentId}/lorebook`)).body;

describe("lorebook over HTTP", () => {
  it("imports SillyTavern World Info and fires the forest entry for a question about the forest", async () => {
    expect(await lorebook(agent.id)).toMatchObject({ revision: 0, updatedAt: null, entries: [] });
    const imported = await importFile(agent.id, { bytes: card("Eldoria.json"), name: "Eldoria.json" }, "replace");
    expect(imported).toMatchObject({ status: 200, body: { format: "world-info", mode: "replace", entries: 4, revision: 1 } });
    const book = await lorebook(agent.id);
    expect(book.entries).toHaveLength(4);
    const forest = book.entries.find((entry) => entry.keys.includes("forest"))!;
    // The test model's tiny vocabulary makes the passage long in tokens: give the book room for it.
    const { agentId: _a, revision, updatedAt: _u, ...content } = book;
    expect((await server.json("PUT", `/api/agents/${agent.id}/lorebook`, { lorebook: { ...content, tokenBudget: 8_192 }, expectedRevision: revision })).status).toBe(200);

    const tested = await server.json<LorebookTestResult>("POST", `/api/agents/${agent.id}/lorebook/test`, { messages: ["hello", "tell me about the forest"] });
    expect(tested.status).toBe(200);
    expect(tested.body.entries).toEqual([{ entryId: forest.id, name: forest.name, reason: 'key "forest"', tokens: expect.any(Number), leftOut: false }]);
    // Counted by the agent's own model: a long passage is well over a hundred tokens, and within the default budget.
    expect(tested.body.entries[0]!.tokens).toBeGreaterThan(100);
    expect(tested.body).toMatchObject({ tokens: tested.body.entries[0]!.tokens, budget: 8_192, warnings: [] });
  });

  it("refuses a save based on a stale revision (409, reload) and changes nothing", async () => {
    const before = await lorebook(agent.id);
    const { agentId: _a, revision: _r, updatedAt: _u, ...content } = before;
    const stale = await server.json<{ error: { code: string; message: string } }>("PUT", `/api/agents/${agent.id}/lorebook`, {
      lorebook: { ...content, name: "overwritten", entries: [] }, expectedRevision: before.revision - 1,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(/Reload/);
    expect(await lorebook(agent.id)).toEqual(before);

    const saved = await server.json<Lorebook>("PUT", `/api/agents/${agent.id}/lorebook`, { lorebook: { ...content, name: "Eldoria" }, expectedRevision: before.revision });
    expect(saved).toMatchObject({ status: 200, body: { name: "Eldoria", revision: before.revision + 1 } });
  });

  it("refuses a file that is not JSON, or JSON that is no lorebook, with 422 and changes nothing", async () => {
    const before = await lorebook(agent.id);
    const broken = await importFile(agent.id, { bytes: '{"entries": {"0": ', name: "broken.json" });
    expect(broken.status).toBe(422);
    expect(broken.body.error?.message).toMatch(/JSON/);
    const wrong = await importFile(agent.id, { bytes: JSON.stringify({ entries: "nope" }), name: "wrong.json" });
    expect(wrong.status).toBe(422);
    expect(await lorebook(agent.id)).toEqual(before);
  });

  it("takes the book of a character card, and says so when a card has none", async () => {
    const other = (await server.json<Agent>("POST", "/api/agents", { name: "Card book" })).body;
    const imported = await importFile(other.id, { bytes: card("Seraphina.png"), name: "Seraphina.png" });
    expect(imported).toMatchObject({ status: 200, body: { format: "character-book", entries: 4, revision: 1 } });
    const none = await importFile(other.id, { bytes: card("FluxTheCat.png"), name: "FluxTheCat.png" });
    expect(none.status).toBe(422);
    expect(none.body.error?.message).toMatch(/lorebook/);
    expect((await lorebook(other.id)).revision).toBe(1);
  });

  it("exports World Info that imports back to the same entries", async () => {
    const response = await fetch(`${server.url}/api/agents/${agent.id}/lorebook/export`, { headers: server.auth });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="${agent.handle}-lorebook.json"`);
    const exported = await response.text();
    const copy = (await server.json<Agent>("POST", "/api/agents", { name: "Copy" })).body;
    expect((await importFile(copy.id, { bytes: exported, name: "export.json" }, "replace")).status).toBe(200);
    const original = await lorebook(agent.id);
    const roundTripped = await lorebook(copy.id);
    expect(roundTripped.entries).toEqual(original.entries);
    expect(roundTripped).toMatchObject({ name: original.name, scanDepth: original.scanDepth, tokenBudget: original.tokenBudget, recursiveScanning: original.recursiveScanning });
  });

  it("merges a second import after the existing entries with fresh ids", async () => {
    const before = await lorebook(agent.id);
    const merged = await importFile(agent.id, { bytes: card("Eldoria.json"), name: "Eldoria.json" }, "merge");
    expect(merged).toMatchObject({ status: 200, body: { mode: "merge", entries: 4, revision: before.revision + 1 } });
    const after = await lorebook(agent.id);
    expect(after.entries.slice(0, 4)).toEqual(before.entries);
    expect(new Set(after.entries.map((entry) => entry.id)).size).toBe(8);
  });

  it("keeps each owner's lorebook to its owner: another owner gets 404, a visitor 403, nobody 401", async () => {
    const stranger = await seedUser(server.services.store);
    const headers = await seedSession(server.services.store, stranger.id);
    const base = `/api/agents/${agent.id}/lorebook`;
    expect((await call(server.url, "GET", base, { headers })).status).toBe(404);
    expect((await call(server.url, "GET", `${base}/export`, { headers })).status).toBe(404);
    expect((await call(server.url, "POST", `${base}/test`, { headers, body: { messages: ["forest"] } })).status).toBe(404);
    expect((await call(server.url, "PUT", base, { headers, body: { lorebook: {} } })).status).toBe(404);
    expect((await importFile(agent.id, { bytes: card("Eldoria.json"), name: "Eldoria.json" }, "replace", headers)).status).toBe(404);
    const visitor = await seedVisitor(server.services.store);
    expect((await call(server.url, "GET", base, { headers: visitor.headers })).status).toBe(403);
    expect((await call(server.url, "GET", base)).status).toBe(401);
    expect((await lorebook(agent.id)).entries).toHaveLength(8);
  });
});
