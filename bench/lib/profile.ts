/**
 * Attributes a V8 CPU profile (node --cpu-prof) to coarse owners: our layers, the libraries they call,
 * Node's own HTTP and stream machinery. Native frames (no URL) and Node internals count toward the
 * nearest caller on the stack that has an owner, so a socket write made for Fastify counts as Fastify's.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const OWNERS: [RegExp, string][] = [
  [/node-llama-cpp|lifecycle-utils/, "node-llama-cpp"],
  [/\/(kysely|better-sqlite3)\//, "SQLite store: better-sqlite3 + Kysely (library)"],
  [/\/src\/store\//, "SQLite store: src/store"],
  [/\/openai\//, "openai client (library)"],
  [/undici|node:internal\/webstreams|node:internal\/deps\/undici/, "fetch / undici / web streams (used by the openai client)"],
  [/\/src\/engine\//, "Atelier engine adapter: src/engine"],
  [/\/src\/runtime\//, "Atelier runtime: src/runtime"],
  [/\/src\/server\//, "Atelier server: src/server"],
  [/\/(fastify|@fastify|find-my-way|avvio|light-my-request|fast-json-stringify|fast-querystring|pino|sonic-boom|thread-stream|process-warning|abstract-logging|rfdc|secure-json-parse|toad-cache)\//, "Fastify + pino (library)"],
  [/\/zod\//, "zod (library)"],
  [/\/src\/contracts\//, "Atelier contracts: src/contracts"],
];

function ownerOf(url: string): string | undefined {
  for (const [pattern, owner] of OWNERS) if (pattern.test(url)) return owner;
  return undefined;
}

export interface Attribution {
  /** Milliseconds of main-thread time per owner within the window. */
  byOwner: Map<string, number>;
  busyMs: number;
  idleMs: number;
}

/** Samples between `fromMicros` and `toMicros` (V8 profile clock; CLOCK_MONOTONIC on Linux, as process.hrtime). */
export function attributeProfile(file: string, window?: { fromMicros: number; toMicros: number }): Attribution {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const ownerCache = new Map<number, string>();
  const resolveOwner = (id: number): string => {
    const cached = ownerCache.get(id);
    if (cached) return cached;
    const node = byId.get(id)!;
    const name = node.callFrame.functionName;
    let owner: string | undefined;
    if (name === "(garbage collector)") owner = "garbage collector";
    else if (name === "(program)") owner = "V8 / native, no JS frame";
    else {
      for (let current: number | undefined = id; current !== undefined && !owner; current = parentOf.get(current)) {
        owner = ownerOf(byId.get(current)!.callFrame.url);
      }
      owner ??= "Node.js internals (HTTP, sockets, timers) with no library frame above";
    }
    ownerCache.set(id, owner);
    return owner;
  };
  const byOwner = new Map<string, number>();
  let busyMs = 0;
  let idleMs = 0;
  let time = profile.startTime;
  for (let index = 0; index < profile.samples.length; index++) {
    time += profile.timeDeltas[index] ?? 0;
    if (window && (time < window.fromMicros || time > window.toMicros)) continue;
    const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000;
    const id = profile.samples[index]!;
    if (byId.get(id)!.callFrame.functionName === "(idle)") {
      idleMs += ms;
      continue;
    }
    const owner = resolveOwner(id);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + ms);
    busyMs += ms;
  }
  return { byOwner, busyMs, idleMs };
}

/** The monotonic clock V8's profiler uses, in microseconds. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
