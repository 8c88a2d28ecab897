import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { testModelPath, testThreads } from "../../../test/support/models.js";
import type { ChatMessage, TokenUsage } from "../../contracts/index.js";
import { collectChat, type ChatRequest, type EngineEvent } from "../chat-engine.js";
import { LlamaCppEngine } from "./llama-engine.js";

// stories260K is not chat-tuned: its replies are TinyStories prose. Seeds keep them reproducible.
const sampling = { temperature: 0.8, seed: 42, maxTokens: 40 };
/** Tokens of the template's opening, BOS and "[INST] <<SYS>>\n", in stories260K's 512-token vocabulary. */
const OPENING = 17;
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

/**
 * Turn n of a conversation evaluates only the tokens that are new since turn n−1.
 *
 * The engine feeds turn n the input of turn n−1, then the tokens that make up reply n−1 as they were
 * sampled, then the canonical tokens of what follows. So promptTokens(n) = promptTokens(n−1) +
 * completionTokens(n−1) + new, where new is the closing of the reply and the next user message with the
 * template around it. The sequence holds all of that except the reply's last token when the reply ended
 * on maxTokens or an abort: that token was sampled but never decoded (a reply that ends with EOS or a
 * stop trigger decoded all its own tokens). Hence new ≤ evaluatedPromptTokens ≤ new + 1, exactly.
 */
