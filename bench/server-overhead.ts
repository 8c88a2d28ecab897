/**
 * server-overhead: Atelier (its own process, `node bin/atelier.js serve`) on the openai-compatible
 * engine against an instant upstream (its own process, dist/bench/upstream.js), driven by this process
 * over HTTP. Turns/s and added latency at 1, 16 and 64 concurrent conversations, then the server's RSS
 * while it holds 1,000 SSE streams open against an upstream that stalls.
 */
import http from "node:http";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { Agent, ChatMessage, ConversationWithMessages } from "../src/contracts/index.js";
import { renderPersona } from "../src/runtime/persona.js";
import type { Benchmark, BenchContext } from "./lib/benchmark.js";
import { bearer, seedBenchApiKeyInDataDir } from "./lib/auth.js";
import { repoRoot, resultsDir } from "./lib/environment.js";
import { attributeProfile, monotonicMicros } from "./lib/profile.js";
import { cpuTimeMs, freePort, rssMiB, spawnNode, stopChild, waitForStatus, type Child } from "./lib/processes.js";
import { target, type BenchOutcome, type Table } from "./lib/report.js";
import { jsonRequest, leanStreamRequest } from "./lib/sse-client.js";
import { median, percentile, sleep } from "./lib/stats.js";
import { replyPieces, UPSTREAM_REPLY_TOKENS } from "./lib/upstream-reply.js";

const LEVELS = [1, 16, 64] as const;
const TURNS_PER_CONVERSATION = 20;
const AGENT_MAX_TOKENS = 256;
const TEMPERATURE = 0.8;
const OPEN_STREAMS = 1_000;
const USER_MESSAGES = ["Tell me a story.", "What happened next?", "Who else was there?", "How did it end?"];

interface Stack {
  upstream: Child;
  upstreamPort: number;
  server: Child | undefined;
  serverPort: number;
}

/** Child environments: PATH and friends, but no ATELIER_* setting of ours leaks into the server. */
function baseEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("ATELIER_")) env[key] = value;
  return env;
}

async function startUpstream(workDir: string): Promise<{ child: Child; port: number }> {
  const port = await freePort();
  const child = spawnNode({
    args: [path.join(repoRoot, "dist/bench/upstream.js")],
    env: { ...baseEnvironment(), BENCH_UPSTREAM_PORT: String(port) },
    cwd: workDir,
    logFile: path.join(workDir, "upstream.log"),
  });
  await waitForStatus({ port, path: "/v1/models", child, timeoutMs: 15_000 });
  return { child, port };
}

async function startAtelier(options: {
  workDir: string;
  upstreamPort: number;
  name: string;
  nodeArgs?: string[];
  /** Where the data folder goes; default the work folder (local disk). */
  dataRoot?: string;
}): Promise<{ child: Child; port: number; logFile: string; dataDir: string; headers: Record<string, string> }> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(options.dataRoot ?? options.workDir, `${options.name}-data-`));
  // Every /api route needs an API key: seed one into the database before the server opens it.
  const headers = bearer(await seedBenchApiKeyInDataDir(dataDir));
  const logFile = path.join(options.workDir, `${options.name}.log`);
  const child = spawnNode({
    args: [...(options.nodeArgs ?? []), path.join(repoRoot, "bin/atelier.js"), "serve"],
    env: {
      ...baseEnvironment(),
      ATELIER_ENGINE: "openai-compatible",
      ATELIER_ENGINE_URL: `http://127.0.0.1:${options.upstreamPort}/v1`,
      ATELIER_MODEL: "bench-c1",
      ATELIER_HOST: "127.0.0.1",
      ATELIER_PORT: String(port),
      ATELIER_DATA_DIR: dataDir,
      // Noting memories is one more generation per turn, in the background: measured on its own (bench/memory.ts).
      ATELIER_MEMORY_EXTRACT: "false",
    },
    // Not the checkout: an atelier.config.json there must not change what is measured.
    cwd: options.workDir,
    logFile,
  });
  await waitForStatus({ port, path: "/readyz", child, timeoutMs: 30_000 });
  return { child, port, logFile, dataDir, headers };
}

interface Conversation {
  id: string;
  turns: number;
  history: ChatMessage[];
}

interface LoadSetup {
  port: number;
  upstreamPort: number;
  agent: Agent;
  persona: string;
  http: http.Agent;
  /** Sent with every Atelier request (Authorization: Bearer <API key>). */
  headers: Record<string, string>;
}

