/**
 * publish: what a visitor on the share page waits for. Atelier (its own process, `atelier serve` on the
 * embedded engine with the tiny model) is driven over HTTP the way the share page drives it: a visitor
 * cookie with its CSRF token, POST /api/conversations/:id/messages, the reply as SSE. Measured from just
 * before the request to the first streamed token, side by side (interleaved) with the owner's own
 * studio chat on the same agent, so the cost of the publish path (visitor identity, pinned version,
 * quotas, events) is a ratio of two numbers taken in one run. Also the widget bundle's gzipped size.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { Benchmark, BenchContext } from "./lib/benchmark.js";
import { bearer, seedBenchApiKeyInDataDir } from "./lib/auth.js";
import { repoRoot } from "./lib/environment.js";
import { freePort, spawnNode, stopChild, waitForStatus } from "./lib/processes.js";
import { target, type BenchOutcome } from "./lib/report.js";
import { fetchTurn } from "./lib/sse-client.js";
import { median, percentile } from "./lib/stats.js";

const QUESTIONS = ["Hello!", "Tell me a story.", "What happened next?", "Who was there?", "How did it end?", "Thank you!"];
const MAX_TOKENS = 24;
/** Messages per conversation before a new one starts, so prompts stay short and alike for both paths. */
const TURNS_PER_CONVERSATION = 6;

interface Path {
  name: string;
  headers: Record<string, string>;
  newConversation(): Promise<string>;
}

