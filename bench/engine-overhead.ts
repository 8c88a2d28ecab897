/**
 * engine-overhead: raw node-llama-cpp (LlamaCompletion on one context sequence) against a full Atelier turn
 * through the HTTP API with SSE, same model, threads, prompt, sampling and KV-cache state.
 */
import { mkdtempSync } from "node:fs";
import path from "node:path";
import {
  getLlama,
  LlamaCompletion,
  LlamaLogLevel,
  resolveChatWrapper,
  type ChatHistoryItem,
  type LlamaContextSequence,
  type LlamaText,
  type Token,
} from "node-llama-cpp";
import { loadConfig } from "../src/config/load.js";
import type { Agent, ConversationWithMessages } from "../src/contracts/index.js";
import { renderPersona } from "../src/runtime/persona.js";
import { flashAttentionFor } from "../src/engine/llama-cpp/llama-engine.js";
import { startServer } from "../src/server/main.js";
import { bearer, seedBenchApiKey } from "./lib/auth.js";
import type { Benchmark, BenchContext } from "./lib/benchmark.js";
import { target, type BenchOutcome } from "./lib/report.js";
import { engineTurn } from "./lib/engine-turn.js";
import { TurnClient } from "./lib/turn-worker.js";
import { median, percentile } from "./lib/stats.js";

const USER_MESSAGE = "Tell me a story about a little cat who finds a red ball in the garden.";
const MAX_TOKENS = 200;

interface RunSample {
  side: "atelier" | "engine" | "raw";
  ttftMs: number;
  totalMs: number;
  lastDeltaMs: number;
  promptTokens: number;
  evaluatedPromptTokens: number;
  completionTokens: number;
  /** Atelier only: when the response headers and the message-start event arrived, ms. */
  headersMs?: number;
  startEventMs?: number;
  /** Atelier only: the server's own first-token time and duration (message-end). */
  serverFirstTokenMs?: number | null;
  serverDurationMs?: number;
}

function tokensPerSecond(sample: RunSample): number {
  return sample.completionTokens / (sample.totalMs / 1000);
}

function decodeTokensPerSecond(sample: RunSample): number {
  return (sample.completionTokens - 1) / ((sample.lastDeltaMs - sample.ttftMs) / 1000);
}