async function newConversation(setup: LoadSetup): Promise<Conversation> {
  const { status, body } = await jsonRequest<ConversationWithMessages>({
    agent: setup.http,
    port: setup.port,
    method: "POST",
    path: "/api/conversations",
    body: { agentId: setup.agent.id },
    headers: setup.headers,
  });
  if (status !== 201) throw new Error(`creating a conversation: HTTP ${status}`);
  return { id: body.conversation.id, turns: 0, history: [] };
}

const REPLY_TEXT = replyPieces(UPSTREAM_REPLY_TOKENS).join("");

/** One Atelier turn; the conversation's history grows as the server's does. */
async function atelierTurn(setup: LoadSetup, conversation: Conversation, content: string) {
  const timing = await leanStreamRequest({
    agent: setup.http,
    port: setup.port,
    path: `/api/conversations/${conversation.id}/messages`,
    body: JSON.stringify({ content }),
    kind: "atelier",
    headers: setup.headers,
  });
  if (timing.status !== 200) throw new Error(`turn: HTTP ${timing.status}`);
  conversation.history.push({ role: "user", content }, { role: "assistant", content: REPLY_TEXT });
  conversation.turns += 1;
  return timing;
}

/** The request Atelier sends upstream for this turn, sent straight to the upstream. */
async function directTurn(setup: LoadSetup, conversation: Conversation, content: string) {
  const body = JSON.stringify({
    model: setup.agent.model.model ?? "bench-c1",
    messages: [{ role: "system", content: setup.persona }, ...conversation.history, { role: "user", content }],
    stream: true,
    stream_options: { include_usage: true },
    temperature: TEMPERATURE,
    max_tokens: AGENT_MAX_TOKENS,
  });
  const timing = await leanStreamRequest({ agent: setup.http, port: setup.upstreamPort, path: "/v1/chat/completions", body, kind: "openai" });
  if (timing.status !== 200) throw new Error(`direct upstream request: HTTP ${timing.status}`);
  return timing;
}

/**
 * Runs Atelier turns back to back from `conversations.length` workers: a warm-up of a fifth of the
 * window, then `seconds` of counted turns. The callbacks mark the counted window.
 */
async function driveTurns(options: {
  setup: LoadSetup;
  conversations: Conversation[];
  nextConversation: (index: number) => Promise<Conversation>;
  seconds: number;
  onWindowStart?: () => void;
  onWindowEnd?: () => void;
}): Promise<{ turns: number; seconds: number; latencies: number[]; ttfts: number[] }> {
  const latencies: number[] = [];
  const ttfts: number[] = [];
  let measuring = false;
  let stop = false;
  let turns = 0;
  const worker = async (index: number) => {
    let count = 0;
    while (!stop) {
      const conversation = await options.nextConversation(index);
      const timing = await atelierTurn(options.setup, conversation, USER_MESSAGES[count++ % USER_MESSAGES.length]!);
      if (measuring && !stop) {
        latencies.push(timing.totalMs);
        ttfts.push(timing.ttftMs);
        turns += 1;
      }
    }
  };
  const workers = options.conversations.map((_, index) => worker(index));
  await sleep(options.seconds * 200);
  measuring = true;
  options.onWindowStart?.();
  const started = performance.now();
  await sleep(options.seconds * 1000);
  const seconds = (performance.now() - started) / 1000;
  const counted = turns;
  stop = true;
  options.onWindowEnd?.();
  await Promise.all(workers);
  return { turns: counted, seconds, latencies, ttfts };
}

interface LevelResult {
  /** "disk" (the work folder) or "tmpfs" (/dev/shm: commits do not wait for the disk). */
  storage: string;
  chunking: number;
  concurrency: number;
  turns: number;
  seconds: number;
  turnsPerSecond: number;
  turnP50: number;
  turnP99: number;
  ttftP50: number;
  serverCpuMsPerTurn: number;
  serverCores: number;
  upstreamCores: number;
  loadGeneratorCores: number;
  serverRssPeakMiB: number;
  pairs: number;
  addedP50: number;
  addedP99: number;
  directP50: number;
  atelierPairedP50: number;
}