function expectOnlyNewTokens(previous: TokenUsage, current: TokenUsage): void {
  const newTokens = current.promptTokens - previous.promptTokens - previous.completionTokens;
  expect(newTokens).toBeGreaterThan(0);
  expect(current.evaluatedPromptTokens).toBeGreaterThanOrEqual(newTokens);
  expect(current.evaluatedPromptTokens).toBeLessThanOrEqual(newTokens + 1);
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
    for (let index = 1; index < turns.length; index++) expectOnlyNewTokens(turns[index - 1]!, turns[index]!);

    // The same prompt under a conversation key never seen before starts from an empty sequence.
    const cold = await chat({ messages, sessionKey: "kv-other-conversation" });
    console.log(`  same prompt, new sessionKey: ${JSON.stringify(cold.usage)}`);
    expect(cold.usage.promptTokens).toBe(await engine.countTokens(messages));
    expect(cold.usage.evaluatedPromptTokens).toBe(cold.usage.promptTokens);
  });

  it("keeps long replies as they were sampled, so no turn evaluates the history again", async () => {
    // Long replies from a 512-token vocabulary often re-tokenise differently from how they were sampled
    // (about half of 300-token replies do); before replies were spliced back in as sampled, such a turn
    // re-evaluated everything from the first differing token (hundreds of tokens).
    const cat: ChatMessage = { role: "user", content: "Tell me about a cat named Tom." };
    const scenarios = [
      { opening: [system, cat], temperature: 0.8, seed: 1 },
      { opening: [system, cat], temperature: 0.8, seed: 7 },
      // With this seed the first reply starts with "\n", which re-tokenises with a leading-space token.
      { opening: [{ role: "user", content: 'Lily said, "Look!"' } as const], temperature: 1.5, seed: 126 },
    ];
    const splicedBefore = engine.stats().splicedPrompts;
    const firstReplies: string[] = [];
    for (const [index, scenario] of scenarios.entries()) {
      const messages: ChatMessage[] = [...scenario.opening];
      const turns: TokenUsage[] = [];
      for (let turn = 1; turn <= 4; turn++) {
        const reply = await chat({
          messages,
          sessionKey: `kv-long-${index}`,
          sampling: { temperature: scenario.temperature, seed: scenario.seed + turn - 1, maxTokens: 300 },
        });
        if (turn === 1) firstReplies.push(reply.text);
        turns.push(reply.usage);
        messages.push({ role: "assistant", content: reply.text }, { role: "user", content: `What happened next? (${turn})` });
      }
      console.log(`KV reuse, long replies, scenario ${index + 1}: ${turns.map((usage) => JSON.stringify(usage)).join(" ")}`);
      // (Turn 1 may reuse the system prompt from a sequence another conversation left behind.)
      expect(turns[0]!.promptTokens).toBe(await engine.countTokens(scenario.opening));
      for (let turn = 1; turn < turns.length; turn++) expectOnlyNewTokens(turns[turn - 1]!, turns[turn]!);
    }
    expect(firstReplies[2], "pick another seed whose first reply starts with a newline").toMatch(/^\n/);
    // Replies whose tokens differ from their re-tokenisation were kept as sampled.
    expect(engine.stats().splicedPrompts).toBeGreaterThan(splicedBefore);
  });

  it("falls back to the canonical prompt from the first edited token when the history is edited", async () => {
    const messages: ChatMessage[] = [system, { role: "user", content: "Tell me about a cat named Tom." }];
    const turns: TokenUsage[] = [];
    let splicedBefore = engine.stats().splicedPrompts;
    for (let turn = 1; turn <= 3; turn++) {
      // Seed 2's first reply re-tokenises differently from how it was sampled, so turn 2 is spliced.
      const reply = await chat({ messages, sessionKey: "kv-edit", sampling: { temperature: 0.8, seed: 1 + turn, maxTokens: 300 } });
      turns.push(reply.usage);
      messages.push({ role: "assistant", content: reply.text }, { role: "user", content: `What did Tom do next? (${turn})` });
      if (turn === 2) expect(engine.stats().splicedPrompts, "the first reply was kept as sampled").toBe(splicedBefore + 1);
      splicedBefore = engine.stats().splicedPrompts;
    }

    // The second user message is edited and sent again: a different history, not an extension.
    const edited: ChatMessage[] = [...messages.slice(0, 3), { role: "user", content: "Did Tom sleep?" }];
    const reply = await chat({ messages: edited, sessionKey: "kv-edit", sampling: { temperature: 0.8, seed: 9, maxTokens: 150 } });
    console.log(`KV reuse, edited history: ${JSON.stringify(reply.usage)}`);
    expect(["stop", "length"]).toContain(reply.finishReason);
    expect(reply.text.length).toBeGreaterThan(0);
    // Up to the end of the first reply (as it was sampled) the input is what the sequence holds.
    const firstReplyEnd = turns[0]!.promptTokens + turns[0]!.completionTokens;
    const afterFirstReply = reply.usage.promptTokens - firstReplyEnd;
    // Between that reply and the edited text only the template's separator (EOS, BOS, "[INST] ": 10 tokens
    // in this vocabulary) is still the same; everything from the edited message's first token is evaluated.
    expect(reply.usage.evaluatedPromptTokens).toBe(afterFirstReply - 10);

    // The edited conversation goes on reusing its cache, and regenerating a reply re-decodes one token.
    const next = [...edited, { role: "assistant" as const, content: reply.text }, { role: "user" as const, content: "And then?" }];
    const continued = await chat({ messages: next, sessionKey: "kv-edit", sampling: { temperature: 0.8, seed: 10, maxTokens: 150 } });
    expectOnlyNewTokens(reply.usage, continued.usage);
    const regenerated = await chat({ messages: next, sessionKey: "kv-edit", sampling: { temperature: 0.8, seed: 11, maxTokens: 150 } });
    expect(regenerated.usage.promptTokens).toBe(continued.usage.promptTokens);
    expect(regenerated.usage.evaluatedPromptTokens).toBe(1);

    // A changed system message changes the first tokens: nothing after them is reused, and the reply is
    // the one a fresh sequence gives for the same prompt (no stale cache state).
    const persona: ChatMessage[] = [{ role: "system", content: "Grumpy storyteller, you are." }, ...next.slice(1)];
    const sampling = { temperature: 0.8, seed: 12, maxTokens: 60 };
    const warm = await chat({ messages: persona, sessionKey: "kv-edit", sampling });
    const fresh = await chat({ messages: persona, sessionKey: "kv-edit-fresh", sampling });
    console.log(`KV reuse, new persona: warm ${JSON.stringify(warm.usage)}, fresh ${JSON.stringify(fresh.usage)}`);
    expect(warm.usage.promptTokens).toBe(await engine.countTokens(persona));
    // Only the template's opening (BOS, "[INST] <<SYS>>\n": OPENING tokens) is still the same.
    expect(warm.usage.evaluatedPromptTokens).toBe(warm.usage.promptTokens - OPENING);
    expect(warm.text).toBe(fresh.text);
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
    expectOnlyNewTokens(end!.usage, next.usage);
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
