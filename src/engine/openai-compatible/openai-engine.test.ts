import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AtelierError, type ChatMessage } from "../../contracts/index.js";
import {
  startOpenAIStubServer,
  stubPromptTokens,
  stubTokenize,
  type OpenAIStubOptions,
  type OpenAIStubServer,
} from "../../../test/support/openai-stub-server.js";
import { collectChat, type ChatRequest, type EngineEvent } from "../chat-engine.js";
import { OpenAICompatibleEngine, type OpenAICompatibleEngineOptions } from "./openai-engine.js";
import { estimateMessageTokens, estimateTextTokens } from "./token-counter.js";

const messages: ChatMessage[] = [
  { role: "system", content: "You are a terse test persona." },
  { role: "user", content: "Say something short." },
];
const request: ChatRequest = { messages, sampling: { temperature: 0.7, maxTokens: 64 } };
const REPLY = "The quick brown fox jumps over the lazy dog.";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  stubOptions: OpenAIStubOptions = {},
  engineOptions: Partial<OpenAICompatibleEngineOptions> = {},
): Promise<{ stub: OpenAIStubServer; engine: OpenAICompatibleEngine }> {
  const stub = await startOpenAIStubServer({ reply: REPLY, ...stubOptions });
  cleanups.push(() => stub.close());
  const engine = new OpenAICompatibleEngine({
    baseUrl: stub.url,
    apiKey: "test-key",
    model: "stub-model",
    contextSize: 4096,
    timeoutMs: 10_000,
    maxRetries: 0,
    ...engineOptions,
  });
  cleanups.push(() => engine[Symbol.asyncDispose]());
  return { stub, engine };
}

async function events(iterable: AsyncIterable<EngineEvent>): Promise<EngineEvent[]> {
  const all: EngineEvent[] = [];
  for await (const event of iterable) all.push(event);
  return all;
}

async function failure(promise: Promise<unknown>): Promise<AtelierError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof AtelierError)) throw new Error(`expected an AtelierError, got ${String(error)}`);
  return error;
}

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("OpenAICompatibleEngine streaming", () => {
  it("streams deltas that concatenate to the reply, then exactly one generation-end", async () => {
    const { engine } = await setup({ tokensPerChunk: 2 });
    const all = await events(engine.streamChat(request));
    const deltas = all.filter((event) => event.type === "text-delta");
    expect(deltas.length).toBe(Math.ceil(stubTokenize(REPLY).length / 2));
    expect(deltas.map((event) => event.delta).join("")).toBe(REPLY);
    expect(all.filter((event) => event.type === "generation-end")).toHaveLength(1);
    expect(all.at(-1)).toMatchObject({ type: "generation-end", finishReason: "stop" });
  });

  it("maps usage from the final chunk, cached prompt tokens excluded from evaluated ones", async () => {
    const { engine } = await setup({ cachedTokens: 5 });
    const result = await collectChat(engine.streamChat(request));
    const promptTokens = stubPromptTokens(messages);
    expect(result.usage).toEqual({
      promptTokens,
      evaluatedPromptTokens: promptTokens - 5,
      completionTokens: stubTokenize(REPLY).length,
    });
  });

  it("sends the model, messages, sampling options and usage request", async () => {
    const { stub, engine } = await setup();
    await collectChat(engine.streamChat({ messages, sampling: { temperature: 0.3, maxTokens: 99, topP: 0.9, seed: 42 } }));
    const [sent] = stub.requests;
    expect(sent?.path).toBe("/v1/chat/completions");
    expect(sent?.headers.authorization).toBe("Bearer test-key");
    expect(sent?.body).toMatchObject({
      model: "stub-model",
      messages,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 99,
      seed: 42,
    });
    expect(sent?.body).not.toHaveProperty("response_format");
  });

  it("leaves top_p and seed out when unset", async () => {
    const { stub, engine } = await setup();
    await collectChat(engine.streamChat(request));
    expect(stub.requests[0]?.body).not.toHaveProperty("top_p");
    expect(stub.requests[0]?.body).not.toHaveProperty("seed");
  });

  it("sends a JSON schema as a strict json_schema response format", async () => {
    const { stub, engine } = await setup({ reply: '{"mood":"calm"}' });
    const schema = { title: "mood_report", type: "object", properties: { mood: { type: "string" } }, required: ["mood"] };
    const result = await collectChat(engine.streamChat({ ...request, jsonSchema: schema }));
    expect(result.text).toBe('{"mood":"calm"}');
    expect(stub.requests[0]?.body).toMatchObject({
      response_format: { type: "json_schema", json_schema: { name: "mood_report", schema, strict: true } },
    });
  });

  it("maps a length stop to finishReason length", async () => {
    const { engine } = await setup();
    const result = await collectChat(engine.streamChat({ messages, sampling: { temperature: 0, maxTokens: 3 } }));
    expect(result.finishReason).toBe("length");
    expect(result.text).toBe(stubTokenize(REPLY).slice(0, 3).join(""));
    expect(result.usage.completionTokens).toBe(3);
  });

  it("counts usage itself when the server sends none", async () => {
    const { engine } = await setup({ sendUsage: false });
    const result = await collectChat(engine.streamChat(request));
    expect(result.usage).toEqual({
      promptTokens: estimateMessageTokens(messages),
      evaluatedPromptTokens: estimateMessageTokens(messages),
      completionTokens: estimateTextTokens(REPLY),
    });
  });
});