async function measureLevel(options: {
  setup: LoadSetup;
  stack: Stack;
  storage: string;
  chunking: number;
  concurrency: number;
  throughputSeconds: number;
  pairedSeconds: number;
}): Promise<LevelResult> {
  const { setup, stack, concurrency } = options;
  const serverPid = stack.server!.pid;
  const conversations = await Promise.all(Array.from({ length: concurrency }, () => newConversation(setup)));
  const nextConversation = async (index: number): Promise<Conversation> => {
    if (conversations[index]!.turns >= TURNS_PER_CONVERSATION) conversations[index] = await newConversation(setup);
    return conversations[index]!;
  };

  // Resource use over the counted window: CPU of each process (from /proc) and the server's peak RSS.
  let marks = { server: 0, upstream: 0, self: process.cpuUsage() };
  let used = { server: 0, upstream: 0, self: { user: 0, system: 0 } };
  let rssPeak = 0;
  let rssTimer: NodeJS.Timeout | undefined;
  const { turns, seconds, latencies, ttfts } = await driveTurns({
    setup,
    conversations,
    nextConversation,
    seconds: options.throughputSeconds,
    onWindowStart: () => {
      marks = { server: cpuTimeMs(serverPid), upstream: cpuTimeMs(stack.upstream.pid), self: process.cpuUsage() };
      rssPeak = rssMiB(serverPid);
      rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB(serverPid))), 250);
    },
    onWindowEnd: () => {
      clearInterval(rssTimer);
      used = {
        server: cpuTimeMs(serverPid) - marks.server,
        upstream: cpuTimeMs(stack.upstream.pid) - marks.upstream,
        self: process.cpuUsage(marks.self),
      };
    },
  });
  const serverCpuMs = used.server;
  const upstreamCpuMs = used.upstream;
  const selfCpu = used.self;

  // Added latency: each worker sends the same request straight upstream and through Atelier, in
  // alternating order, and records the difference.
  const added: number[] = [];
  const direct: number[] = [];
  const atelier: number[] = [];
  const deadline = performance.now() + options.pairedSeconds * 1000;
  const pairedWorker = async (index: number) => {
    let count = 0;
    while (performance.now() < deadline) {
      const conversation = await nextConversation(index);
      const content = USER_MESSAGES[count % USER_MESSAGES.length]!;
      let directMs: number;
      let atelierMs: number;
      if (count % 2 === 0) {
        directMs = (await directTurn(setup, conversation, content)).totalMs;
        atelierMs = (await atelierTurn(setup, conversation, content)).totalMs;
      } else {
        const history = [...conversation.history];
        atelierMs = (await atelierTurn(setup, conversation, content)).totalMs;
        directMs = (await directTurn(setup, { ...conversation, history }, content)).totalMs;
      }
      count += 1;
      added.push(atelierMs - directMs);
      direct.push(directMs);
      atelier.push(atelierMs);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => pairedWorker(index)));

  return {
    storage: options.storage,
    chunking: options.chunking,
    concurrency,
    turns,
    seconds,
    turnsPerSecond: turns / seconds,
    turnP50: percentile(latencies, 50),
    turnP99: percentile(latencies, 99),
    ttftP50: percentile(ttfts, 50),
    serverCpuMsPerTurn: serverCpuMs / turns,
    serverCores: serverCpuMs / 1000 / seconds,
    upstreamCores: upstreamCpuMs / 1000 / seconds,
    loadGeneratorCores: (selfCpu.user + selfCpu.system) / 1e6 / seconds,
    serverRssPeakMiB: rssPeak,
    pairs: added.length,
    addedP50: percentile(added, 50),
    addedP99: percentile(added, 99),
    directP50: median(direct),
    atelierPairedP50: median(atelier),
  };
}

