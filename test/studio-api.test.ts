import { mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDraft, type Agent, type DraftAgentResult, type ModelDownload, type ModelsOverview } from "../src/contracts/index.js";
import { seedApiKey, seedUser } from "./support/accounts.js";
import { startModelHost, type ModelHost } from "./support/model-host.js";
import { testModelPath } from "./support/models.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let host: ModelHost;
let filesUrl: string;

beforeAll(async () => {
  [server, host] = await Promise.all([startTestServer(), startModelHost()]);
  filesUrl = host.url;
});
afterAll(async () => {
  await host?.close();
  await server?.close();
  if (server) removeDir(server.dataDir);
});

async function waitForDownload(id: string): Promise<ModelDownload> {
  for (;;) {
    const { body } = await server.json<{ downloads: ModelDownload[] }>("GET", "/api/models/downloads");
    const download = body.downloads.find((candidate) => candidate.id === id);
    if (!download) throw new Error(`download ${id} vanished`);
    if (download.status !== "running") return download;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("describe-to-create", () => {
  it("drafts a whole, valid profile through the real engine with JSON-schema constrained output", async () => {
    const { status, body } = await server.json<DraftAgentResult>("POST", "/api/agents/draft", {
      description: "A friendly baker who answers questions about my shop",
      template: "business-assistant",
    });
    expect(status).toBe(200);
    expect(body.model).toBe("stories260K");
    const draft = AgentDraft.parse(body.draft);
    expect(draft.name.length).toBeGreaterThan(0);
    expect(draft.traits.length).toBeGreaterThan(0);
    expect(draft.exampleDialogues.length).toBeGreaterThan(0);
    // The draft is not saved, and it is a valid profile to save.
    expect((await server.json<{ agents: Agent[] }>("GET", "/api/agents")).body.agents).toHaveLength(0);
    const saved = await server.json<Agent>("POST", "/api/agents", draft);
    expect(saved.status).toBe(201);
    await server.json("DELETE", `/api/agents/${saved.body.id}`);
  });

  it("refuses an empty description or an unknown template with 400", async () => {
    expect((await server.json("POST", "/api/agents/draft", { description: " " })).status).toBe(400);
    expect((await server.json("POST", "/api/agents/draft", { description: "A baker", template: "wizard" })).status).toBe(400);
  });
});

describe("duplicating an agent", () => {
  it("copies the profile and model settings into a new private agent with its own handle, without conversations", async () => {
    const original = (await server.json<Agent>("POST", "/api/agents", {
      name: "Baker", tagline: "Fresh bread", traits: ["warm"], model: { temperature: 0.3, maxTokens: 64 },
    })).body;
    await server.json("PATCH", `/api/agents/${original.id}`, { tagline: "Fresh bread daily" });
    await server.json("POST", `/api/agents/${original.id}/publish`);
    await server.json("POST", "/api/conversations", { agentId: original.id });

    const { status, body: copy } = await server.json<Agent>("POST", `/api/agents/${original.id}/duplicate`, {});
    expect(status).toBe(201);
    expect(copy).toMatchObject({ name: "Baker (copy)", tagline: "Fresh bread daily", traits: ["warm"], version: 1, publishedAt: null });
    expect(copy.model).toMatchObject({ temperature: 0.3, maxTokens: 64 });
    expect(copy.id).not.toBe(original.id);
    expect(copy.handle).not.toBe(original.handle);
    const conversations = await server.json<{ conversations: unknown[] }>("GET", `/api/conversations?agentId=${copy.id}`);
    expect(conversations.body.conversations).toHaveLength(0);

    const named = await server.json<Agent>("POST", `/api/agents/${original.id}/duplicate`, { name: "Night baker" });
    expect(named.body.name).toBe("Night baker");
  });
});

describe("models", () => {
  it("shows the active engine and model, its readiness and the local model files", async () => {
    mkdirSync(path.join(server.dataDir, "models", "org"), { recursive: true });
    writeFileSync(path.join(server.dataDir, "models", "org", "placeholder.gguf"), "GGUF");
    const { status, body } = await server.json<ModelsOverview>("GET", "/api/models");
    expect(status).toBe(200);
    expect(body).toMatchObject({ engine: "llama-cpp", model: testModelPath(), status: { ready: true }, canDownload: true });
    expect(body.local).toContainEqual(expect.objectContaining({ name: "org/placeholder.gguf", bytes: 4 }));
  });

  it("downloads a model over HTTP in the background with progress, and an agent can then use it by name", async () => {
    const started = await server.json<ModelDownload>("POST", "/api/models/downloads", { uri: `${filesUrl}/models/stories.gguf` });
    expect(started.status).toBe(202);
    expect(started.body.status).toBe("running");
    const done = await waitForDownload(started.body.id);
    expect(done).toMatchObject({ status: "done", error: null, model: "stories.gguf" });
    expect(done.downloadedBytes).toBe(statSync(testModelPath()).size);

    const overview = await server.json<ModelsOverview>("GET", "/api/models");
    expect(overview.body.local.map((model) => model.name)).toContain("stories.gguf");
    const agent = (await server.json<Agent>("POST", "/api/agents", { name: "Downloaded", model: { model: "stories.gguf", maxTokens: 8 } })).body;
    const conversation = (await server.json<{ conversation: { id: string } }>("POST", "/api/conversations", { agentId: agent.id })).body.conversation;
    const turn = await server.json<{ reply: { model: string } }>("POST", `/api/conversations/${conversation.id}/messages`, { content: "Hi", stream: false });
    expect(turn.status).toBe(200);

    // Back to the instance default: null clears the agent's own model.
    const cleared = await server.json<Agent>("PATCH", `/api/agents/${agent.id}`, { model: { model: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.model.model).toBeUndefined();
    expect(cleared.body.model.maxTokens).toBe(8);
  });

  it("cancels a running download, and reports one that fails with a clear error", async () => {
    const slow = await server.json<ModelDownload>("POST", "/api/models/downloads", { uri: `${filesUrl}/models/slow.gguf` });
    const again = await server.json<ModelDownload>("POST", "/api/models/downloads", { uri: `${filesUrl}/models/slow.gguf` });
    expect(again.body.id).toBe(slow.body.id); // one download per URI at a time
    const cancelled = await server.json<ModelDownload>("DELETE", `/api/models/downloads/${slow.body.id}`);
    expect(cancelled.status).toBe(200);
    expect((await waitForDownload(slow.body.id)).status).toBe("cancelled");

    const missing = await server.json<ModelDownload>("POST", "/api/models/downloads", { uri: `${filesUrl}/models/missing.gguf` });
    const failed = await waitForDownload(missing.body.id);
    expect(failed.status).toBe("failed");
    expect(failed.error?.message).toMatch(/missing\.gguf/);

    expect((await server.json("POST", "/api/models/downloads", { uri: "/etc/passwd" })).status).toBe(400);
    expect((await server.json("DELETE", "/api/models/downloads/dl_nope")).status).toBe(404);
  });

  it("shows owners the models but not the downloads, and lets only admins download", async () => {
    const owner = await seedUser(server.services.store, { role: "owner" });
    const key = await seedApiKey(server.services.store, owner.id);
    const headers = { authorization: `Bearer ${key}` };
    const overview = await server.json<ModelsOverview>("GET", "/api/models", undefined, headers);
    expect(overview.body).toMatchObject({ canDownload: false, downloads: [] });
    expect((await server.json("POST", "/api/models/downloads", { uri: `${filesUrl}/models/stories.gguf` }, headers)).status).toBe(403);
  });
});