describe("OpenAICompatibleEngine cancellation", () => {
  it("ends with finishReason aborted and the partial text when the signal fires mid-stream", async () => {
    const { stub, engine } = await setup({ stallAfterChunks: 2 });
    const controller = new AbortController();
    const seen: EngineEvent[] = [];
    for await (const event of engine.streamChat(request, { signal: controller.signal })) {
      seen.push(event);
      if (seen.length === 2) controller.abort();
    }
    const partial = stubTokenize(REPLY).slice(0, 2).join("");
    expect(seen.slice(0, 2).map((event) => (event.type === "text-delta" ? event.delta : "")).join("")).toBe(partial);
    expect(seen).toHaveLength(3);
    expect(seen[2]).toMatchObject({ type: "generation-end", finishReason: "aborted" });
    await expect(stub.requests[0]?.outcome).resolves.toBe("disconnected");
  });

  it("ends with aborted and sends nothing when the signal fired before the call", async () => {
    const { stub, engine } = await setup();
    const result = await collectChat(engine.streamChat(request, { signal: AbortSignal.abort() }));
    expect(result).toMatchObject({ text: "", finishReason: "aborted" });
    expect(stub.requests).toHaveLength(0);
  });

  it("closes the HTTP request when the consumer breaks out of the loop", async () => {
    const { stub, engine } = await setup({ stallAfterChunks: 1 });
    for await (const event of engine.streamChat(request)) {
      expect(event.type).toBe("text-delta");
      break;
    }
    await expect(stub.requests[0]?.outcome).resolves.toBe("disconnected");
  });
});

describe("OpenAICompatibleEngine errors", () => {
  it("maps 401 to upstream_error naming the setting, without leaking the key", async () => {
    const secret = "sk-wrong-secret-0123456789";
    const { engine } = await setup({ apiKey: "the-right-key" }, { apiKey: secret });
    const error = await failure(collectChat(engine.streamChat(request)));
    expect(error.code).toBe("upstream_error");
    expect(error.message).toContain("ATELIER_ENGINE_API_KEY");
    expect(error.message).not.toContain(secret);
    expect(String(error.cause)).not.toContain(secret);
  });

  it("maps an unreachable server to engine_unavailable", async () => {
    const baseUrl = `http://127.0.0.1:${await unusedPort()}/v1`;
    const engine = new OpenAICompatibleEngine({ baseUrl, apiKey: "k", model: "m", contextSize: 2048, timeoutMs: 5_000, maxRetries: 0 });
    const error = await failure(collectChat(engine.streamChat(request)));
    expect(error.code).toBe("engine_unavailable");
    expect(error.message).toContain(`Could not reach the model server at ${baseUrl}: connection refused`);
    expect(error.message).toContain("ATELIER_ENGINE_URL");
  });

  it("maps a server that accepts but never answers to engine_unavailable after the timeout", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanups.push(async () => {
      silent.close();
    });
    const address = silent.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    const baseUrl = `http://127.0.0.1:${address.port}/v1`;
    const engine = new OpenAICompatibleEngine({ baseUrl, apiKey: "k", model: "m", contextSize: 2048, timeoutMs: 100, maxRetries: 0 });
    const error = await failure(collectChat(engine.streamChat(request)));
    expect(error.code).toBe("engine_unavailable");
    expect(error.message).toContain("no answer within 100 ms");
  });

  it("gives up on a stream that goes silent for longer than the timeout", async () => {
    const { engine } = await setup({ stallAfterChunks: 1 }, { timeoutMs: 100 });
    const error = await failure(collectChat(engine.streamChat(request)));
    expect(error.code).toBe("upstream_error");
    expect(error.message).toContain("stopped sending the reply");
  });

  it("maps an unknown model to model_not_found naming the model", async () => {
    const { engine } = await setup({ models: ["served-model"] }, { model: "absent-model" });
    const error = await failure(collectChat(engine.streamChat(request)));
    expect(error.code).toBe("model_not_found");
    expect(error.message).toContain('"absent-model"');
  });

  it("tells a wrong base URL (404 without a model) apart from a missing model", async () => {
    const { stub } = await setup();
    const engine = new OpenAICompatibleEngine({ baseUrl: stub.origin, apiKey: "k", model: "m", contextSize: 2048, timeoutMs: 5_000, maxRetries: 0 });
    const error = await failure(collectChat(engine.streamChat(request)));
    expect(error.code).toBe("upstream_error");
    expect(error.message).toContain("/v1");
  });

  it("maps a context-length rejection to context_overflow", async () => {
    const { engine } = await setup({ contextSize: 20 });
    const error = await failure(collectChat(engine.streamChat(request)));
    expect(error.code).toBe("context_overflow");
    expect(error.message).toContain("maximum context length is 20 tokens");
  });

  it.each([429, 500, 503])("maps HTTP %i to upstream_error", async (status) => {
    const { engine } = await setup({ error: { status, message: "overloaded" } });
    const error = await failure(collectChat(engine.streamChat(request)));
    expect(error.code).toBe("upstream_error");
    expect(error.message).toContain(`HTTP ${status}`);
  });

  it("throws a typed error when the connection breaks mid-stream, after the deltas sent", async () => {
    const { engine } = await setup({ failAfterChunks: 3 });
    const deltas: string[] = [];
    const error = await failure(
      (async () => {
        for await (const event of engine.streamChat(request)) if (event.type === "text-delta") deltas.push(event.delta);
      })(),
    );
    expect(error.code).toBe("upstream_error");
    expect(error.message).toContain("broke off");
    expect(deltas.join("")).toBe(stubTokenize(REPLY).slice(0, 3).join(""));
  });

  it("throws a typed error for an error event inside the stream", async () => {
    const { engine } = await setup({ streamError: { afterChunks: 2, message: "CUDA out of memory" } });
    const error = await failure(collectChat(engine.streamChat(request)));
    expect(error.code).toBe("upstream_error");
    expect(error.message).toContain("CUDA out of memory");
  });
});