async function createAgent(port: number, headers: Record<string, string>, model: string, handle: string): Promise<Agent> {
  const { status, body } = await jsonRequest<Agent>({
    port,
    method: "POST",
    path: "/api/agents",
    headers,
    body: {
      name: "Lily",
      handle,
      personality: "A cheerful storyteller who loves cats and gardens.",
      tone: "Warm and simple.",
      model: { model, temperature: TEMPERATURE, maxTokens: AGENT_MAX_TOKENS },
    },
  });
  if (status !== 201) throw new Error(`creating an agent: HTTP ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Holds OPEN_STREAMS replies open against the stalling upstream and reads the server's RSS. */
async function openStreams(context: BenchContext, stack: Stack, workDir: string) {
  const atelier = await startAtelier({ workDir, upstreamPort: stack.upstreamPort, name: "atelier-streams" });
  const pid = atelier.child.pid;
  const http1 = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const requests: http.ClientRequest[] = [];
  try {
    const agent = await createAgent(atelier.port, atelier.headers, "bench-stall", "lily-stall");
    const setup: LoadSetup = { port: atelier.port, upstreamPort: stack.upstreamPort, agent, persona: renderPersona(agent), http: http1, headers: atelier.headers };
    await sleep(500);
    const idleRss = rssMiB(pid);
    const conversations: Conversation[] = [];
    for (let batch = 0; batch < OPEN_STREAMS; batch += 100) {
      conversations.push(...(await Promise.all(Array.from({ length: Math.min(100, OPEN_STREAMS - batch) }, () => newConversation(setup)))));
    }
    await sleep(500);
    const beforeStreamsRss = rssMiB(pid);
    const started = performance.now();
    let open = 0;
    const opened: Promise<void>[] = [];
    for (let batch = 0; batch < OPEN_STREAMS; batch += 100) {
      const wave = conversations.slice(batch, batch + 100).map(
        (conversation) =>
          new Promise<void>((resolve, reject) => {
            leanStreamRequest({
              agent: http1,
              port: atelier.port,
              path: `/api/conversations/${conversation.id}/messages`,
              body: JSON.stringify({ content: "Tell me a story." }),
              kind: "atelier",
              headers: atelier.headers,
              onOpen: (request) => requests.push(request),
              onFirstContent: () => {
                open += 1;
                resolve();
              },
            }).catch((error: unknown) => {
              // Destroying the requests at the end rejects them; only earlier failures count.
              if (open < OPEN_STREAMS) reject(error instanceof Error ? error : new Error(String(error)));
            });
          }),
      );
      opened.push(...wave);
      await Promise.all(wave);
    }
    await Promise.all(opened);
    const openMs = performance.now() - started;
    await sleep(1_000);
    const healthStarted = performance.now();
    const health = await jsonRequest({ port: atelier.port, method: "GET", path: "/healthz" });
    const healthMs = performance.now() - healthStarted;
    const streamsRss = rssMiB(pid);
    await sleep(2_000);
    const streamsRssLater = rssMiB(pid);
    context.log(`server-overhead: ${open} streams open, server RSS ${streamsRss.toFixed(0)} MiB (idle ${idleRss.toFixed(0)} MiB)`);
    return { open, openMs, idleRss, beforeStreamsRss, streamsRss, streamsRssLater, healthStatus: health.status, healthMs };
  } finally {
    for (const request of requests) request.destroy();
    http1.destroy();
    await stopChild(atelier.child, 3_000);
  }
}

/**
 * Where the server's main thread spends a turn: a separate run of the server under --cpu-prof (which
 * slows it, so its turns/s are not reported) at concurrency 16, attributed to owners per turn.
 */
async function profiledRun(context: BenchContext, stack: Stack, workDir: string, seconds: number) {
  const profileDir = mkdtempSync(path.join(workDir, "profile-"));
  const atelier = await startAtelier({
    workDir,
    upstreamPort: stack.upstreamPort,
    name: "atelier-profiled",
    nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`],
  });
  const http1 = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  let window = { fromMicros: 0, toMicros: 0 };
  let turns = 0;
  try {
    const agent = await createAgent(atelier.port, atelier.headers, "bench-c1", "lily-profiled");
    const setup: LoadSetup = { port: atelier.port, upstreamPort: stack.upstreamPort, agent, persona: renderPersona(agent), http: http1, headers: atelier.headers };
    const conversations = await Promise.all(Array.from({ length: 16 }, () => newConversation(setup)));
    const nextConversation = async (index: number): Promise<Conversation> => {
      if (conversations[index]!.turns >= TURNS_PER_CONVERSATION) conversations[index] = await newConversation(setup);
      return conversations[index]!;
    };
    const result = await driveTurns({
      setup,
      conversations,
      nextConversation,
      seconds,
      onWindowStart: () => (window.fromMicros = monotonicMicros()),
      onWindowEnd: () => (window.toMicros = monotonicMicros()),
    });
    turns = result.turns;
  } finally {
    http1.destroy();
    // SIGTERM: the server closes gracefully and Node writes the profile on exit.
    await stopChild(atelier.child, 15_000);
  }
  const file = readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error("the profiled server wrote no .cpuprofile");
  const attribution = attributeProfile(path.join(profileDir, file), window);
  // Kept for a closer look (Chrome DevTools → Performance → Load profile); git-ignored like the results.
  mkdirSync(resultsDir, { recursive: true });
  copyFileSync(path.join(profileDir, file), path.join(resultsDir, "server-overhead.cpuprofile"));
  context.log(`server-overhead: profiled ${turns} turns, main thread ${attribution.busyMs.toFixed(0)} ms busy, ${attribution.idleMs.toFixed(0)} ms idle`);
  return { turns, attribution, window };
}

