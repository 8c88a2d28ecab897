import { createHash } from "node:crypto";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { RouteSpec } from "../src/server/route.js";
import { routeTable } from "../src/server/app.js";
import { buildWorld, type World } from "./support/route-fixtures.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";

/*
 * Malformed, oversized and wrongly typed input to every route in the route table, as a signed-in
 * owner (so requests get past authentication to validation) and as nobody. Nothing may answer 5xx,
 * and the database must be byte-for-byte the same afterwards: bad input changes nothing.
 */

const WRONG_VALUES: unknown[] = [123, -1, 1.5, "x", "", true, null, [], {}, [1, "a"], { nested: { deep: [null] } }, "💥".repeat(50_000), 1e308];
const JUNK_IDS = ["x".repeat(5_000), "%00", "..%2F..%2Fetc%2Fpasswd", "' OR 1=1 --", "%F0%9F%92%A5", "-1", "0", "NaN", "%20"];
const MALFORMED_JSON = ['{"a":', "[1,2", "nul", '{"a":1}}', "\u0000", '"unterminated', "{'single':1}"];
/** Valid JSON that no route takes as its body (routes without a body take none, or {}). */
const WRONG_SHAPES = ["null", "[]", "42", '"text"', "true", '{"unexpected":1}'];

let server: TestServer;
let world: World;

beforeAll(async () => {
  server = await startTestServer({ config: { rateLimits: { login: { max: 0 }, public: { max: 0 } } } });
  world = await buildWorld(server.services.store);
  // Credentials record their first use; do it now so the snapshot already holds it.
  for (const headers of [world.headers.owner, { authorization: `Bearer ${world.ownerKey}` }]) {
    expect((await fetch(`${server.url}/api/agents`, { headers })).status).toBe(200);
  }
});
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
});

/** Every row of every table, hashed per table: any insert, update or delete changes it. */
function databaseFingerprint(): Record<string, string> {
  const database = new Database(path.join(server.dataDir, "atelier.db"), { readonly: true });
  try {
    // Virtual tables (full-text, vectors) keep their rows in shadow tables, which are listed; some of
    // those are WITHOUT ROWID, so rows are put in order here rather than by rowid.
    const tables = database.prepare("select name from sqlite_master where type = 'table' and sql not like 'CREATE VIRTUAL%' order by name").pluck().all() as string[];
    return Object.fromEntries(tables.map((table) => {
      const rows = (database.prepare(`select * from "${table}"`).all() as Record<string, unknown>[])
        .map((row) => JSON.stringify(withoutUseTimes(table, row), (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString("hex") : value)))
        .sort();
      return [table, `${rows.length} rows, ${createHash("sha256").update(rows.join("\n")).digest("hex").slice(0, 16)}`];
    }));
  } finally {
    database.close();
  }
}

/**
 * Credentials record when they were last used (and sessions slide their expiry) at most once a
 * minute per credential, so a run longer than a minute touches them: bookkeeping of the requests
 * themselves, not data any input could change, so they are left out of the comparison.
 */
function withoutUseTimes(table: string, row: Record<string, unknown>): Record<string, unknown> {
  const { last_used_at: _used, last_seen_at: _seen, ...rest } = row;
  if (table === "sessions") delete rest.expires_at;
  return rest;
}

interface FuzzRequest {
  url: string;
  body?: string;
  contentType?: string;
}

/** The route's URL with the world's real ids, so a request fails on what it sends, not on a missing resource. */
function realUrl(spec: RouteSpec): string {
  const ids: Record<string, string> = { id: spec.url.startsWith("/api/conversations") ? world.visitorConversation : world.privateAgent, messageId: world.visitorGreeting, version: "1" };
  if (spec.url.startsWith("/api/keys")) ids.id = world.ownerKeyId;
  if (spec.url.startsWith("/api/admin/users")) ids.id = world.otherId;
  return spec.url.replace(/:(\w+)/g, (_, name: string) => ids[name] ?? "x");
}

