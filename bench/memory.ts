/**
 * memory: what per-person memory and a lorebook add to a turn, side by side in one in-process server
 * (stories260K): the same agent plain, and with a 500-entry lorebook plus 100 memories of the person,
 * turns interleaved; then lorebook selection alone, and one memory extraction (the background step
 * after each reply) through the real engine with its JSON-schema grammar.
 */
import { mkdtempSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "../src/config/load.js";
import { LorebookContent, type Agent, type ConversationWithMessages, type LorebookEntryInput } from "../src/contracts/index.js";
import { selectLore } from "../src/memory/lorebook.js";
import { newId } from "../src/runtime/ids.js";
import { startServer } from "../src/server/main.js";
import { bearer, seedBenchApiKey } from "./lib/auth.js";
import type { Benchmark, BenchContext } from "./lib/benchmark.js";
import { target, type BenchOutcome } from "./lib/report.js";
import { fmt, median, percentile } from "./lib/stats.js";
import { TurnClient } from "./lib/turn-worker.js";

const USER_MESSAGE = "Tell me about the old lighthouse by the harbour and the cat who lives there.";
const MAX_TOKENS = 48;
const ENTRIES = 500;
const MEMORIES = 100;

async function postJson<T>(url: string, body: unknown, headers: Record<string, string>): Promise<T> {
  const response = await fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** 500 entries: three fire on the message (lighthouse, harbour, cat), the rest are keyed on words it lacks. */
function lorebook(): LorebookContent {
  const entries: LorebookEntryInput[] = [];
  for (let index = 0; index < ENTRIES; index++) {
    entries.push({ id: `e${index}`, keys: [`place${index}`, `person${index}`], content: `Entry ${index}: a detail of the world that only matters when place ${index} comes up.` });
  }
  const fire = [["lighthouse", "The lighthouse was built in 1820 and still guides the fishing boats home."], ["harbour", "The harbour is small, with blue boats and a fish market on Saturdays."], ["cat", "Whiskers, a grey cat, sleeps on the lighthouse steps."]] as const;
  for (const [key, content] of fire) entries.push({ id: `fire-${key}`, keys: [key], content });
  return LorebookContent.parse({ name: "Harbour town", entries, tokenBudget: 512 });
}

async function run(context: BenchContext): Promise<BenchOutcome> {
  const rounds = context.quick ? 6 : 40;
  const dataDir = mkdtempSync(path.join(context.workDir, "memory-"));
  // Extraction off for the turns, so no background generation overlaps the next measured turn; it is timed on its own below.
  const config = loadConfig({ env: {}, overrides: { port: 0, dataDir, logLevel: "warn", model: context.modelPath, memory: { extract: false } } });
  const server = await startServer({ config });
  const client = new TurnClient();
  try {
    const { store, lorebooks, memory } = server.services;
    const headers = bearer(await seedBenchApiKey(store));
    const profile = { personality: "A warm guide to a small harbour town.", tone: "Friendly and short.", model: { temperature: 0, maxTokens: MAX_TOKENS } };
    const plain = await postJson<Agent>(`${server.url}/api/agents`, { ...profile, name: "Guide" }, headers);
    const rich = await postJson<Agent>(`${server.url}/api/agents`, { ...profile, name: "Guide with memory" }, headers);
    await lorebooks.put(rich.id, { lorebook: lorebook() });
    const { conversation: first } = await postJson<ConversationWithMessages>(`${server.url}/api/conversations`, { agentId: rich.id }, headers);
    const now = new Date().toISOString();
    for (let index = 0; index < MEMORIES; index++) {
      await store.memories.add({
        id: newId("mem"), agentId: rich.id, participantId: first.participantId, kind: index === 0 ? "name" : "fact",
        content: index === 0 ? "Their name is Sam." : `They mentioned detail number ${index} about their life by the sea.`,
        origin: "extracted", conversationId: first.id, now,
      });
    }

    const turn = async (agentId: string) => {
      const { conversation } = await postJson<ConversationWithMessages>(`${server.url}/api/conversations`, { agentId }, headers);
      return client.turn(`${server.url}/api/conversations/${conversation.id}/messages`, { content: USER_MESSAGE }, headers);
    };
    context.log("memory: warming up");
    for (let index = 0; index < 10; index++) await turn(index % 2 ? plain.id : rich.id);
    const samples: { plain: number[]; rich: number[]; plainTokens: number[]; richTokens: number[] } = { plain: [], rich: [], plainTokens: [], richTokens: [] };
    for (let index = 0; index < rounds; index++) {
      // Alternate which side goes first, so neither always follows the other.
      for (const side of index % 2 ? (["plain", "rich"] as const) : (["rich", "plain"] as const)) {
        const timing = await turn(side === "plain" ? plain.id : rich.id);
        samples[side].push(timing.ttftMs);
        samples[side === "plain" ? "plainTokens" : "richTokens"].push(timing.end.usage.promptTokens);
      }
    }

    // The turn pipeline up to the engine (persona, lore, recall, budgeting), without generating: what is ours.
    const { conversation: plainConversation } = await postJson<ConversationWithMessages>(`${server.url}/api/conversations`, { agentId: plain.id }, headers);
    const sides = {
      plain: { agent: await server.services.agents.get(plain.id), conversation: plainConversation, ms: [] as number[] },
      rich: { agent: await server.services.agents.get(rich.id), conversation: first, ms: [] as number[] },
    };
    for (let index = 0; index < (context.quick ? 20 : 200); index++) {
      for (const side of index % 2 ? [sides.plain, sides.rich] : [sides.rich, sides.plain]) {
        const started = performance.now();
        await server.services.chat.prepareTurn(side.agent, [{ role: "user", content: USER_MESSAGE }], { conversation: side.conversation });
        side.ms.push(performance.now() - started);
      }
    }

    // Lorebook selection alone, with the engine's token counter as the turn uses it.
    const engine = await server.services.engines.resolve({});
    const book = lorebook();
    const countTokens = (text: string) => engine.countTokens([{ role: "system", content: text }]);
    const history = ["Hello there!", "Hi, I'm your guide.", "I love old buildings.", USER_MESSAGE];
    const selectMs: number[] = [];
    let fired = 0;
    for (let index = 0; index < (context.quick ? 20 : 200); index++) {
      const started = performance.now();
      const selection = await selectLore({ lorebook: book, messages: history, budgetTokens: 512, countTokens });
      selectMs.push(performance.now() - started);
      fired = selection.entries.length;
    }

    // One extraction: a grammar-constrained generation after a reply (background in production).
    const extractMs: number[] = [];
    const agent = await server.services.agents.get(rich.id);
    for (let index = 0; index < (context.quick ? 3 : 15); index++) {
      const started = performance.now();
      await memory.extractNow({ agent, conversation: first, engine, userMessage: "My name is Sam and I love lighthouses.", reply: "Lovely to meet you, Sam!" });
      extractMs.push(performance.now() - started);
    }

    const addedP50 = median(samples.rich) - median(samples.plain);
    const addedPrepareP50 = median(sides.rich.ms) - median(sides.plain.ms);
    return {
      notes: [
        `${rounds} turns per side, interleaved, each in a new conversation, replies of at most ${MAX_TOKENS} tokens at temperature 0. ` +
          `"With memory": a ${ENTRIES + 3}-entry lorebook (3 entries fire on the message) and ${MEMORIES} memories of the person; memories and lore enter the prompt within their budgets (10% and 25% of it).`,
        `Lorebook selection alone: ${ENTRIES + 3} entries, 4 messages scanned, ${fired} fired, token counts from the engine's tokenizer; ${selectMs.length} calls.`,
        `Extraction: one generation constrained to the memory JSON schema (stories260K answers an empty list), ${extractMs.length} runs; it runs after the reply, in the background, one at a time.`,
      ],
      tables: [{
        title: "Time to first token over HTTP + SSE, ms",
        columns: ["agent", "p50", "p95", "prompt tokens"],
        rows: [
          ["plain", fmt(median(samples.plain), 2), fmt(percentile(samples.plain, 95), 2), median(samples.plainTokens)],
          ["with lorebook and memories", fmt(median(samples.rich), 2), fmt(percentile(samples.rich, 95), 2), median(samples.richTokens)],
          ["turn preparation, plain (no generation)", fmt(median(sides.plain.ms), 2), fmt(percentile(sides.plain.ms, 95), 2), "—"],
          ["turn preparation, with lorebook and memories", fmt(median(sides.rich.ms), 2), fmt(percentile(sides.rich.ms, 95), 2), "—"],
          ["lorebook selection alone", fmt(median(selectMs), 3), fmt(percentile(selectMs, 95), 3), "—"],
          ["memory extraction (background)", fmt(median(extractMs), 1), fmt(percentile(extractMs, 95), 1), "—"],
        ],
      }],
      targets: [
        target({
          metric: "turn preparation added by lorebook + memories, p50", measured: Math.round(addedPrepareP50 * 100) / 100, unit: "ms", comparison: "<=", threshold: 5,
          note: `time to first token grows by ${fmt(addedP50, 1)} ms at p50, mostly the model evaluating the ${median(samples.richTokens) - median(samples.plainTokens)} more prompt tokens they bring`,
        }),
        target({ metric: `lorebook selection, ${ENTRIES + 3} entries, p50`, measured: Math.round(median(selectMs) * 1000) / 1000, unit: "ms", comparison: "<=", threshold: 2 }),
      ],
      data: { samples, prepareMs: { plain: sides.plain.ms, rich: sides.rich.ms }, selectMs, extractMs, fired },
    };
  } finally {
    await client.close();
    await server.close();
  }
}

export const memoryBench: Benchmark = { name: "memory", title: "Per-person memory and lorebooks: cost per turn", run };
