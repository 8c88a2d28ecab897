import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { testModelPath, testModelsDir } from "../../test/support/models.js";
import { Config, type ConfigInput } from "../contracts/index.js";
import { silentLogger } from "../runtime/logger.js";
import { createEmbeddingEngine } from "./embedding-factory.js";

function config(input: ConfigInput): Config {
  return Config.parse({ dataDir: "/tmp/atelier-embedding-factory", modelsDir: testModelsDir, ...input });
}

describe("createEmbeddingEngine", () => {
  it("returns undefined when no embedding model is configured", async () => {
    expect(await createEmbeddingEngine({ config: config({}), logger: silentLogger })).toBeUndefined();
  });

  it("loads a llama-cpp model by path or by file name inside modelsDir", async () => {
    for (const model of [testModelPath(), "stories260K.gguf"]) {
      const engine = await createEmbeddingEngine({
        config: config({ embedding: { engine: "llama-cpp", model }, llama: { threads: 1, gpu: "off" } }),
        logger: silentLogger,
      });
      expect(engine?.modelId).toBe("stories260K");
      expect(engine?.dimensions).toBeGreaterThan(0);
      await engine?.[Symbol.asyncDispose]();
    }
  });

  it("reports a missing llama-cpp model as model_not_found", async () => {
    const pending = createEmbeddingEngine({ config: config({ embedding: { engine: "llama-cpp", model: "absent.gguf" } }), logger: silentLogger });
    await expect(pending).rejects.toMatchObject({ code: "model_not_found" });
  });

  it("connects to an openai-compatible server with the chat engine's URL and key", async () => {
    const seen: string[] = [];
    const server = createServer((request, response) => {
      seen.push(`${request.method} ${request.url} ${request.headers.authorization}`);
      request.resume().on("end", () => {
        const data = [{ object: "embedding", index: 0, embedding: [0.5, 0.5] }];
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const engine = await createEmbeddingEngine({
        config: config({ embedding: { engine: "openai-compatible", model: "nomic" }, openai: { baseUrl, apiKey: "secret" } }),
        logger: silentLogger,
      });
      expect(engine?.modelId).toBe("nomic");
      expect(engine?.dimensions).toBe(2);
      expect(seen).toEqual(["POST /v1/embeddings Bearer secret"]);
    } finally {
      server.close();
    }
  });
});