async function run(context: BenchContext): Promise<BenchOutcome> {
  const workDir = mkdtempSync(path.join(context.workDir, "server-overhead-"));
  const throughputSeconds = context.quick ? 3 : 8;
  const pairedSeconds = context.quick ? 2 : 5;
  const upstream = await startUpstream(workDir);
  const stack: Stack = { upstream: upstream.child, upstreamPort: upstream.port, server: undefined, serverPort: 0 };
  const results: LevelResult[] = [];
  try {
    // The main matrix on the local disk, as deployed; then concurrency 16 once more with the data
    // folder on tmpfs, where commits do not wait for fsync, to show what durability costs.
    const tmpfs = existsSync("/dev/shm") ? "/dev/shm" : undefined;
    const plans = [
      { storage: "disk", dataRoot: undefined, chunkings: [1, 8], levels: [...LEVELS] },
      ...(tmpfs ? [{ storage: "tmpfs", dataRoot: tmpfs, chunkings: [1], levels: [16] }] : []),
    ];
    let logLines = 0;
    for (const plan of plans) {
      const atelier = await startAtelier({ workDir, upstreamPort: upstream.port, name: `atelier-${plan.storage}`, dataRoot: plan.dataRoot });
      stack.server = atelier.child;
      stack.serverPort = atelier.port;
      const http1 = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
      try {
        for (const chunking of plan.chunkings) {
          const agent = await createAgent(atelier.port, atelier.headers, `bench-c${chunking}`, `lily-c${chunking}`);
          const setup: LoadSetup = { port: atelier.port, upstreamPort: upstream.port, agent, persona: renderPersona(agent), http: http1, headers: atelier.headers };
          for (const concurrency of plan.levels) {
            const result = await measureLevel({ setup, stack, storage: plan.storage, chunking, concurrency, throughputSeconds, pairedSeconds });
            results.push(result);
            context.log(
              `server-overhead: ${plan.storage}, ${chunking} token(s)/chunk, ${concurrency} concurrent: ${result.turnsPerSecond.toFixed(0)} turns/s, ` +
                `server ${result.serverCpuMsPerTurn.toFixed(2)} ms CPU/turn, added p50 ${result.addedP50.toFixed(2)} / p99 ${result.addedP99.toFixed(2)} ms`,
            );
          }
        }
      } finally {
        http1.destroy();
        await stopChild(atelier.child);
        stack.server = undefined;
        if (plan.dataRoot) rmSync(atelier.dataDir, { recursive: true, force: true });
      }
      if (plan.storage === "disk") logLines = readFileSync(atelier.logFile, "utf8").split("\n").length;
    }
    const streams = await openStreams(context, stack, workDir);
    const profiled = await profiledRun(context, stack, workDir, context.quick ? 2 : 4);

    const onDisk = results.filter((r) => r.storage === "disk" && r.chunking === 1);
    const primary = (concurrency: number) => onDisk.find((r) => r.concurrency === concurrency)!;
    const bestTurnsPerSecond = Math.max(...onDisk.map((r) => r.turnsPerSecond));
    const table: Table = {
      columns: [
        "data", "tokens/chunk", "concurrency", "turns/s", "turn p50 ms", "turn p99 ms", "TTFT p50 ms", "added p50 ms", "added p99 ms",
        "upstream alone p50 ms", "server CPU ms/turn", "cores: server / upstream / load gen", "server RSS peak MiB",
      ],
      rows: results.map((r) => [
        r.storage, r.chunking, r.concurrency, r.turnsPerSecond, r.turnP50, r.turnP99, r.ttftP50, r.addedP50, r.addedP99, r.directP50,
        r.serverCpuMsPerTurn, `${r.serverCores.toFixed(2)} / ${r.upstreamCores.toFixed(2)} / ${r.loadGeneratorCores.toFixed(2)}`, r.serverRssPeakMiB,
      ]),
    };
    const streamsTable: Table = {
      title: `${OPEN_STREAMS.toLocaleString("en-US")} open SSE streams (upstream stalls after its first chunk)`,
      columns: ["server RSS idle MiB", "with 1,000 conversations MiB", "with 1,000 open streams MiB", "2 s later MiB", "per stream KiB", "time to open all ms", "/healthz while open ms"],
      rows: [[
        streams.idleRss, streams.beforeStreamsRss, streams.streamsRss, streams.streamsRssLater,
        ((streams.streamsRss - streams.beforeStreamsRss) * 1024) / OPEN_STREAMS, streams.openMs, streams.healthMs,
      ]],
    };
    const { attribution } = profiled;
    const profileTable: Table = {
      title: `Where a turn's server main-thread time goes (separate run under --cpu-prof, 16 concurrent, 1 token/chunk, ${profiled.turns} turns)`,
      columns: ["owner", "ms per turn", "share"],
      rows: [
        ...[...attribution.byOwner.entries()]
          .filter(([, ms]) => ms / profiled.turns >= 0.01)
          .sort((left, right) => right[1] - left[1])
          .map(([owner, ms]): (string | number)[] => [owner, ms / profiled.turns, `${((100 * ms) / attribution.busyMs).toFixed(1)} %`]),
        ["total busy (idle: " + ((100 * attribution.idleMs) / (attribution.idleMs + attribution.busyMs)).toFixed(1) + " % of the window)", attribution.busyMs / profiled.turns, "100 %"],
      ],
    };
    return {
      notes: [
        "Three processes share the 2 cores: Atelier (`node bin/atelier.js serve`, default settings: log level info to a file, SQLite with synchronous=FULL on this disk; only the per-address rate limit on conversation routes is raised out of reach, the limiter still runs), the instant upstream (dist/bench/upstream.js) and this load generator (node:http keep-alive clients, light SSE scanning). The cores column shows what each used.",
        `A turn: POST /api/conversations/:id/messages, read as SSE up to message-end; each conversation takes ${TURNS_PER_CONVERSATION} turns, then a new one starts (its creation counts in turns/s). Replies are ${UPSTREAM_REPLY_TOKENS} word pieces.`,
        "Chunking: real servers (vLLM, llama.cpp server, Ollama) stream one token per SSE chunk, so 1 token/chunk is the realistic event count per reply; only the spacing is unrealistic (an instant upstream sends the whole reply at once). 8 tokens/chunk shows how much of the cost is per event (the openai client parses each event; Atelier writes each as an SSE event).",
        `Added latency: the same request (same messages and sampling) straight to the upstream and through Atelier, alternating order, ${pairedSeconds} s per level; added = Atelier turn − upstream alone, per pair. Turns/s: ${throughputSeconds} s of Atelier turns per level after a warm-up.`,
        `"data: tmpfs" repeats concurrency 16 with the data folder in /dev/shm: the same work without waiting for fsync (synchronous=FULL makes every commit wait for the disk; a turn commits 3 times).`,
        `Server log: ${logLines.toLocaleString("en-US")} lines at info level for the disk run.`,
      ],
      tables: [table, streamsTable, profileTable],
      targets: [
        target({ metric: "turns/s (best level, 1 token/chunk, disk)", measured: bestTurnsPerSecond, unit: "turns/s", comparison: ">=", threshold: 500 }),
        target({ metric: "added latency p99 at concurrency 16 (1 token/chunk, disk)", measured: primary(16).addedP99, unit: "ms", comparison: "<=", threshold: 25 }),
        target({ metric: "server RSS with 1,000 open SSE streams", measured: streams.streamsRss, unit: "MiB", comparison: "<=", threshold: 300 }),
      ],
      data: {
        results,
        streams,
        profile: { turns: profiled.turns, busyMs: attribution.busyMs, idleMs: attribution.idleMs, byOwnerMs: Object.fromEntries(attribution.byOwner) },
        throughputSeconds, pairedSeconds, replyTokens: UPSTREAM_REPLY_TOKENS },
    };
  } finally {
    await stopChild(upstream.child);
  }
}

export const serverOverhead: Benchmark = {
  name: "server-overhead",
  title: "Atelier server on an instant OpenAI-compatible upstream",
  run,
};
