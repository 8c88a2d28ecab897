import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { testModelPath, testThreads } from "../../../test/support/models.js";
import type { ChatMessage, TokenUsage } from "../../contracts/index.js";
import { collectChat, type ChatRequest, type EngineEvent } from "../chat-engine.js";
import { LlamaCppEngine } from "./llama-engine.js";

// stories260K is not chat-tuned: its replies are TinyStories prose. Seeds keep them reproducible.
const sampling = { temperature: 0.8, seed: 42, maxTokens: 40 };
const system: ChatMessage = { role: "system", content: "You are a friendly storyteller." };

let engine: LlamaCppEngine;

beforeAll(async () => {
  engine = await LlamaCppEngine.load({ modelPath: testModelPath(), threads: testThreads, gpu: "off", sequences: 4 });
});

afterAll(async () => {
  await engine?.[Symbol.asyncDispose]();
});

function chat(request: Partial<ChatRequest> & { messages: ChatMessage[] }, signal?: AbortSignal) {
  return collectChat(engine.streamChat({ sampling, ...request }, { signal }));
}

describe("LlamaCppEngine (stories260K)", () => {
  it("streams text deltas and ends with exactly one generation-end carrying the usage", async () => {
    const events: EngineEvent[] = [];
    const messages: ChatMessage[] = [system, { role: "user", content: "Tell me a story about a red ball." }];
    for await (const event of engine.streamChat({ messages, sampling })) events.push(event);

    const deltas = events.filter((event) => event.type === "text-delta");
    const ends = events.filter((event) => event.type === "generation-end");
    expect(deltas.length).toBeGreaterThan(1);
    expect(ends).toHaveLength(1);
    expect(events.at(-1)?.type).toBe("generation-end");
    const end = ends[0]!;
    expect(["stop", "length"]).toContain(end.finishReason);
    expect(end.usage.promptTokens).toBe(await engine.countTokens(messages));
    expect(end.usage.evaluatedPromptTokens).toBe(end.usage.promptTokens); // first use of a fresh sequence
    expect(end.usage.completionTokens).toBeGreaterThan(0);
    expect(end.usage.completionTokens).toBeLessThanOrEqual(sampling.maxTokens);
    expect(engine.capabilities).toEqual({ contextSize: 2048, tools: false, jsonSchema: true });
    expect(engine.modelId).toBe("stories260K");
  });

  it("reuses the KV cache of a conversation: later turns evaluate only their new tokens", async () => {
    const messages: ChatMessage[] = [system, { role: "user", content: "Tell me about a cat named Tom." }];
    const turns: TokenUsage[] = [];
    for (let turn = 1; turn <= 5; turn++) {
      const reply = await chat({ messages, sessionKey: "kv-conversation" });
      turns.push(reply.usage);
      messages.push({ role: "assistant", content: reply.text }, { role: "user", content: `What did Tom do next? (${turn})` });
    }
    console.log("KV reuse, stories260K, one conversation:");
    turns.forEach((usage, index) => console.log(`  turn ${index + 1}: ${JSON.stringify(usage)}`));

    expect(turns[0]!.evaluatedPromptTokens).toBe(turns[0]!.promptTokens);
    for (let index = 1; index < turns.length; index++) {
      const previous = turns[index - 1]!;
      const current = turns[index]!;
      const newSinceLastTurn = current.promptTokens - previous.promptTokens;
      // The previous reply is in the cache except its last token (sampled, never fed back). Observed
      // slack with this seed: 0. Where the reply's text re-tokenises differently from the sampled tokens
      // (SentencePiece adds a prefix space before a reply that starts with a newline), the cache is
      // reused only up to that point.
      const reusableReply = previous.completionTokens - 1;
      const slack = 2;
      expect(current.evaluatedPromptTokens).toBeLessThanOrEqual(newSinceLastTurn - reusableReply + slack);
      expect(current.evaluatedPromptTokens).toBeLessThan(current.promptTokens / 2);
    }

    // The same prompt under a conversation key never seen before starts from an empty sequence.
    const cold = await chat({ messages, sessionKey: "kv-other-conversation" });
    console.log(`  same prompt, new sessionKey: ${JSON.stringify(cold.usage)}`);
    expect(cold.usage.promptTokens).toBe(await engine.countTokens(messages));
    expect(cold.usage.evaluatedPromptTokens).toBe(cold.usage.promptTokens);
  });

  it("generates two conversations concurrently on one model (interleaved, not queued)", async () => {
    const log: string[] = [];
    const run = async (name: string, content: string) => {
      const messages: ChatMessage[] = [system, { role: "user", content }];
      const stream = engine.streamChat({ messages, sessionKey: `concurrent-${name}`, sampling: { ...sampling, maxTokens: 200 } });
      for await (const event of stream) {
        log.push(`${name}:${event.type}`);
        if (event.type === "generation-end") return event;
      }
      throw new Error("no generation-end");
    };
    const [a, b] = await Promise.all([run("a", "Once upon a time there was a dog."), run("b", "Lily went to the park.")]);
    console.log(`concurrency: a=${JSON.stringify(a.usage)} ${a.finishReason}, b=${JSON.stringify(b.usage)} ${b.finishReason}`);

    expect(a.usage.completionTokens).toBeGreaterThan(20);
    expect(b.usage.completionTokens).toBeGreaterThan(20);
    const firstEnd = Math.min(log.indexOf("a:generation-end"), log.indexOf("b:generation-end"));
    expect(log.indexOf("a:text-delta")).toBeLessThan(firstEnd);
    expect(log.indexOf("b:text-delta")).toBeLessThan(firstEnd);
  });

  it("aborting mid-stream ends with 'aborted', keeps the partial text and leaves the conversation usable", async () => {
    const controller = new AbortController();
    const messages: ChatMessage[] = [system, { role: "user", content: "Tell me a long story about a big tree." }];
    let text = "";
    let deltas = 0;
    let end: Extract<EngineEvent, { type: "generation-end" }> | undefined;
    const stream = engine.streamChat({ messages, sessionKey: "abort", sampling: { ...sampling, maxTokens: 500 } }, { signal: controller.signal });
    for await (const event of stream) {
      if (event.type === "text-delta") {
        text += event.delta;
        if (++deltas === 5) controller.abort();
      } else {
        end = event;
      }
    }
    expect(end?.finishReason).toBe("aborted");
    expect(text.length).toBeGreaterThan(0);
    expect(end!.usage.completionTokens).toBeGreaterThanOrEqual(5);
    expect(end!.usage.completionTokens).toBeLessThan(500);
    expect(engine.stats().sequences.busy).toBe(0);

    // The next turn of the same conversation reuses the cache of the partial reply.
    messages.push({ role: "assistant", content: text }, { role: "user", content: "Go on." });
    const next = await chat({ messages, sessionKey: "abort" });
    expect(["stop", "length"]).toContain(next.finishReason);
    expect(next.usage.evaluatedPromptTokens).toBeLessThan(next.usage.promptTokens / 2);
  });

  it("an already aborted signal ends at once without generating", async () => {
    const controller = new AbortController();
    controller.abort();
    const reply = await chat({ messages: [{ role: "user", content: "Hello" }] }, controller.signal);
    expect(reply.finishReason).toBe("aborted");
    expect(reply.text).toBe("");
    expect(reply.usage.completionTokens).toBe(0);
  });

  it("breaking out of the stream stops generation and frees the sequence", async () => {
    const before = engine.stats().completionTokens;
    let deltas = 0;
    for await (const event of engine.streamChat({
      messages: [{ role: "user", content: "Tell me a long story." }],
      sessionKey: "break",
      sampling: { ...sampling, maxTokens: 500 },
    })) {
      if (event.type === "text-delta" && ++deltas === 3) break;
    }
    expect(engine.stats().sequences.busy).toBe(0);
    expect(engine.stats().completionTokens).toBe(before); // no generation-end: nothing recorded
    const again = await chat({ messages: [{ role: "user", content: "Hi" }], sessionKey: "break" });
    expect(again.usage.completionTokens).toBeGreaterThan(0);
  });

  it("ends with 'length' when maxTokens is reached", async () => {
    const reply = await chat({ messages: [{ role: "user", content: "Tell me a story." }], sampling: { ...sampling, maxTokens: 3 } });
    expect(reply.finishReason).toBe("length");
    expect(reply.usage.completionTokens).toBe(3);
  });

  it("countTokens grows with the messages and equals the prompt size generation reports", async () => {
    const one: ChatMessage[] = [system];
    const two: ChatMessage[] = [...one, { role: "user", content: "Hello there, how are you today?" }];
    const three: ChatMessage[] = [...two, { role: "assistant", content: "I am fine." }, { role: "user", content: "Good." }];
    const counts = await Promise.all([one, two, three].map((messages) => engine.countTokens(messages)));
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(counts[0]!);
    expect(counts[2]).toBeGreaterThan(counts[1]!);
    const reply = await chat({ messages: three, sampling: { ...sampling, maxTokens: 2 } });
    expect(reply.usage.promptTokens).toBe(counts[2]);

    const started = performance.now();
    for (let index = 0; index < 10; index++) await engine.countTokens(three);
    expect(performance.now() - started).toBeLessThan(500); // cheap enough for ~10 calls per turn
    await expect(engine.countTokens([])).rejects.toMatchObject({ code: "bad_request" });
  });

  it("constrains the output to a JSON schema", async () => {
    const jsonSchema = {
      type: "object",
      properties: {
        name: { type: "string", maxLength: 20 },
        happy: { type: "boolean" },
        mood: { enum: ["glad", "sad", "sleepy"] },
      },
      required: ["name", "happy", "mood"],
    };
    const Shape = z.object({ name: z.string().max(20), happy: z.boolean(), mood: z.enum(["glad", "sad", "sleepy"]) }).strict();
    for (const seed of [1, 2, 3]) {
      const reply = await chat({
        messages: [{ role: "user", content: "Describe the cat as JSON." }],
        jsonSchema,
        sampling: { temperature: 0.8, seed, maxTokens: 200 },
      });
      expect(reply.finishReason).toBe("stop");
      expect(Shape.parse(JSON.parse(reply.text))).toBeTruthy();
    }
  });
});
