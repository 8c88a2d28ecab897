import extractChunks from "png-chunks-extract";
import pngText from "png-chunk-text";
import yauzl from "yauzl";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Agent, AgentVersionSummary, ErrorBody, ImportResult, KnowledgeSource, Lorebook } from "../src/contracts/index.js";
import { seedApiKey, seedUser, seedVisitor } from "./support/accounts.js";
import { TINY_PNG } from "./support/route-fixtures.js";
import { readCard } from "./support/fixtures.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";

/* Agents in and out as files, through the real server: cards, elizaOS characters, bundles, avatars. */

const seraphina = () => readCard("Seraphina.png");

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { rateLimits: { login: { max: 0 }, public: { max: 0 } } } });
});
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
});

interface Reply<T> { status: number; body: T; headers: Headers; bytes: Uint8Array }

async function importFile(bytes: Uint8Array, filename: string, headers: Record<string, string> = server.auth): Promise<Reply<ImportResult & ErrorBody>> {
  const form = new FormData();
  form.append("file", new Blob([bytes as Uint8Array<ArrayBuffer>]), filename);
  const response = await fetch(`${server.url}/api/agents/import`, { method: "POST", body: form, headers });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as ImportResult & ErrorBody, headers: response.headers, bytes: new Uint8Array() };
}

async function download(url: string, headers: Record<string, string> = server.auth): Promise<Reply<undefined>> {
  const response = await fetch(server.url + url, { headers });
  return { status: response.status, body: undefined, headers: response.headers, bytes: new Uint8Array(await response.arrayBuffer()) };
}

async function exported(agent: Agent, format: string): Promise<Uint8Array> {
  const file = await download(`/api/agents/${agent.id}/export?format=${format}`);
  expect(file.status).toBe(200);
  return file.bytes;
}

const agentCount = async () => (await server.json<{ agents: Agent[] }>("GET", "/api/agents")).body.agents.length;
const lorebookOf = async (agent: Agent) => (await server.json<Lorebook>("GET", `/api/agents/${agent.id}/lorebook`)).body;

/** What a round trip must keep: the profile without identity, avatar and timestamps. */
function comparable(agent: Agent): Record<string, unknown> {
  const { id: _id, handle: _handle, avatar: _avatar, version: _version, ownerId: _owner, publishedAt: _p, visibility: _v, publishedVersion: _pv, createdAt: _c, updatedAt: _u, ...profile } = agent;
  return profile;
}
const entriesOf = (book: Lorebook) => book.entries.map(({ id: _id, ...entry }) => entry);

function pngTextChunks(bytes: Uint8Array): Map<string, string> {
  const texts = extractChunks(bytes).filter((chunk) => chunk.name === "tEXt").map((chunk) => pngText.decode(chunk.data));
  return new Map(texts.map((text) => [text.keyword, text.text]));
}

async function zipEntries(bytes: Uint8Array): Promise<string[]> {
  const zip = await yauzl.fromBufferPromise(Buffer.from(bytes));
  const names: string[] = [];
  for await (const entry of zip.eachEntry()) names.push(entry.fileName);
  return names;
}

