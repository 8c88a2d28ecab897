import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import type { KnowledgeSearchResult, KnowledgeSource } from "../../contracts/index.js";
import type { CliContext } from "../context.js";
import { runCli } from "../program.js";
import { captureStream } from "../testing/fixtures.js";

const dir = mkdtempSync(path.join(tmpdir(), "atelier-cli-knowledge-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
};

function source(fields: Partial<KnowledgeSource> & Pick<KnowledgeSource, "id" | "name">): KnowledgeSource {
  return {
    agentId: "agt_1",
    title: fields.name,
    format: "markdown",
    origin: "upload",
    url: null,
    bytes: 2048,
    sha256: "0".repeat(64),
    status: "queued",
    progress: { phase: "waiting", done: 0, total: 0 },
    error: null,
    chunkCount: 0,
    embeddingModel: null,
    createdAt: "2025-01-02T03:04:05.000Z",
    updatedAt: "2025-01-02T03:04:05.000Z",
    ...fields,
  };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

type Route = (request: Request) => Response | Promise<Response>;

/** Answers "METHOD /path" routes in-process through the client's fetch; multipart bodies arrive as real FormData. */
async function cli(argv: string[], options: { routes?: Record<string, Route>; stdin?: string; stdinIsTTY?: boolean; stderrIsTTY?: boolean } = {}) {
  const requests: { route: string; request: Request }[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    const route = `${request.method} ${new URL(request.url).pathname}`;
    requests.push({ route, request: request.clone() });
    const handler = options.routes?.[route];
    return handler ? handler(request) : json(404, { error: { code: "not_found", message: `No route ${route}.` } });
  };
  const stdout = captureStream();
  const stderr = Object.assign(captureStream(), { isTTY: options.stderrIsTTY ?? false });
  const stdin = Object.assign(new PassThrough(), { isTTY: options.stdinIsTTY ?? false });
  stdin.end(options.stdin ?? "");
  const context: CliContext = { stdin, stdout, stderr, env: { ATELIER_URL: "http://atelier.test" }, fetch: fetch as typeof globalThis.fetch };
  const code = await runCli({ argv, context });
  return { code, stdout: stdout.text(), stderr: stderr.text(), requests };
}

/** Each call answers the next list, then keeps answering the last. */
function listings(...lists: KnowledgeSource[][]): Route {
  return () => json(200, { sources: lists.length > 1 ? lists.shift() : lists[0] });
}

const uploadedNames = async (request: Request) => (await request.formData()).getAll("files").map((part) => (part as File).name);

describe("atelier knowledge add", () => {
  it("names a refused file and a failed source, shows both in the summary and exits 1", async () => {
    const faq = source({ id: "src_faq", name: "faq.md" });
    const scan = source({ id: "src_scan", name: "scan.pdf", format: "pdf" });
    const { code, stdout, stderr, requests } = await cli(["knowledge", "add", "ada", file("faq.md", "# FAQ"), file("scan.pdf", "%PDF"), file("tool.exe", "MZ")], {
      routes: {
        "POST /api/agents/ada/knowledge": () =>
          json(201, { sources: [faq, scan], rejected: [{ name: "tool.exe", code: "unsupported_media_type", message: '"tool.exe" is not a supported file type.' }] }),
        "GET /api/agents/ada/knowledge": listings([
          { ...faq, status: "ready", chunkCount: 12, progress: { phase: "done", done: 12, total: 12 } },
          { ...scan, status: "failed", error: "The PDF has no text layer (a scan?)." },
        ]),
      },
    });
    expect(code).toBe(1);
    expect(await uploadedNames(requests[0]!.request)).toEqual(["faq.md", "scan.pdf", "tool.exe"]);
    expect(stderr).toContain(`not added: ${path.join(dir, "tool.exe")}: "tool.exe" is not a supported file type.\n`);
    expect(stderr).toContain("scan.pdf failed: The PDF has no text layer (a scan?).\n");
    expect(stderr).toMatch(/1 not added, 1 failed to index\.\n$/);
    expect(stdout).toMatch(/^NAME +STATUS +CHUNKS +ERROR\n/);
    expect(stdout).toMatch(/^faq\.md +ready +12\n/m);
    expect(stdout).toMatch(/^scan\.pdf +failed +0 +The PDF has no text layer \(a scan\?\)\.$/m);
    expect(stdout).toMatch(/tool\.exe +not added +- +"tool\.exe" is not a supported file type\.$/m);
  });

  it("without a terminal prints a line per phase and per finished source", async () => {
    const faq = source({ id: "src_faq", name: "faq.md" });
    const prices = source({ id: "src_prices", name: "prices.csv", format: "csv" });
    const { code, stderr } = await cli(["knowledge", "add", "ada", file("faq.md", "# FAQ"), file("prices.csv", "a,b\n1,2\n")], {
      routes: {
        "POST /api/agents/ada/knowledge": () => json(201, { sources: [faq, prices], rejected: [] }),
        "GET /api/agents/ada/knowledge": listings(
          [{ ...faq, status: "indexing", progress: { phase: "embedding", done: 120, total: 400 } }, prices],
          [{ ...faq, status: "ready", chunkCount: 400 }, { ...prices, status: "ready", chunkCount: 2 }],
        ),
      },
    });
    expect(code).toBe(0);
    expect(stderr).toBe("faq.md embedding 120/400\n[1/2] faq.md ready, 400 passage(s)\n[2/2] prices.csv ready, 2 passage(s)\n");
  });

  it("on a terminal draws a bar naming the source being indexed", async () => {
    const faq = source({ id: "src_faq", name: "faq.md" });
    const { code, stderr } = await cli(["knowledge", "add", "ada", file("faq.md", "# FAQ")], {
      stderrIsTTY: true,
      routes: {
        "POST /api/agents/ada/knowledge": () => json(201, { sources: [faq], rejected: [] }),
        "GET /api/agents/ada/knowledge": listings(
          [{ ...faq, status: "indexing", progress: { phase: "embedding", done: 120, total: 400 } }],
          [{ ...faq, status: "ready", chunkCount: 400 }],
        ),
      },
    });
    expect(code).toBe(0);
    expect(stderr).toContain("0/1 sources | faq.md embedding 120/400");
    expect(stderr).toContain("1/1 sources | done");
  });

  it("reports a missing file and a directory by name while the other files upload", async () => {
    const notes = source({ id: "src_notes", name: "notes.txt", format: "text", status: "ready", chunkCount: 1 });
    mkdirSync(path.join(dir, "folder"), { recursive: true });
    const { code, stdout, stderr, requests } = await cli(["knowledge", "add", "ada", path.join(dir, "missing.md"), path.join(dir, "folder"), file("notes.txt", "hello")], {
      routes: { "POST /api/agents/ada/knowledge": () => json(201, { sources: [notes], rejected: [] }) },
    });
    expect(code).toBe(1);
    expect(await uploadedNames(requests[0]!.request)).toEqual(["notes.txt"]);
    expect(stderr).toContain(`not added: ${path.join(dir, "missing.md")}: no such file\n`);
    expect(stderr).toContain(`not added: ${path.join(dir, "folder")}: is a directory\n`);
    expect(stdout).toMatch(/^notes\.txt +ready +1\n/m);
  });

  it("names each file when the server refuses a whole batch, and adds --page URLs", async () => {
    const page = source({ id: "src_page", name: "https://example.com/faq", format: "html", origin: "url", url: "https://example.com/faq" });
    const { code, stdout, stderr, requests } = await cli(["knowledge", "add", "ada", file("empty.md", ""), "--page", "https://example.com/faq", "--no-wait"], {
      routes: {
        "POST /api/agents/ada/knowledge": () =>
          json(400, { error: { code: "bad_request", message: '"empty.md" is empty.', issues: [{ path: "empty.md", message: '"empty.md" is empty.' }] } }),
        "POST /api/agents/ada/knowledge/url": () => json(201, page),
      },
    });
    expect(code).toBe(1);
    expect(stderr).toContain(`not added: ${path.join(dir, "empty.md")}: "empty.md" is empty.\n`);
    expect(await requests[1]!.request.json()).toEqual({ url: "https://example.com/faq" });
    expect(stdout).toMatch(/^https:\/\/example\.com\/faq +queued +-\n/m);
    expect(stdout).toContain("Follow it with: atelier knowledge list ada\n");
    expect(requests.map((request) => request.route)).not.toContain("GET /api/agents/ada/knowledge");
  });

  it("stops at an error that is not about one file", async () => {
    const { code, stderr } = await cli(["knowledge", "add", "nobody", file("faq.md", "# FAQ")]);
    expect(code).toBe(1);
    expect(stderr).toBe("error: No route POST /api/agents/nobody/knowledge. (not_found)\n");
  });
});

describe("atelier knowledge list, search, remove, reindex", () => {
  const sources = [
    source({ id: "src_faq", name: "faq.md", status: "ready", chunkCount: 12 }),
    source({ id: "src_big", name: "manual.pdf", format: "pdf", bytes: 3 * 1024 * 1024, status: "indexing", progress: { phase: "embedding", done: 5, total: 80 } }),
  ];
  const list = { "GET /api/agents/ada/knowledge": () => json(200, { sources }) };

  it("list prints a table, or JSON", async () => {
    const table = await cli(["knowledge", "list", "ada"], { routes: list });
    expect(table.stdout).toBe(
      "NAME        FORMAT    STATUS          CHUNKS  SIZE    UPDATED\n" +
        "faq.md      markdown  ready           12      2.0 KB  2025-01-02 03:04 UTC\n" +
        "manual.pdf  pdf       embedding 5/80  0       3.0 MB  2025-01-02 03:04 UTC\n",
    );
    const asJson = await cli(["knowledge", "ls", "ada", "--json"], { routes: list });
    expect(asJson.code).toBe(0);
    expect(JSON.parse(asJson.stdout)).toEqual(sources);
  });

  it("search prints ranked passages with source name and heading", async () => {
    const result: KnowledgeSearchResult = {
      mode: "lexical",
      tookMs: 3.2,
      passages: [
        { chunkId: "c1", sourceId: "src_faq", sourceName: "faq.md", sourceTitle: "Bakery FAQ", heading: "Opening hours", text: "We open at 7\nin the morning.", position: 0, score: 0.03, lexicalRank: 1, vectorRank: null },
        { chunkId: "c2", sourceId: "src_faq", sourceName: "faq.md", sourceTitle: "Bakery FAQ", heading: "", text: "x".repeat(300), position: 1, score: 0.02, lexicalRank: 2, vectorRank: null },
      ],
    };
    const { code, stdout, requests } = await cli(["knowledge", "search", "ada", "when", "do", "you", "open?", "--limit", "2"], {
      routes: { "GET /api/agents/ada/knowledge/search": () => json(200, result) },
    });
    expect(code).toBe(0);
    expect(new URL(requests[0]!.request.url).search).toBe("?q=when+do+you+open%3F&limit=2");
    expect(stdout).toBe(
      "1. faq.md › Opening hours\n   We open at 7 in the morning.\n\n" +
        `2. faq.md\n   ${"x".repeat(239)}…\n\n` +
        "2 passage(s), lexical search, 3 ms\n",
    );
    const bad = await cli(["knowledge", "search", "ada", "hours", "--limit", "0"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Use a whole number from 1 to 50.");
  });

  it("remove finds the source by name and deletes it by id with --yes", async () => {
    const { code, stdout, requests } = await cli(["knowledge", "remove", "ada", "manual.pdf", "--yes"], {
      routes: { ...list, "DELETE /api/agents/ada/knowledge/src_big": () => new Response(null, { status: 204 }) },
    });
    expect(code).toBe(0);
    expect(stdout).toBe("Removed manual.pdf.\n");
    expect(requests.map((request) => request.route)).toEqual(["GET /api/agents/ada/knowledge", "DELETE /api/agents/ada/knowledge/src_big"]);
  });

  it("remove refuses without --yes when stdin is not a terminal, and names an unknown source", async () => {
    const unconfirmed = await cli(["knowledge", "rm", "ada", "faq.md"], { routes: list });
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toBe("error: Refusing to remove without confirmation: stdin is not a terminal. Pass --yes. (bad_request)\n");
    expect(unconfirmed.requests.map((request) => request.request.method)).toEqual(["GET"]);
    const unknown = await cli(["knowledge", "rm", "ada", "nope.md", "--yes"], { routes: list });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: ada has no knowledge source "nope.md". See: atelier knowledge list ada (not_found)\n');
  });

  it("remove asks on a terminal and keeps the source on no", async () => {
    const { code, stderr, requests } = await cli(["knowledge", "rm", "ada", "src_faq"], { routes: list, stdin: "n\n", stdinIsTTY: true });
    expect(code).toBe(0);
    expect(stderr).toContain("Remove faq.md (12 passage(s)) from ada's knowledge? [y/N] ");
    expect(stderr).toContain("Nothing removed.\n");
    expect(requests.map((request) => request.request.method)).toEqual(["GET"]);
  });

  it("reindex queues the source again and waits for it", async () => {
    const { code, stdout, stderr } = await cli(["knowledge", "reindex", "ada", "faq.md"], {
      routes: {
        "GET /api/agents/ada/knowledge": listings(sources, [{ ...sources[0]!, status: "ready", chunkCount: 14 }]),
        "POST /api/agents/ada/knowledge/src_faq/reindex": () => json(202, { ...sources[0], status: "queued", chunkCount: 0 }),
      },
    });
    expect(code).toBe(0);
    expect(stderr).toBe("[1/1] faq.md ready, 14 passage(s)\n");
    expect(stdout).toMatch(/^faq\.md +ready +14\n/m);
  });
});