async function json<T>(base: string, method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<{ response: Response; body: T }> {
  const response = await fetch(base + url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: HTTP ${response.status} ${text}`);
  return { response, body: (text ? JSON.parse(text) : undefined) as T };
}

async function run(context: BenchContext): Promise<BenchOutcome> {
  const turns = context.quick ? 12 : 120;
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(context.workDir, "publish-data-"));
  const owner = bearer(await seedBenchApiKeyInDataDir(dataDir));
  // One visitor sends every message from one address: the per-address limit on public routes (120 a
  // minute) would refuse the benchmark, so it is off here, as are the agent's own visitor limits below.
  const configFile = path.join(context.workDir, "publish-config.json");
  // Noting memories after each turn is one more generation in the background, measured on its own (bench/memory.ts).
  writeFileSync(configFile, JSON.stringify({ rateLimits: { public: { max: 0 } }, memory: { extract: false } }));
  const child = spawnNode({
    args: [path.join(repoRoot, "bin/atelier.js"), "serve"],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ATELIER_MODEL: context.modelPath,
      ATELIER_THREADS: String(context.threads),
      ATELIER_HOST: "127.0.0.1",
      ATELIER_PORT: String(port),
      ATELIER_DATA_DIR: dataDir,
      ATELIER_LOG_LEVEL: "warn",
      ATELIER_CONFIG: configFile,
    },
    cwd: context.workDir,
    logFile: path.join(context.workDir, "publish-server.log"),
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForStatus({ port, path: "/readyz", child, timeoutMs: 120_000 });
    const agent = (await json<{ id: string; handle: string }>(base, "POST", "/api/agents", owner, {
      name: "Lily",
      personality: "A cheerful storyteller.",
      greetings: ["Hi! Want a story?"],
      model: { temperature: 0.8, maxTokens: MAX_TOKENS },
    })).body;
    await json(base, "POST", `/api/agents/${agent.id}/publish`, owner, { visibility: "public" });
    // The default visitor limits (10 a minute) would refuse a benchmark: turn them off.
    await json(base, "PATCH", `/api/agents/${agent.id}/publishing`, owner, {
      limits: { visitorPerMinute: 0, visitorPerDay: 0, agentPerMinute: 0, agentPerDay: 0 },
    });

    // A share-page visitor: the httpOnly cookie the page gets, and the CSRF token it sends on writes.
    const visitorResponse = await json<{ csrfToken: string }>(base, "POST", "/api/visitors", {});
    const cookie = (visitorResponse.response.headers.get("set-cookie") ?? "").split(";")[0]!;
    const visitorHeaders = { cookie, "x-csrf-token": visitorResponse.body.csrfToken, origin: base };
    const paths: Path[] = [
      {
        name: "share page (visitor)",
        headers: visitorHeaders,
        newConversation: async () =>
          (await json<{ conversation: { id: string } }>(base, "POST", "/api/conversations", visitorHeaders, { agentId: agent.handle, channel: "share" })).body.conversation.id,
      },
      {
        name: "studio chat (owner)",
        headers: owner,
        newConversation: async () =>
          (await json<{ conversation: { id: string } }>(base, "POST", "/api/conversations", owner, { agentId: agent.id })).body.conversation.id,
      },
    ];

    // Warm-up: the model's first turns pay for allocations that later ones do not.
    for (const p of paths) {
      const id = await p.newConversation();
      await fetchTurn(`${base}/api/conversations/${id}/messages`, { content: "Hello!" }, p.headers);
    }
    const ttft = new Map<string, number[]>(paths.map((p) => [p.name, []]));
    const conversations = new Map<string, string>();
    for (let turn = 0; turn < turns; turn++) {
      // Interleaved, so both paths see the same machine at the same moments.
      for (const p of paths) {
        if (turn % TURNS_PER_CONVERSATION === 0) conversations.set(p.name, await p.newConversation());
        const id = conversations.get(p.name)!;
        const timing = await fetchTurn(`${base}/api/conversations/${id}/messages`, { content: QUESTIONS[turn % QUESTIONS.length] }, p.headers);
        ttft.get(p.name)!.push(timing.ttftMs);
      }
      if ((turn + 1) % 20 === 0) context.log(`publish: ${turn + 1}/${turns} turns per path`);
    }

    const visitor = ttft.get(paths[0]!.name)!;
    const studio = ttft.get(paths[1]!.name)!;
    const widget = path.join(repoRoot, "dist/public/widget.js");
    const widgetBytes = existsSync(widget) ? readFileSync(widget) : undefined;
    const widgetGzip = widgetBytes ? gzipSync(widgetBytes, { level: 9 }).length : Number.NaN;
    const ratio = percentile(visitor, 95) / percentile(studio, 95);
    return {
      notes: [
        `${turns} turns per path on the tiny model (${path.basename(context.modelPath)}, ${context.threads} thread(s)), replies of at most ${MAX_TOKENS} tokens, a new conversation every ${TURNS_PER_CONVERSATION} turns, the two paths interleaved.`,
        "Time to first token: from just before the POST to the first text-delta event, as the share page receives it (HTTP, SSE parsing included).",
      ],
      tables: [
        {
          title: "Visitor's message to first streamed token",
          columns: ["path", "p50 ms", "p95 ms", "max ms"],
          rows: [...ttft].map(([name, values]) => [name, round(median(values)), round(percentile(values, 95)), round(Math.max(...values))]),
        },
        {
          title: "Widget bundle",
          columns: ["file", "bytes", "gzipped bytes"],
          rows: [["dist/public/widget.js", widgetBytes?.length ?? "missing (build first)", Number.isFinite(widgetGzip) ? widgetGzip : "missing"]],
        },
      ],
      targets: [
        target({ metric: "share page p95 time to first token ÷ studio chat p95 (same agent, same run)", measured: round(ratio, 2), comparison: "<=", threshold: 1.25 }),
        target({ metric: "widget bundle, gzipped", measured: widgetGzip, unit: "bytes", comparison: "<=", threshold: 20_000 }),
      ],
      data: { ttft: Object.fromEntries(ttft), widgetBytes: widgetBytes?.length ?? null, widgetGzip },
    };
  } finally {
    await stopChild(child);
  }
}

function round(value: number, decimals = 1): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export const publish: Benchmark = {
  name: "publish",
  title: "Publish: a visitor's message to the first streamed token over the share page, and the widget's size",
  run,
};