async function waitForKnowledge(agent: Agent, count: number): Promise<KnowledgeSource[]> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const { sources } = (await server.json<{ sources: KnowledgeSource[] }>("GET", `/api/agents/${agent.id}/knowledge`)).body;
    if (sources.length === count && sources.every((source) => source.status === "ready")) return sources;
    if (sources.some((source) => source.status === "failed")) throw new Error(`indexing failed: ${JSON.stringify(sources)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("knowledge was not indexed in time");
}

describe("importing character cards", () => {
  it("makes an agent of Seraphina.png with her greeting, her lorebook and her avatar served from /media", async () => {
    const imported = await importFile(seraphina(), "Seraphina.png");
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    const { agent } = imported.body;
    expect(imported.body).toMatchObject({ format: "card-v2", lorebookEntries: 4, versions: 1, knowledgeSources: 0 });
    expect(agent).toMatchObject({ name: "Seraphina", handle: "seraphina", version: 1, visibility: "private" });
    expect(agent.greetings[0]).toMatch(/\S/);
    expect(agent.card?.extensions).toMatchObject({ world: "Eldoria" });
    expect((await lorebookOf(agent)).entries).toHaveLength(4);

    expect(agent.avatar).toMatch(/^\/media\/[0-9a-f]{64}\.png$/);
    const avatar = await download(agent.avatar, {});
    expect(avatar.status).toBe(200);
    expect(avatar.headers.get("content-type")).toBe("image/png");
    expect(avatar.headers.get("cache-control")).toMatch(/immutable/);
    expect(avatar.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(avatar.headers.get("x-content-type-options")).toBe("nosniff");
    expect([...avatar.bytes.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(pngTextChunks(avatar.bytes).has("chara"), "the avatar is the image, not the card").toBe(false);
    for (const bad of ["nope.png", `${"a".repeat(64)}.png`, `${agent.avatar.slice(7, 71)}.gif`, `${agent.avatar.slice(7, 71)}.exe`]) {
      expect((await download(`/media/${bad}`, {})).status, bad).toBe(404);
    }

    // A second import of the same card gets its own handle.
    const again = await importFile(seraphina(), "Seraphina.png");
    expect(again.body.agent.handle).toBe("seraphina-2");
  });

  it("exports card-v3-png with both chunks, and importing it back gives the same agent", async () => {
    const { agent } = (await importFile(seraphina(), "Seraphina.png")).body;
    const file = await download(`/api/agents/${agent.id}/export?format=card-v3-png`);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("image/png");
    expect(file.headers.get("content-disposition")).toBe(`attachment; filename="${agent.handle}.png"`);
    const chunks = pngTextChunks(file.bytes);
    expect(JSON.parse(Buffer.from(chunks.get("ccv3")!, "base64").toString("utf8"))).toMatchObject({ spec: "chara_card_v3", data: { name: "Seraphina" } });
    expect(JSON.parse(Buffer.from(chunks.get("chara")!, "base64").toString("utf8"))).toMatchObject({ spec: "chara_card_v2", data: { name: "Seraphina" } });

    const back = await importFile(file.bytes, `${agent.handle}.png`);
    expect(back.status, JSON.stringify(back.body)).toBe(201);
    expect(back.body.format).toBe("card-v3");
    expect(comparable(back.body.agent)).toEqual(comparable(agent));
    expect(back.body.agent.card?.extensions).toEqual(agent.card?.extensions);
    expect(back.body.agent.avatar).toMatch(/^\/media\/[0-9a-f]{64}\.png$/);
    expect(entriesOf(await lorebookOf(back.body.agent))).toEqual(entriesOf(await lorebookOf(agent)));
  });

  it("round-trips card-v2-json and charx", async () => {
    const { agent } = (await importFile(seraphina(), "Seraphina.png")).body;
    const v2 = await download(`/api/agents/${agent.id}/export?format=card-v2-json`);
    expect(v2.headers.get("content-disposition")).toBe(`attachment; filename="${agent.handle}.json"`);
    expect(JSON.parse(Buffer.from(v2.bytes).toString("utf8"))).toMatchObject({ spec: "chara_card_v2" });
    const fromV2 = (await importFile(v2.bytes, "card.json")).body;
    expect(fromV2.format).toBe("card-v2");
    expect(comparable(fromV2.agent)).toEqual(comparable(agent));
    expect(entriesOf(await lorebookOf(fromV2.agent))).toEqual(entriesOf(await lorebookOf(agent)));

    const charx = await download(`/api/agents/${agent.id}/export?format=charx`);
    expect(charx.headers.get("content-disposition")).toBe(`attachment; filename="${agent.handle}.charx"`);
    expect(await zipEntries(charx.bytes)).toContain("card.json");
    const fromCharx = (await importFile(charx.bytes, "card.charx")).body;
    expect(fromCharx.format).toBe("charx");
    expect(comparable(fromCharx.agent)).toEqual(comparable(agent));
    expect(fromCharx.agent.avatar, "the avatar travels in the zip").toMatch(/^\/media\/[0-9a-f]{64}\.png$/);
    expect(entriesOf(await lorebookOf(fromCharx.agent))).toEqual(entriesOf(await lorebookOf(agent)));
  });

  it("imports an elizaOS character, its knowledge indexed", async () => {
    const eliza = {
      name: "Eliza Harbour",
      bio: ["A harbour master who knows every tide."],
      lore: ["Once steered a ship through a storm."],
      knowledge: ["The harbour office opens at six and closes at noon on Sundays."],
      messageExamples: [[{ user: "{{user1}}", content: { text: "When is high tide?" } }, { user: "Eliza Harbour", content: { text: "At four, friend." } }]],
      postExamples: ["Tides wait for no one."],
      topics: ["tides", "ships"],
      adjectives: ["patient"],
      style: { all: ["speaks briefly"], chat: [], post: [] },
      plugins: ["@elizaos/plugin-x"],
    };
    const imported = await importFile(new TextEncoder().encode(JSON.stringify(eliza)), "eliza.character.json");
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    expect(imported.body).toMatchObject({ format: "eliza", knowledgeSources: 1 });
    expect(imported.body.warnings.join(" ")).toMatch(/plugins/);
    const { agent } = imported.body;
    expect(agent.description).toContain("knows every tide");
    expect(agent.exampleDialogues).toEqual([{ user: "When is high tide?", agent: "At four, friend." }]);
    expect(agent).toMatchObject({ interests: ["tides", "ships"], traits: ["patient"] });
    await waitForKnowledge(agent, 1);
    const found = await server.json<{ passages: { text: string }[] }>("GET", `/api/agents/${agent.id}/knowledge/search?q=harbour%20office%20Sundays`);
    expect(found.body.passages[0]?.text).toContain("closes at noon on Sundays");
  });
});

describe("bundles", () => {
  it("move an agent with every version, its lorebook, knowledge and avatar", async () => {
    const created = await server.json<Agent>("POST", "/api/agents", { name: "Bundle Baker", greetings: ["Fresh bread!"], model: { temperature: 0.4, maxTokens: 8 } });
    const agent = created.body;
    await server.json("PATCH", `/api/agents/${agent.id}`, { tagline: "Bakes at dawn" });
    const avatar = await fetch(`${server.url}/api/agents/${agent.id}/avatar`, { method: "PUT", headers: { ...server.auth, "content-type": "image/png" }, body: TINY_PNG });
    expect(avatar.status).toBe(200);
    const book = { name: "Bakery", entries: [{ id: "1", keys: ["rye"], content: "Rye needs a sour starter." }] };
    expect((await server.json("PUT", `/api/agents/${agent.id}/lorebook`, { lorebook: book })).status).toBe(200);
    const form = new FormData();
    form.append("files", new Blob(["# Hours\n\nThe bakery opens at five in the morning.\n"]), "hours.md");
    expect((await fetch(`${server.url}/api/agents/${agent.id}/knowledge`, { method: "POST", body: form, headers: server.auth })).status).toBe(201);
    await waitForKnowledge(agent, 1);

    const file = await download(`/api/agents/${agent.id}/export?format=bundle`);
    expect(file.headers.get("content-disposition")).toBe(`attachment; filename="${agent.handle}.atelier.json"`);
    const bundle = JSON.parse(Buffer.from(file.bytes).toString("utf8")) as { versions: unknown[]; media: unknown[]; knowledge: unknown[] };
    expect([bundle.versions.length, bundle.media.length, bundle.knowledge.length]).toEqual([3, 1, 1]);

    const imported = await importFile(file.bytes, "baker.atelier.json");
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    const copy = imported.body.agent;
    expect(imported.body).toMatchObject({ format: "bundle", versions: 3, knowledgeSources: 1, lorebookEntries: 1 });
    expect(copy.handle).toBe(`${agent.handle}-2`);
    const versions = async (id: string) => (await server.json<{ versions: AgentVersionSummary[] }>("GET", `/api/agents/${id}/versions`)).body.versions;
    const [original, moved] = [await versions(agent.id), await versions(copy.id)];
    expect(moved.map((version) => [version.version, version.createdAt])).toEqual(original.map((version) => [version.version, version.createdAt]));
    for (const { version } of original) {
      const [before, after] = await Promise.all([agent.id, copy.id].map(async (id) => (await server.json<Agent>("GET", `/api/agents/${id}/versions/${version}`)).body));
      expect({ ...comparable(after!), avatar: after!.avatar }).toEqual({ ...comparable(before!), avatar: before!.avatar });
    }
    expect(copy.avatar).toMatch(/^\/media\/[0-9a-f]{64}\.png$/);
    expect(entriesOf(await lorebookOf(copy))).toEqual(entriesOf(await lorebookOf(agent)));
    const [source] = await waitForKnowledge(copy, 1);
    expect(source).toMatchObject({ name: "hours.md", format: "markdown" });
    const found = await server.json<{ passages: { text: string }[] }>("GET", `/api/agents/${copy.id}/knowledge/search?q=bakery%20opens`);
    expect(found.body.passages[0]?.text).toContain("opens at five");
  });
});

describe("refused files create nothing", () => {
  it("answers malformed cards with a clear 4xx and leaves the agent list as it was", async () => {
    const before = await agentCount();
    const cases: Array<[Uint8Array, string, RegExp]> = [
      [new TextEncoder().encode("just some text, not an image"), "fake.png", /not a PNG/],
      [TINY_PNG, "plain.png", /chara/],
      [new TextEncoder().encode('{"spec": "chara_card_v2", "data": {'), "broken.json", /JSON/],
      [new TextEncoder().encode(JSON.stringify({ spec: "chara_card_v2", spec_version: "2.0", data: { name: 42 } })), "wrong-types.json", /name/],
    ];
    for (const [bytes, name, message] of cases) {
      const refused = await importFile(bytes, name);
      expect(refused.status, name).toBeGreaterThanOrEqual(400);
      expect(refused.status, name).toBeLessThan(500);
      expect(refused.body.error.message, name).toMatch(message);
    }
    expect((await fetch(`${server.url}/api/agents/import`, { method: "POST", headers: { ...server.auth, "content-type": "application/json" }, body: "{}" })).status).toBe(415);
    expect(await agentCount()).toBe(before);
  });

  it("takes back the agent when a write fails half-way", async () => {
    const before = await agentCount();
    const put = vi.spyOn(server.services.store.lorebooks, "put").mockRejectedValueOnce(new Error("disk full"));
    try {
      const failed = await importFile(seraphina(), "Seraphina.png");
      expect(failed.status).toBe(500);
      expect(put).toHaveBeenCalledTimes(1);
    } finally {
      put.mockRestore();
    }
    expect(await agentCount()).toBe(before);
  });

  it("checks avatars: real images only, at most 5 MiB", async () => {
    const agent = (await server.json<Agent>("POST", "/api/agents", { name: "Avatar Test" })).body;
    const put = (body: Uint8Array, type: string) => fetch(`${server.url}/api/agents/${agent.id}/avatar`, { method: "PUT", headers: { ...server.auth, "content-type": type }, body: body as Uint8Array<ArrayBuffer> });
    expect((await put(new TextEncoder().encode("<svg></svg>"), "image/png")).status).toBe(415);
    expect((await put(TINY_PNG, "image/gif")).status).toBe(415);
    const huge = new Uint8Array(5 * 1024 * 1024 + 10);
    huge.set(TINY_PNG.slice(0, 8));
    expect((await put(huge, "image/png")).status).toBe(413);
    expect((await server.json<Agent>("GET", `/api/agents/${agent.id}`)).body.version).toBe(1);
    const set = await put(TINY_PNG, "image/png");
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ version: 2, avatar: expect.stringMatching(/^\/media\/[0-9a-f]{64}\.png$/) });
    // Images are for the avatar route only.
    const elsewhere = await fetch(`${server.url}/api/agents/${agent.id}`, { method: "PATCH", headers: { ...server.auth, "content-type": "image/png" }, body: TINY_PNG });
    expect(elsewhere.status).toBe(415);
  });
});

describe("who may import and export", () => {
  it("refuses visitors and nobody, and hides one owner's agents from another", async () => {
    const { agent } = (await importFile(seraphina(), "Seraphina.png")).body;
    const visitor = await seedVisitor(server.services.store);
    const visitorBearer = { authorization: `Bearer ${visitor.token}` };
    expect((await importFile(seraphina(), "Seraphina.png", visitorBearer)).status).toBe(403);
    expect((await importFile(seraphina(), "Seraphina.png", {})).status).toBe(401);
    expect((await download(`/api/agents/${agent.id}/export?format=bundle`, visitorBearer)).status).toBe(403);
    expect((await download(`/api/agents/${agent.id}/export`, {})).status).toBe(401);
    const other = await seedUser(server.services.store);
    const otherKey = { authorization: `Bearer ${await seedApiKey(server.services.store, other.id)}` };
    for (const format of ["card-v3-png", "bundle"]) {
      const refused = await download(`/api/agents/${agent.id}/export?format=${format}`, otherKey);
      expect(refused.status).toBe(404);
      expect(Buffer.from(refused.bytes).toString("utf8")).not.toContain("Seraphina");
    }
    const avatar = await fetch(`${server.url}/api/agents/${agent.id}/avatar`, { method: "PUT", headers: { ...otherKey, "content-type": "image/png" }, body: TINY_PNG });
    expect(avatar.status).toBe(404);
  });
});
