import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AtelierClient } from "../src/client/index.js";
import type { Agent, KnowledgeSource } from "../src/contracts/index.js";
import type { StreamedChatEvent } from "../src/client/http-client.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";
import { settled, waitForIndexing } from "../src/knowledge/testing/wait-for-indexing.js";

const FAQ = `# Harbour Bakery FAQ

## Opening hours
We open at 7 in the morning and close at 6 in the evening, Tuesday to Sunday. Mondays we are closed.

## Allergies
Our rye loaf contains no wheat, but everything is baked in a kitchen that handles nuts and sesame.
`;

const CATALOGUE = `name,price,description
Cardamom bun,3.50,"Swedish bun, twisted, with cardamom sugar"
Sourdough loaf,6.00,Naturally leavened with a 36-hour ferment
`;

const POSTS = JSON.stringify({ posts: [{ text: "Our new pistachio croissant lands on Friday!", created_at: "2026-03-01" }] });

function waitForSources(client: AtelierClient, agentId: string, count: number): Promise<KnowledgeSource[]> {
  return waitForIndexing(() => client.listKnowledge(agentId), { done: (sources) => sources.length >= count && settled(sources) });
}

describe("knowledge through the HTTP API", () => {
  let server: TestServer;
  let client: AtelierClient;
  let agent: Agent;
  let pages: Server;
  let pagesUrl: string;

  beforeAll(async () => {
    server = await startTestServer({ config: { knowledge: { allowPrivateUrls: true } } });
    client = new AtelierClient({ baseUrl: server.url, headers: server.auth });
    agent = await client.createAgent({ name: "Baker Bo", model: { maxTokens: 16, temperature: 0 } });
    pages = createServer((request, response) => {
      if (request.url === "/menu.html") {
        response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        response.end("<html><head><title>Seasonal menu</title></head><body><h1>Winter</h1><p>Saffron buns every Saturday in December.</p></body></html>");
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
    pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await server?.close();
    removeDir(server.dataDir);
    await new Promise((resolve) => pages.close(resolve));
  });

  it("indexes a batch, refuses an unsupported file by name, and fails a damaged one with a reason naming it", async () => {
    const result = await client.addKnowledgeFiles(agent.id, [
      { name: "faq.md", data: new TextEncoder().encode(FAQ) },
      { name: "catalogue.csv", data: new TextEncoder().encode(CATALOGUE) },
      { name: "posts.json", data: new TextEncoder().encode(POSTS) },
      { name: "broken.pdf", data: new TextEncoder().encode("%PDF-1.7 this is not really a pdf") },
      { name: "setup.exe", data: new Uint8Array([0x4d, 0x5a, 0, 0]) },
    ]);
    expect(result.sources.map((source) => source.name).sort()).toEqual(["broken.pdf", "catalogue.csv", "faq.md", "posts.json"]);
    expect(result.rejected).toEqual([expect.objectContaining({ name: "setup.exe", code: "unsupported_media_type", message: expect.stringContaining("setup.exe") })]);

    const sources = await waitForSources(client, agent.id, 4);
    const byName = new Map(sources.map((source) => [source.name, source]));
    expect(byName.get("faq.md")).toMatchObject({ status: "ready", title: "Harbour Bakery FAQ", format: "markdown" });
    expect(byName.get("faq.md")!.chunkCount).toBeGreaterThan(0);
    expect(byName.get("catalogue.csv")).toMatchObject({ status: "ready", chunkCount: 2 });
    expect(byName.get("broken.pdf")).toMatchObject({ status: "failed", chunkCount: 0, error: expect.stringContaining("broken.pdf") });
  });

  it("searches the agent's knowledge, with the heading the passage sits under", async () => {
    const result = await client.searchKnowledge(agent.id, { q: "When do you open in the morning?" });
    expect(result.mode).toBe("lexical");
    expect(result.passages[0]).toMatchObject({ sourceName: "faq.md", heading: expect.stringContaining("Opening hours"), lexicalRank: 1, vectorRank: null });
    const bun = await client.searchKnowledge(agent.id, { q: "cardamom" });
    expect(bun.passages[0]?.text).toContain("cardamom sugar");
  });

  it("refuses an upload where every file is bad, changing nothing", async () => {
    const before = await client.listKnowledge(agent.id);
    const response = await fetch(`${server.url}/api/agents/${agent.id}/knowledge`, {
      method: "POST",
      headers: server.auth,
      body: (() => {
        const form = new FormData();
        form.append("files", new Blob(["MZ"]), "virus.exe");
        return form;
      })(),
    });
    expect(response.status).toBe(415);
    const body = (await response.json()) as { error: { message: string; issues: Array<{ path: string }> } };
    expect(body.error.issues).toEqual([expect.objectContaining({ path: "virus.exe" })]);
    expect(await client.listKnowledge(agent.id)).toEqual(before);

    const json = await server.json("POST", `/api/agents/${agent.id}/knowledge`, { files: [] });
    expect(json.status).toBe(415);
  });

  it("replaces a file's chunks when it is added again changed, and drops them when it is deleted", async () => {
    const changed = FAQ.replace("7 in the morning", "8 in the morning").replace("Allergies", "Dietary needs");
    const { sources: [replaced] } = await client.addKnowledgeFiles(agent.id, [{ name: "faq.md", data: new TextEncoder().encode(changed) }]);
    const before = (await client.listKnowledge(agent.id)).find((source) => source.name === "faq.md")!;
    expect(replaced!.id).toBe(before.id);
    await waitForSources(client, agent.id, 4);
    const hits = await client.searchKnowledge(agent.id, { q: "dietary needs" });
    expect(hits.passages[0]?.heading).toContain("Dietary needs");
    expect((await client.searchKnowledge(agent.id, { q: "allergies" })).passages.some((passage) => passage.heading.includes("Allergies"))).toBe(false);

    await client.deleteKnowledgeSource(agent.id, replaced!.id);
    expect((await client.searchKnowledge(agent.id, { q: "dietary needs opening" })).passages.filter((passage) => passage.sourceName === "faq.md")).toEqual([]);
    await expect(client.getKnowledgeSource(agent.id, replaced!.id)).rejects.toMatchObject({ code: "not_found" });
    await client.addKnowledgeFiles(agent.id, [{ name: "faq.md", data: new TextEncoder().encode(FAQ) }]);
    await waitForSources(client, agent.id, 4);
  });

  it("re-indexes a source from its stored content", async () => {
    const csv = (await client.listKnowledge(agent.id)).find((source) => source.name === "catalogue.csv")!;
    const queued = await client.reindexKnowledgeSource(agent.id, csv.id);
    expect(queued.status).toBe("queued");
    const [ready] = (await waitForSources(client, agent.id, 4)).filter((source) => source.id === csv.id);
    expect(ready).toMatchObject({ status: "ready", chunkCount: 2 });
  });

  it("fetches a web page by URL, and refuses one that does not answer", async () => {
    const source = await client.addKnowledgeUrl(agent.id, `${pagesUrl}/menu.html`);
    expect(source).toMatchObject({ origin: "url", format: "html", url: `${pagesUrl}/menu.html` });
    await waitForSources(client, agent.id, 5);
    expect((await client.searchKnowledge(agent.id, { q: "saffron" })).passages[0]).toMatchObject({ sourceTitle: "Seasonal menu" });
    await expect(client.addKnowledgeUrl(agent.id, `${pagesUrl}/missing`)).rejects.toMatchObject({ code: "bad_request" });
  });

  it("grounds a reply: source-cited events after message-start, citations stored with the reply", async () => {
    const { conversation } = await client.createConversation({ agentId: agent.id });
    const events: StreamedChatEvent[] = [];
    for await (const event of client.streamMessage(conversation.id, "What time do you open?")) events.push(event);
    const types = events.map((event) => event.type);
    expect(types[0]).toBe("message-start");
    const cited = events.filter((event) => event.type === "source-cited");
    expect(cited.length).toBeGreaterThan(0);
    expect(types.indexOf("source-cited")).toBeLessThan(types.indexOf("text-delta") === -1 ? types.length : types.indexOf("text-delta"));
    expect(cited.map((event) => event.index)).toEqual(cited.map((_, index) => index + 1));
    expect(cited.some((event) => event.title === "Harbour Bakery FAQ" && event.heading.includes("Opening hours"))).toBe(true);
    const { messages } = await client.getConversation(conversation.id);
    const reply = messages.at(-1)!;
    expect(reply.citations).toEqual(cited.map(({ type: _type, messageId: _messageId, id: _id, ...citation }) => citation));
  });

  it("keeps other owners out of an agent's knowledge", async () => {
    const response = await fetch(`${server.url}/api/agents/${agent.id}/knowledge`);
    expect(response.status).toBe(401);
  });
});
