import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../../test/support/ports.js";
import { AtelierError } from "../../contracts/index.js";
import { EMBEDDING_BATCH_SIZE, OpenAICompatibleEmbeddingEngine } from "./openai-embedding.js";

interface EmbeddingsBody {
  model: string;
  input: string[];
  encoding_format?: string;
}

interface StubOptions {
  /** The raw vector for a text; default: [length, 1, 2] (not unit length, so normalisation shows). */
  vector?: (text: string) => number[];
  /** Answer with this status and message instead of vectors. */
  refuse?: (body: EmbeddingsBody) => { status: number; message: string } | undefined;
}

/** A tiny /v1/embeddings server; it answers in reverse order, so the adapter has to sort by index. */
async function startStub(options: StubOptions = {}): Promise<{ baseUrl: string; requests: EmbeddingsBody[] }> {
  const requests: EmbeddingsBody[] = [];
  const vector = options.vector ?? ((text: string) => [text.length, 1, 2]);
  const server = createServer((request, response) => {
    let raw = "";
    request.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    request.on("end", () => {
      const send = (status: number, body: unknown): void => {
        response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      };
      if (request.method !== "POST" || request.url !== "/v1/embeddings") return send(404, { detail: "Not Found" });
      const body = JSON.parse(raw) as EmbeddingsBody;
      requests.push(body);
      const refusal = options.refuse?.(body);
      if (refusal) return send(refusal.status, { error: { message: refusal.message, type: "invalid_request_error" } });
      const data = body.input.map((text, index) => ({ object: "embedding", index, embedding: vector(text) })).reverse();
      send(200, { object: "list", model: body.model, data, usage: { prompt_tokens: 1, total_tokens: 1 } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function connect(baseUrl: string) {
  return OpenAICompatibleEmbeddingEngine.connect({ baseUrl, apiKey: "key", model: "embedder", timeoutMs: 5_000, maxRetries: 0 });
}

function failure(promise: Promise<unknown>): Promise<AtelierError> {
  return promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => {
      if (!(error instanceof AtelierError)) throw error;
      return error;
    },
  );
}

describe("OpenAICompatibleEmbeddingEngine", () => {
  it("learns the dimensions from one probe request", async () => {
    const { baseUrl, requests } = await startStub();
    const engine = await connect(baseUrl);
    expect(engine.dimensions).toBe(3);
    expect(engine.modelId).toBe("embedder");
    expect(requests).toEqual([{ model: "embedder", input: ["dimension probe"], encoding_format: "float" }]);
  });

  it("batches 64 texts per request and returns unit vectors in input order", async () => {
    const { baseUrl, requests } = await startStub();
    const engine = await connect(baseUrl);
    const texts = Array.from({ length: 130 }, (_, index) => "x".repeat(index + 1));
    const vectors = await engine.embed(texts);

    expect(requests.slice(1).map((body) => body.input.length)).toEqual([EMBEDDING_BATCH_SIZE, EMBEDDING_BATCH_SIZE, 2]);
    expect(vectors).toHaveLength(130);
    vectors.forEach((vector, index) => {
      const raw = [index + 1, 1, 2];
      const norm = Math.hypot(...raw);
      raw.forEach((value, at) => expect(vector[at]).toBeCloseTo(value / norm, 6));
    });
    expect(await engine.embed([])).toEqual([]);
  });

  it("keeps a zero vector zero rather than dividing by zero", async () => {
    const { baseUrl } = await startStub({ vector: (text) => (text === "nothing" ? [0, 0, 0] : [1, 2, 3]) });
    const engine = await connect(baseUrl);
    const [vector] = await engine.embed(["nothing"]);
    expect(Array.from(vector!)).toEqual([0, 0, 0]);
  });

  it("refuses vectors whose length changed as upstream_error", async () => {
    const { baseUrl } = await startStub({ vector: (text) => (text === "odd" ? [1, 2, 3, 4] : [1, 2, 3]) });
    const engine = await connect(baseUrl);
    const error = await failure(engine.embed(["fine", "odd"]));
    expect(error.code).toBe("upstream_error");
    expect(error.message).toContain("inconsistent dimensions");
  });

  it("cuts a text the server finds too long until it fits", async () => {
    const refuse = (body: EmbeddingsBody) =>
      body.input.some((text) => text.length > 100) ? { status: 400, message: "This model's maximum context length is 8 tokens." } : undefined;
    const { baseUrl, requests } = await startStub({ refuse });
    const engine = await connect(baseUrl);
    const vectors = await engine.embed(["short", "y".repeat(1000)]);
    expect(vectors).toHaveLength(2);
    // The batch, then each text alone, the long one halved until it was at most 100 characters.
    expect(requests.slice(1).map((body) => body.input.map((text) => text.length))).toEqual([[5, 1000], [5], [1000], [500], [250], [125], [62]]);
  });

  it("maps an unreachable server to engine_unavailable naming the URL", async () => {
    const baseUrl = `http://127.0.0.1:${await freePort()}/v1`;
    const error = await failure(connect(baseUrl));
    expect(error.code).toBe("engine_unavailable");
    expect(error.message).toContain(baseUrl);
    expect(error.message).toContain("ATELIER_ENGINE_URL");
  });

  it("says when the URL has no embeddings endpoint, and when the model is missing", async () => {
    const { baseUrl } = await startStub({ refuse: () => ({ status: 404, message: "The model `embedder` does not exist." }) });
    expect(await failure(connect(baseUrl))).toMatchObject({ code: "model_not_found" });
    const wrongPath = (await startStub()).baseUrl.replace(/\/v1$/, "/api");
    const error = await failure(connect(wrongPath));
    expect(error.code).toBe("upstream_error");
    expect(error.message).toContain("no embeddings endpoint");
  });

  it("honours an abort and throws disposed after disposal", async () => {
    const { baseUrl } = await startStub();
    const engine = await connect(baseUrl);
    expect(await failure(engine.embed(["a"], { signal: AbortSignal.abort() }))).toMatchObject({ code: "aborted" });
    await engine[Symbol.asyncDispose]();
    expect(await failure(engine.embed(["a"]))).toMatchObject({ code: "disposed" });
  });
});