describe("OpenAICompatibleEngine token counting", () => {
  it("estimates conservatively when the server has no tokenize endpoint", async () => {
    const { engine } = await setup();
    await expect(engine.countTokens(messages)).resolves.toBe(estimateMessageTokens(messages));
    // The estimate must not undercount against a word-piece tokenizer of plain prose.
    expect(estimateMessageTokens(messages)).toBeGreaterThanOrEqual(stubPromptTokens(messages));
  });

  it("uses llama.cpp's /tokenize, detected once", async () => {
    const { stub, engine } = await setup({ tokenize: "llama-cpp" });
    const words = messages.map((message) => message.content).join("\n");
    const expected = stubTokenize(words).length + 3 + 4 * messages.length;
    await expect(engine.countTokens(messages)).resolves.toBe(expected);
    await expect(engine.countTokens(messages)).resolves.toBe(expected);
    const tokenizeCalls = stub.requests.filter((sent) => sent.path === "/tokenize");
    // Two probes (vLLM's body, then llama.cpp's) and one count per call.
    expect(tokenizeCalls).toHaveLength(4);
  });

  it("uses vLLM's /tokenize with the messages, detected once", async () => {
    const { stub, engine } = await setup({ tokenize: "vllm" });
    await expect(engine.countTokens(messages)).resolves.toBe(stubPromptTokens(messages));
    await expect(engine.countTokens(messages)).resolves.toBe(stubPromptTokens(messages));
    const tokenizeCalls = stub.requests.filter((sent) => sent.path === "/tokenize");
    expect(tokenizeCalls).toHaveLength(3);
    expect(tokenizeCalls[1]?.body).toMatchObject({ model: "stub-model", messages });
  });

  it("counts usage with the detected tokenizer when the server sends none", async () => {
    const { engine } = await setup({ sendUsage: false, tokenize: "vllm" });
    const result = await collectChat(engine.streamChat(request));
    expect(result.usage.promptTokens).toBe(stubPromptTokens(messages));
    expect(result.usage.completionTokens).toBe(stubTokenize(REPLY).length);
  });
});

describe("OpenAICompatibleEngine lifecycle", () => {
  it("describes itself", async () => {
    const { engine } = await setup({}, { contextSize: 8192, model: "my-model" });
    expect(engine.modelId).toBe("my-model");
    expect(engine.capabilities).toEqual({ contextSize: 8192, tools: false, jsonSchema: true });
  });

  it("refuses work after disposal", async () => {
    const { engine } = await setup();
    await engine[Symbol.asyncDispose]();
    expect((await failure(collectChat(engine.streamChat(request)))).code).toBe("disposed");
    expect((await failure(engine.countTokens(messages))).code).toBe("disposed");
  });

  it("stops a stream in flight with a disposed error when disposed", async () => {
    const { stub, engine } = await setup({ stallAfterChunks: 1 });
    const iterator = engine.streamChat(request)[Symbol.asyncIterator]();
    await expect(iterator.next()).resolves.toMatchObject({ value: { type: "text-delta" } });
    await engine[Symbol.asyncDispose]();
    expect((await failure(iterator.next())).code).toBe("disposed");
    await expect(stub.requests[0]?.outcome).resolves.toBe("disconnected");
  });
});
