import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelPath, testThreads } from "../../../test/support/models.js";
import { AtelierError, type ChatMessage, type TokenUsage } from "../../contracts/index.js";
import { collectChat, type ChatRequest, type EngineEvent } from "../chat-engine.js";
import { LlamaCppEngine } from "./llama-engine.js";

// Two sequences and a small context, so eviction, waiting and a full context are cheap to reach.
const sampling = { temperature: 0.8, seed: 7, maxTokens: 20 };
let engine: LlamaCppEngine;

beforeAll(async () => {
  engine = await LlamaCppEngine.load({ modelPath: testModelPath(), threads: testThreads, gpu: "off", sequences: 2, contextSize: 256 });
});

afterAll(async () => {
  await engine?.[Symbol.asyncDispose]();
});

function chat(request: Partial<ChatRequest> & { messages: ChatMessage[] }, signal?: AbortSignal) {
  return collectChat(engine.streamChat({ sampling, ...request }, { signal }));
}

/** Runs one stream, appending `<name>:<event type>` to a shared log. */
async function logged(log: string[], name: string, request: ChatRequest, signal?: AbortSignal) {
  let end: Extract<EngineEvent, { type: "generation-end" }> | undefined;
  for await (const event of engine.streamChat(request, { signal })) {
    log.push(`${name}:${event.type}`);
    if (event.type === "generation-end") end = event;
  }
  return end!;
}

describe("LlamaCppEngine sequences and limits (2 sequences, 256-token context)", () => {
  it("evicts the least recently used idle conversation when more conversations than sequences", async () => {
    const histories = new Map<string, ChatMessage[]>();
    const lastUsage = new Map<string, TokenUsage>();
    const turn = async (key: string, content: string) => {
      const messages = [...(histories.get(key) ?? []), { role: "user" as const, content }];
      const reply = await chat({ messages, sessionKey: key });
      histories.set(key, [...messages, { role: "assistant", content: reply.text }]);
      const previous = lastUsage.get(key);
      lastUsage.set(key, reply.usage);
      return { usage: reply.usage, previous };
    };
    await turn("one", "A cat sat on a mat.");
    await turn("two", "The sun was hot.");
    await turn("three", "Ben had a red kite."); // evicts "one", the least recently used
    expect(engine.stats().sequences).toMatchObject({ capacity: 2, created: 2, evictions: 1, warm: 2 });

    const warm = await turn("three", "Then what?");
    const cold = await turn("one", "Then what?"); // its sequence was handed to "three"; evicts "two"
    console.log(`LRU: warm turn ${JSON.stringify(warm.usage)}, evicted conversation's turn ${JSON.stringify(cold.usage)}`);
    // Warm: only the tokens after the cached prompt and reply, plus the reply's last token, sampled but
    // never decoded (see expectOnlyNewTokens in llama-engine.test.ts for the bound).
    const newTokens = warm.usage.promptTokens - warm.previous!.promptTokens - warm.previous!.completionTokens;
    expect(warm.usage.evaluatedPromptTokens).toBeGreaterThanOrEqual(newTokens);
    expect(warm.usage.evaluatedPromptTokens).toBeLessThanOrEqual(newTokens + 1);
    // Cold: it shares only the template's opening ("<s>[INST] ", 9 tokens in this tiny vocabulary) with
    // what its new sequence held, so it evaluates its whole history again.
    expect(cold.usage.evaluatedPromptTokens).toBeGreaterThanOrEqual(cold.usage.promptTokens - 9);
    expect(engine.stats().sequences.evictions).toBe(2);
  });

  it("makes a conversation wait while every sequence is busy, then serves it", async () => {
    const log: string[] = [];
    const request = (content: string, key: string): ChatRequest => ({
      messages: [{ role: "user", content }],
      sessionKey: key,
      sampling: { ...sampling, maxTokens: 60 },
    });
    const [a, b, c] = await Promise.all([
      logged(log, "a", request("Once upon a time", "wait-a")),
      logged(log, "b", request("The little bird", "wait-b")),
      logged(log, "c", request("A big brown dog", "wait-c")),
    ]);
    expect([a, b, c].every((end) => end.usage.completionTokens > 0)).toBe(true);
    const firstEnd = Math.min(log.indexOf("a:generation-end"), log.indexOf("b:generation-end"));
    expect(log.indexOf("a:text-delta")).toBeLessThan(firstEnd);
    expect(log.indexOf("b:text-delta")).toBeLessThan(firstEnd);
    expect(log.findIndex((entry) => entry.startsWith("c:"))).toBeGreaterThan(firstEnd);
    expect(engine.stats().sequences).toMatchObject({ busy: 0, waiting: 0 });
  });

  it("ends a waiting request with 'aborted' when its signal aborts before a sequence frees", async () => {
    const controller = new AbortController();
    const log: string[] = [];
    const long = { ...sampling, maxTokens: 100 };
    const busyA = logged(log, "a", { messages: [{ role: "user", content: "One day" }], sessionKey: "busy-a", sampling: long });
    const busyB = logged(log, "b", { messages: [{ role: "user", content: "Later" }], sessionKey: "busy-b", sampling: long });
    const waiting = logged(log, "c", { messages: [{ role: "user", content: "Hi" }], sessionKey: "busy-c", sampling }, controller.signal);
    // Abort once both running conversations have produced text, so c is certainly queued.
    const started = Promise.all(["a", "b"].map((name) => until(() => log.includes(`${name}:text-delta`))));
    await started;
    expect(engine.stats().sequences.waiting).toBe(1);
    controller.abort();
    const end = await waiting;
    expect(end.finishReason).toBe("aborted");
    expect(end.usage).toMatchObject({ evaluatedPromptTokens: 0, completionTokens: 0 });
    expect(log.filter((entry) => entry.startsWith("c:"))).toEqual(["c:generation-end"]);
    await Promise.all([busyA, busyB]);
  });

  it("ends with 'length' when the context fills, without shifting the prompt out", async () => {
    const content = "The dog ran and ran. ".repeat(20);
    const messages: ChatMessage[] = [{ role: "user", content }];
    const promptTokens = await engine.countTokens(messages);
    expect(promptTokens).toBeGreaterThan(150);
    const reply = await chat({ messages, sampling: { ...sampling, maxTokens: 1000 } });
    expect(reply.finishReason).toBe("length");
    expect(reply.usage.promptTokens).toBe(promptTokens);
    expect(reply.usage.completionTokens).toBe(engine.capabilities.contextSize - promptTokens - 1);
    // A context shift would have re-evaluated part of the prompt and shown up here.
    expect(reply.usage.evaluatedPromptTokens).toBeLessThanOrEqual(promptTokens);
  });

  it("refuses a prompt that cannot fit the context with context_overflow", async () => {
    const messages: ChatMessage[] = [{ role: "user", content: "The dog ran and ran. ".repeat(60) }];
    expect(await engine.countTokens(messages)).toBeGreaterThan(engine.capabilities.contextSize);
    await expect(chat({ messages })).rejects.toSatisfy((error) => AtelierError.is(error, "context_overflow"));
  });

  it("after disposal: running replies end 'aborted', waiting and new calls fail with code 'disposed'", async () => {
    const log: string[] = [];
    const long = { ...sampling, maxTokens: 200 };
    const running = logged(log, "a", { messages: [{ role: "user", content: "Once" }], sessionKey: "d-a", sampling: long });
    const runningB = logged(log, "b", { messages: [{ role: "user", content: "Twice" }], sessionKey: "d-b", sampling: long });
    const waiting = logged(log, "c", { messages: [{ role: "user", content: "Thrice" }], sessionKey: "d-c", sampling });
    await until(() => log.includes("a:text-delta") && log.includes("b:text-delta"));

    const disposal = engine[Symbol.asyncDispose]();
    await expect(waiting).rejects.toSatisfy((error) => AtelierError.is(error, "disposed"));
    expect((await running).finishReason).toBe("aborted");
    expect((await runningB).finishReason).toBe("aborted");
    await disposal;

    const error = await engine.countTokens([{ role: "user", content: "Hi" }]).catch((caught: unknown) => caught);
    expect(AtelierError.is(error, "disposed")).toBe(true);
    expect((error as Error).message).toMatch(/disposed.*Load the model again/s);
    await expect(chat({ messages: [{ role: "user", content: "Hi" }] })).rejects.toSatisfy((caught) => AtelierError.is(caught, "disposed"));
  });
});