async function postJson<T>(url: string, body: unknown, headers: Record<string, string>): Promise<T> {
  const response = await fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * One raw generation: the chat-formatted prompt tokens straight into LlamaCompletion (node-llama-cpp's
 * fastest text path, about 10 % faster than LlamaChat here), stopping on the template's stop triggers.
 */
async function rawTurn(options: {
  completion: LlamaCompletion;
  sequence: LlamaContextSequence;
  input: Token[];
  stopTriggers: readonly LlamaText[];
  promptTokens: number;
}): Promise<RunSample> {
  const { sequence } = options;
  const before = sequence.tokenMeter.getState();
  let ttftMs = Number.NaN;
  let lastDeltaMs = Number.NaN;
  let completionTokens = 0;
  const started = performance.now();
  await options.completion.generateCompletion(options.input, {
    maxTokens: MAX_TOKENS,
    temperature: 0,
    customStopTriggers: options.stopTriggers,
    onTextChunk: (text) => {
      if (text === "") return;
      const now = performance.now() - started;
      if (Number.isNaN(ttftMs)) ttftMs = now;
      lastDeltaMs = now;
    },
    onToken: (tokens) => {
      completionTokens += tokens.length;
    },
  });
  const totalMs = performance.now() - started;
  const meter = sequence.tokenMeter.diff(before);
  // The same accounting as the engine: the last prompt token is decoded with logits (metered as output).
  const evaluatedPromptTokens = meter.usedInputTokens + (meter.usedOutputTokens > 0 ? 1 : 0);
  return { side: "raw", ttftMs, totalMs, lastDeltaMs, promptTokens: options.promptTokens, evaluatedPromptTokens, completionTokens };
}

async function run(context: BenchContext): Promise<BenchOutcome> {
  const rounds = context.quick ? 4 : 18;
  const dataDir = mkdtempSync(path.join(context.workDir, "engine-overhead-"));
  // In-process, as embedders and tests run it; logs at warn so they do not interleave with the tables.
  const config = loadConfig({ env: {}, overrides: { port: 0, dataDir, logLevel: "warn", model: context.modelPath, memory: { extract: false } } });
  const server = await startServer({ config });
  const client = new TurnClient();
  const llama = await getLlama({ gpu: config.llama.gpu === "off" ? false : config.llama.gpu, maxThreads: context.threads, build: "never", progressLogs: false, logLevel: LlamaLogLevel.error });
  try {
    const model = await llama.loadModel({ modelPath: context.modelPath });
    const engine = await server.services.engines.resolve({});
    // The same attention kernel the engine chose, so the comparison is of everything else.
    const flashAttention = flashAttentionFor(config.llama.flashAttention, llama.gpu);
    const rawContext = await model.createContext({ sequences: 1, contextSize: engine.capabilities.contextSize, threads: context.threads, flashAttention });
    const sequence = rawContext.getSequence();
    const chatWrapper = resolveChatWrapper(model);
    const completion = new LlamaCompletion({ contextSequence: sequence });

    // Every /api route needs an API key; the in-process server's own store holds it.
    const headers = bearer(await seedBenchApiKey(server.services.store));
    const profile = { name: "Lily", personality: "A cheerful storyteller who loves cats and gardens.", tone: "Warm and simple." };
    const agent = await postJson<Agent>(`${server.url}/api/agents`, { ...profile, model: { temperature: 0, maxTokens: MAX_TOKENS } }, headers);
    const warmupAgent = await postJson<Agent>(`${server.url}/api/agents`, { ...profile, handle: "lily-warmup", model: { temperature: 0, maxTokens: 8 } }, headers);
    const history: ChatHistoryItem[] = [
      { type: "system", text: renderPersona(agent) },
      { type: "user", text: USER_MESSAGE },
    ];
    const { contextText, stopGenerationTriggers } = chatWrapper.generateContextState({ chatHistory: [...history, { type: "model", response: [] }] });
    const promptTokens = contextText.tokenize(model.tokenizer);
    const rawPromptTokens = promptTokens.length;
    // LlamaCompletion puts the beginning-of-sequence token first itself.
    const input = promptTokens[0] === model.tokens.bos ? promptTokens.slice(1) : promptTokens;
    const raw = () => rawTurn({ completion, sequence, input, stopTriggers: stopGenerationTriggers, promptTokens: rawPromptTokens });

    const atelierTurn = async (agentId: string): Promise<RunSample> => {
      const { conversation } = await postJson<ConversationWithMessages>(`${server.url}/api/conversations`, { agentId }, headers);
      const timing = await client.turn(`${server.url}/api/conversations/${conversation.id}/messages`, { content: USER_MESSAGE }, headers);
      return {
        side: "atelier",
        headersMs: timing.headersMs,
        startEventMs: timing.startEventMs,
        ttftMs: timing.ttftMs,
        totalMs: timing.totalMs,
        lastDeltaMs: timing.lastDeltaMs,
        promptTokens: timing.end.usage.promptTokens,
        evaluatedPromptTokens: timing.end.usage.evaluatedPromptTokens,
        completionTokens: timing.end.usage.completionTokens,
        serverFirstTokenMs: timing.end.firstTokenMs,
        serverDurationMs: timing.end.durationMs,
      };
    };

    // The engine alone, through the ChatEngine port, as the runtime calls it (a new session key per run,
    // like a fresh conversation), to split Atelier's overhead into the engine's and the rest's.
    let engineKeys = 0;
    const engineOnly = async (): Promise<RunSample> => {
      const turn = await engineTurn({
        engine,
        messages: [
          { role: "system", content: renderPersona(agent) },
          { role: "user", content: USER_MESSAGE },
        ],
        maxTokens: MAX_TOKENS,
        sessionKey: `bench-engine-only-${engineKeys++}`,
      });
      return { side: "engine", ...turn };
    };

    // Warm-up: fill every engine sequence (each fresh conversation takes a new or least recently used
    // one) so that every measured Atelier turn starts from the same KV-cache state; warm the raw side too.
    const sequences = config.llama.sequences;
    context.log(`engine-overhead: warming up (${sequences + 1} short Atelier turns, 2 raw)`);
    for (let index = 0; index <= sequences; index++) await atelierTurn(warmupAgent.id);
    let lastAtelier = await atelierTurn(agent.id);
    for (let index = 0; index < 2; index++) await raw();

    // Mirror the KV-cache state Atelier starts from: the raw sequence keeps exactly the prompt prefix
    // Atelier's latest turn reused.
    const mirroredRaw = async (): Promise<RunSample> => {
      const reused = Math.max(0, lastAtelier.promptTokens - lastAtelier.evaluatedPromptTokens);
      if (reused === 0) await sequence.clearHistory();
      else if (sequence.nextTokenIndex > reused) await sequence.eraseContextTokenRanges([{ start: reused, end: sequence.nextTokenIndex }]);
      return raw();
    };
    const samples: { atelier: RunSample; engine: RunSample; raw: RunSample }[] = [];
    for (let index = 0; index < rounds; index++) {
      // The order rotates every round, so that no side always runs first (or after the same other).
      const round: Partial<Record<"atelier" | "engine" | "raw", RunSample>> = {};
      for (let step = 0; step < 3; step++) {
        const side = (["atelier", "engine", "raw"] as const)[(index + step) % 3]!;
        if (side === "atelier") round.atelier = lastAtelier = await atelierTurn(agent.id);
        else if (side === "engine") round.engine = await engineOnly();
        else round.raw = await mirroredRaw();
      }
      const { atelier, engine: engineSample, raw: rawSample } = round as Required<typeof round>;
      samples.push({ atelier, engine: engineSample, raw: rawSample });
      context.log(
        `engine-overhead: round ${index + 1}/${rounds}: Atelier ${atelier.completionTokens} tok in ${atelier.totalMs.toFixed(1)} ms ` +
          `(TTFT ${atelier.ttftMs.toFixed(2)}), engine ${engineSample.totalMs.toFixed(1)} ms, raw ${rawSample.completionTokens} tok in ${rawSample.totalMs.toFixed(1)} ms (TTFT ${rawSample.ttftMs.toFixed(2)})`,
      );
    }

    await rawContext.dispose();
    await model.dispose();

    const atelierRuns = samples.map((pair) => pair.atelier);
    const engineOnlyRuns = samples.map((pair) => pair.engine);
    const rawRuns = samples.map((pair) => pair.raw);
    const summary = (runs: RunSample[]) => ({
      tokensPerSecond: median(runs.map(tokensPerSecond)),
      decodeTokensPerSecond: median(runs.map(decodeTokensPerSecond)),
      ttftP50: percentile(runs.map((r) => r.ttftMs), 50),
      ttftP90: percentile(runs.map((r) => r.ttftMs), 90),
      totalP50: median(runs.map((r) => r.totalMs)),
      completionTokens: median(runs.map((r) => r.completionTokens)),
      promptTokens: median(runs.map((r) => r.promptTokens)),
      evaluatedPromptTokens: median(runs.map((r) => r.evaluatedPromptTokens)),
    });
    const a = summary(atelierRuns);
    const e = summary(engineOnlyRuns);
    const r = summary(rawRuns);
    const ratio = a.decodeTokensPerSecond / r.decodeTokensPerSecond;
    const endToEndRatio = a.tokensPerSecond / r.tokensPerSecond;
    const addedTtft = a.ttftP50 - r.ttftP50;
    const pairedAddedTtft = median(samples.map((pair) => pair.atelier.ttftMs - pair.raw.ttftMs));
    const equalLength = samples.every((round) => round.atelier.completionTokens === round.raw.completionTokens && round.engine.completionTokens === round.raw.completionTokens);
    const equalPrompt = samples.every((pair) => pair.atelier.promptTokens === rawPromptTokens);
    const equalEvaluated = samples.every((pair) => pair.atelier.evaluatedPromptTokens === pair.raw.evaluatedPromptTokens);
    const serverTtft = median(atelierRuns.map((run) => run.serverFirstTokenMs ?? Number.NaN));
    const headersP50 = median(atelierRuns.map((run) => run.headersMs ?? Number.NaN));
    const startEventP50 = median(atelierRuns.map((run) => run.startEventMs ?? Number.NaN));

    return {
      notes: [
        `${rounds} interleaved rounds (an Atelier turn, the engine alone and raw node-llama-cpp, in rotating order) after warm-up; the targets compare Atelier with raw, the engine row shows how much of the difference is the engine adapter's; llama.cpp threads ${context.threads} (engine default: cores − 1).`,
        `Raw: getLlama → loadModel → createContext → the chat wrapper's prompt tokens → LlamaCompletion.generateCompletion (with the template's stop triggers). Atelier: startServer (in-process), a fresh conversation per run, POST …/messages read with fetch + SSE parsing.`,
        `Same prompt (${rawPromptTokens} tokens, Atelier ${equalPrompt ? "identical" : "DIFFERENT"}), temperature 0, maxTokens ${MAX_TOKENS}; all generated the same number of tokens in every round: ${equalLength ? "yes" : "NO"}.`,
        `KV-cache state matched: the raw sequence is trimmed to the prefix Atelier reused, so both evaluate the same prompt tokens (median ${a.evaluatedPromptTokens} of ${a.promptTokens}; equal in every round: ${equalEvaluated ? "yes" : "no"}).`,
        `decode tokens/s (the streaming rate, which the ratio target uses) = (tokens − 1) ÷ (last delta − first delta); tokens/s = tokens ÷ time from request to end of stream (TTFT and the final save included).`,
        `Atelier TTFT is measured by the HTTP client (in a worker thread, so the client does not share the server's event loop). Its p50 parts: response headers at ${headersP50.toFixed(2)} ms, message-start at ${startEventP50.toFixed(2)} ms, first text-delta at ${a.ttftP50.toFixed(2)} ms; the server's own firstTokenMs (from the reply's start, after the user message is stored) is ${serverTtft.toFixed(2)} ms.`,
      ],
      tables: [
        {
          columns: ["", "tokens/s (p50)", "decode tokens/s (p50)", "TTFT p50 ms", "TTFT p90 ms", "turn p50 ms", "tokens", "prompt / evaluated"],
          rows: [
            ["raw node-llama-cpp", r.tokensPerSecond, r.decodeTokensPerSecond, r.ttftP50, r.ttftP90, r.totalP50, r.completionTokens, `${r.promptTokens} / ${r.evaluatedPromptTokens}`],
            ["Atelier engine alone (ChatEngine.streamChat)", e.tokensPerSecond, e.decodeTokensPerSecond, e.ttftP50, e.ttftP90, e.totalP50, e.completionTokens, `${e.promptTokens} / ${e.evaluatedPromptTokens}`],
            ["Atelier HTTP + SSE", a.tokensPerSecond, a.decodeTokensPerSecond, a.ttftP50, a.ttftP90, a.totalP50, a.completionTokens, `${a.promptTokens} / ${a.evaluatedPromptTokens}`],
          ],
        },
      ],
      targets: [
        target({
          metric: "tokens/s ratio (Atelier ÷ raw, streaming rate)",
          measured: ratio,
          comparison: ">=",
          threshold: 0.95,
          note: `end to end, TTFT included: ${endToEndRatio.toFixed(3)}`,
        }),
        target({ metric: "added TTFT p50 (Atelier p50 − raw p50)", measured: addedTtft, unit: "ms", comparison: "<=", threshold: 10, note: `paired median ${pairedAddedTtft.toFixed(2)} ms` }),
      ],
      data: { rounds: samples, rawPromptTokens, atelier: a, raw: r, ratio, endToEndRatio, addedTtft, pairedAddedTtft, threads: context.threads, maxTokens: MAX_TOKENS },
    };
  } finally {
    await client.close();
    await server.close();
    await llama.dispose();
  }
}

export const engineOverhead: Benchmark = {
  name: "engine-overhead",
  title: "raw node-llama-cpp vs a full Atelier turn over HTTP + SSE",
  run,
};