/** Bodies the route's schema rejects: each field set to each wrong type, unknown fields, wrong top-level types. */
function invalidBodies(schema: z.ZodType): unknown[] {
  const described = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as { properties?: Record<string, unknown> };
  const candidates: unknown[] = [[], "text", 42, null, true, { unexpected: 1 }, { ["a".repeat(10_000)]: 1 }];
  for (const property of Object.keys(described.properties ?? {})) {
    for (const value of WRONG_VALUES) candidates.push({ [property]: value });
  }
  return candidates.filter((body) => !schema.safeParse(body).success);
}

function requestsFor(spec: RouteSpec): FuzzRequest[] {
  const requests: FuzzRequest[] = [];
  const url = realUrl(spec);
  if (spec.method !== "GET") {
    for (const text of [...MALFORMED_JSON, ...WRONG_SHAPES]) requests.push({ url, body: text, contentType: "application/json" });
    requests.push({ url, body: "content=hello", contentType: "application/x-www-form-urlencoded" });
    requests.push({ url, body: JSON.stringify({ content: "x".repeat(2 * 1024 * 1024) }), contentType: "application/json" });
    requests.push({ url, body: `${"[".repeat(5_000)}${"]".repeat(5_000)}`, contentType: "application/json" });
  }
  if (spec.body) {
    for (const body of invalidBodies(spec.body)) requests.push({ url, body: JSON.stringify(body), contentType: "application/json" });
  }
  if (spec.params && spec.method !== "GET") {
    // Junk ids on writes: they must be refused (400/404) without touching anything.
    for (const junk of JUNK_IDS) requests.push({ url: spec.url.replace(/:(\w+)/g, junk), ...(spec.body ? { body: "{}", contentType: "application/json" } : {}) });
  }
  if (spec.params && spec.method === "GET") {
    for (const junk of JUNK_IDS) requests.push({ url: spec.url.replace(/:(\w+)/g, junk) });
  }
  if (spec.query) {
    for (const query of ["limit=-1", "limit=abc", "limit=1e9", "before=" + "z".repeat(500), "limit=1&limit=2", "lastEventId=-5", "agentId[]=x"]) requests.push({ url: `${url}?${query}` });
  }
  return requests;
}

describe("fuzzing every route", () => {
  it("never answers 5xx and never changes the database", { timeout: 300_000 }, async () => {
    const before = databaseFingerprint();
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    const callers: Record<string, Record<string, string>> = {
      owner: world.headers.owner,
      key: { authorization: `Bearer ${world.ownerKey}` },
      nobody: {},
    };
    for (const spec of routeTable(server.services)) {
      for (const request of requestsFor(spec)) {
        for (const [caller, headers] of Object.entries(callers)) {
          const response = await fetch(server.url + request.url, {
            method: spec.method,
            headers: { ...headers, ...(request.contentType ? { "content-type": request.contentType } : {}) },
            ...(request.body === undefined ? {} : { body: request.body }),
          });
          const text = await response.text();
          sent++;
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const label = `${spec.method} ${request.url.slice(0, 80)} as ${caller} (${(request.body ?? "").slice(0, 60)})`;
          if (response.status >= 500) failures.push(`${label}: ${response.status} ${text.slice(0, 200)}`);
          else if (response.status < 400 && spec.method !== "GET") failures.push(`${label}: ${response.status}, accepted bad input`);
          // Everything refused says why, as an error body with a code.
          else if (response.status >= 400 && !/"code":"[a-z_]+"/.test(text)) failures.push(`${label}: ${response.status} without an error body`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(databaseFingerprint()).toEqual(before);
    const fiveXx = [...statuses].filter(([status]) => status >= 500).reduce((sum, [, count]) => sum + count, 0);
    console.info(`fuzz: ${sent} requests, 5xx: ${fiveXx}, statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  });
});