/** Yields to the event loop until the condition holds (generation progresses between checks). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe("LlamaCppEngine.load failures", () => {
  it("names the missing file and the setting to change", async () => {
    const error = await LlamaCppEngine.load({ modelPath: "/nowhere/model.gguf" }).catch((caught: unknown) => caught);
    expect(AtelierError.is(error, "model_not_found")).toBe(true);
    expect((error as Error).message).toBe("No model file at /nowhere/model.gguf. Set ATELIER_MODEL to a .gguf file or an hf: URI.");
  });

  it("reports a file that is not a GGUF model as engine_error", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-bad-model-"));
    const modelPath = path.join(dir, "broken.gguf");
    await writeFile(modelPath, "this is not a model");
    try {
      const error = await LlamaCppEngine.load({ modelPath, threads: testThreads, gpu: "off" }).catch((caught: unknown) => caught);
      expect(AtelierError.is(error, "engine_error")).toBe(true);
      expect((error as Error).message).toContain(modelPath);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("either uses CUDA or says plainly that no CUDA build can run here", async () => {
    const result = await LlamaCppEngine.load({ modelPath: testModelPath(), threads: testThreads, gpu: "cuda", sequences: 1 }).then(
      async (cudaEngine) => {
        const gpu = cudaEngine.stats().gpu;
        await cudaEngine[Symbol.asyncDispose]();
        return gpu;
      },
      (error: unknown) => error,
    );
    if (result === "cuda") return;
    expect(AtelierError.is(result, "engine_unavailable")).toBe(true);
    expect((result as Error).message).toContain("ATELIER_GPU=off");
  });
});

