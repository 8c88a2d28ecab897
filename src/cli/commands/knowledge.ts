import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Writable } from "node:stream";
import cliProgress from "cli-progress";
import { Command, InvalidArgumentError } from "commander";
import type { AtelierClient } from "../../client/http-client.js";
import { AtelierError, type KnowledgeSource, type KnowledgeSearchResult, type RejectedFile } from "../../contracts/index.js";
import { confirm } from "../confirm.js";
import { clientFor, type CliContext } from "../context.js";
import { formatBytes, formatTable, formatTimestamp, truncate } from "../format.js";
import { ExitCode } from "../report-error.js";

/** The server takes at most 100 files per upload; the byte cap keeps one request (held in memory) moderate. */
const MAX_FILES_PER_BATCH = 100;
const MAX_BYTES_PER_BATCH = 64 * 1024 * 1024;
const POLL_INTERVAL_MS = 500;
/** Codes that refuse one page or file; anything else (no such agent, no access, server down) stops the command. */
const REFUSALS = new Set(["bad_request", "validation_failed", "unsupported_media_type", "payload_too_large", "document_unreadable"]);

interface LocalFile {
  path: string;
  name: string;
  bytes: number;
}

/** What became of one input: a source on the server, or a reason it never got there. */
type Outcome = { source: KnowledgeSource } | { refused: RejectedFile };

const isFinished = (source: KnowledgeSource) => source.status === "ready" || source.status === "failed";

export function registerKnowledgeCommands(program: Command, context: CliContext): void {
  const knowledge = program
    .command("knowledge")
    .description("Give an agent documents and web pages to answer from")
    .addHelpText("after", "\n<agent> is an agent's handle (e.g. ada) or its id; <source> is a source's name (faq.md) or id.");

  knowledge
    .command("add")
    .argument("<agent>", "handle or id")
    .argument("[files...]", ".txt, .md, .html, .pdf, .docx, .csv or .json files")
    .description("Upload files (and --page web pages), then follow their indexing")
    // Not --url: that is the global option naming the server.
    .option("--page <url>", "also fetch this web page or file (repeatable)", (url: string, urls: string[] = []) => [...urls, url])
    .option("--no-wait", "return once uploaded; indexing goes on on the server")
    .addHelpText(
      "after",
      `
A file with the name of an existing source replaces it; unchanged content is not indexed again.
Exits with status 1 when any file could not be read, was refused, or failed to index.

Examples:
  $ atelier knowledge add ada docs/*.md catalogue.csv
  $ atelier knowledge add ada --page https://example.com/faq --no-wait`,
    )
    .action(async (agent: string, files: string[], flags: { page?: string[]; wait: boolean }, command: Command) => {
      const pages = flags.page ?? [];
      if (files.length === 0 && pages.length === 0) throw new AtelierError("bad_request", "Name one or more files to add, or a web page with --page <url>.");
      const client = clientFor(command, context);
      const outcomes = [...(await uploadFiles({ client, agent, paths: files })), ...(await addPages({ client, agent, urls: pages }))];
      for (const { refused } of outcomes.filter((outcome) => "refused" in outcome)) context.stderr.write(`not added: ${refused.name}: ${refused.message}\n`);
      await settle({ context, client, agent, outcomes, wait: flags.wait });
    });

  knowledge
    .command("list")
    .alias("ls")
    .argument("<agent>", "handle or id")
    .description("List an agent's knowledge sources with their indexing status")
    .option("--json", "print JSON")
    .action(async (agent: string, flags: { json?: boolean }, command: Command) => {
      const sources = await clientFor(command, context).listKnowledge(agent);
      if (flags.json) context.stdout.write(`${JSON.stringify(sources, null, 2)}\n`);
      else if (sources.length === 0) context.stdout.write(`No knowledge yet. Add some: atelier knowledge add ${agent} faq.md\n`);
      else context.stdout.write(formatSourceList(sources));
    });

  knowledge
    .command("search")
    .argument("<agent>", "handle or id")
    .argument("<question...>", "what to look for")
    .description("Show the passages the agent would retrieve for a question")
    .option("--limit <n>", "how many passages (1-50, default 8)", limit)
    .option("--json", "print JSON")
    .action(async (agent: string, words: string[], flags: { limit?: number; json?: boolean }, command: Command) => {
      const result = await clientFor(command, context).searchKnowledge(agent, { q: words.join(" "), ...(flags.limit ? { limit: flags.limit } : {}) });
      context.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : formatPassages(result, agent));
    });

  knowledge
    .command("remove")
    .alias("rm")
    .argument("<agent>", "handle or id")
    .argument("<source>", "name or id")
    .description("Remove a source and its passages from an agent's knowledge")
    .option("-y, --yes", "do not ask for confirmation (required when stdin is not a terminal)")
    .action(async (agent: string, nameOrId: string, flags: { yes?: boolean }, command: Command) => {
      const client = clientFor(command, context);
      const source = await findSource({ client, agent, nameOrId });
      if (!flags.yes) {
        if (!context.stdin.isTTY) throw new AtelierError("bad_request", "Refusing to remove without confirmation: stdin is not a terminal. Pass --yes.");
        const question = `Remove ${source.name} (${source.chunkCount} passage(s)) from ${agent}'s knowledge?`;
        if (!(await confirm({ input: context.stdin, output: context.stderr, question }))) {
          context.stderr.write("Nothing removed.\n");
          return;
        }
      }
      await client.deleteKnowledgeSource(agent, source.id);
      context.stdout.write(`Removed ${source.name}.\n`);
    });

  knowledge
    .command("reindex")
    .argument("<agent>", "handle or id")
    .argument("<source>", "name or id")
    .description("Index a source again (after a failure, or a change of embedding model)")
    .option("--no-wait", "return at once; indexing goes on on the server")
    .action(async (agent: string, nameOrId: string, flags: { wait: boolean }, command: Command) => {
      const client = clientFor(command, context);
      const source = await findSource({ client, agent, nameOrId });
      const queued = await client.reindexKnowledgeSource(agent, source.id);
      await settle({ context, client, agent, outcomes: [{ source: queued }], wait: flags.wait });
    });
}

function limit(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 50) throw new InvalidArgumentError("Use a whole number from 1 to 50.");
  return parsed;
}

/** Follows the sources to the end (unless told not to), prints one row per input, and fails if any did. */
async function settle(options: { context: CliContext; client: AtelierClient; agent: string; outcomes: Outcome[]; wait: boolean }): Promise<void> {
  const { context, client, agent, outcomes } = options;
  const queued = outcomes.flatMap((outcome) => ("source" in outcome ? [outcome.source] : []));
  const sources = options.wait && queued.length > 0 ? await followIndexing({ client, agent, sources: queued, stream: context.stderr }) : queued;
  const byId = new Map(sources.map((source) => [source.id, source]));
  const rows = outcomes.map((outcome) => ("source" in outcome ? byId.get(outcome.source.id) ?? outcome.source : outcome.refused));
  context.stdout.write(formatOutcomes(rows));
  if (!options.wait && queued.length > 0) context.stdout.write(`\nIndexing goes on on the server. Follow it with: atelier knowledge list ${agent}\n`);
  const refused = outcomes.length - queued.length;
  const failed = sources.filter((source) => source.status === "failed").length;
  if (refused + failed > 0) {
    context.stderr.write(`${[refused > 0 ? `${refused} not added` : "", failed > 0 ? `${failed} failed to index` : ""].filter(Boolean).join(", ")}.\n`);
    throw new ExitCode(1);
  }
}

/** Uploads readable files in batches; an unreadable or refused file is named and the rest go ahead. */
async function uploadFiles(options: { client: AtelierClient; agent: string; paths: readonly string[] }): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const files: LocalFile[] = [];
  const taken = new Map<string, string>();
  for (const filePath of options.paths) {
    const name = path.basename(filePath);
    const checked = taken.has(name) ? { problem: `has the same name as ${taken.get(name)}, which it would replace` } : await inspect(filePath);
    if ("problem" in checked) {
      outcomes.push({ refused: { name: filePath, code: "bad_request", message: checked.problem } });
    } else {
      files.push({ path: filePath, name, bytes: checked.bytes });
      taken.set(name, filePath);
    }
  }
  for (const batch of batches(files)) outcomes.push(...(await uploadBatch({ ...options, batch })));
  return outcomes;
}

/** The size of a file that can be uploaded, or why it cannot. */
async function inspect(filePath: string): Promise<{ bytes: number } | { problem: string }> {
  try {
    const info = await stat(filePath);
    if (info.isFile()) return { bytes: info.size };
    return { problem: `is ${info.isDirectory() ? "a directory" : "not a regular file"}` };
  } catch (error) {
    return { problem: describeFileError(error) };
  }
}

function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return `cannot be read (${error instanceof Error ? error.message : String(error)})`;
}

function batches(files: readonly LocalFile[]): LocalFile[][] {
  const result: LocalFile[][] = [];
  let current: LocalFile[] = [];
  let bytes = 0;
  for (const file of files) {
    if (current.length > 0 && (current.length >= MAX_FILES_PER_BATCH || bytes + file.bytes > MAX_BYTES_PER_BATCH)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.bytes;
  }
  if (current.length > 0) result.push(current);
  return result;
}

async function uploadBatch(options: { client: AtelierClient; agent: string; batch: readonly LocalFile[] }): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const upload: { file: LocalFile; data: Uint8Array }[] = [];
  for (const file of options.batch) {
    try {
      upload.push({ file, data: await readFile(file.path) });
    } catch (error) {
      outcomes.push({ refused: { name: file.path, code: "bad_request", message: describeFileError(error) } });
    }
  }
  if (upload.length === 0) return outcomes;
  const pathOf = new Map(upload.map(({ file }) => [file.name, file.path]));
  try {
    const result = await options.client.addKnowledgeFiles(options.agent, upload.map(({ file, data }) => ({ name: file.name, data })));
    outcomes.push(...result.sources.map((source) => ({ source })));
    outcomes.push(...result.rejected.map((refused) => ({ refused: { ...refused, name: pathOf.get(refused.name) ?? refused.name } })));
  } catch (error) {
    // When every file of a batch is refused the server answers with an error listing each by name.
    const issues = AtelierError.is(error) ? error.issues ?? [] : [];
    if (!AtelierError.is(error) || issues.length === 0 || !issues.every((issue) => pathOf.has(issue.path))) throw error;
    outcomes.push(...issues.map((issue) => ({ refused: { name: pathOf.get(issue.path)!, code: error.code, message: issue.message } })));
  }
  return outcomes;
}

async function addPages(options: { client: AtelierClient; agent: string; urls: readonly string[] }): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const url of options.urls) {
    try {
      outcomes.push({ source: await options.client.addKnowledgeUrl(options.agent, url) });
    } catch (error) {
      if (!AtelierError.is(error) || !REFUSALS.has(error.code)) throw error;
      outcomes.push({ refused: { name: url, code: error.code, message: error.message } });
    }
  }
  return outcomes;
}

/** Polls until every source is ready or failed, showing progress; Ctrl-C stops waiting, not indexing. */
async function followIndexing(options: { client: AtelierClient; agent: string; sources: KnowledgeSource[]; stream: Writable & { isTTY?: boolean } }): Promise<KnowledgeSource[]> {
  const { client, agent } = options;
  const progress = new IndexingProgress(options.stream);
  const stopping = new AbortController();
  const onSignal = () => stopping.abort();
  process.once("SIGINT", onSignal);
  let sources = options.sources;
  try {
    for (;;) {
      progress.update(sources);
      if (sources.every(isFinished)) return sources;
      await sleep(POLL_INTERVAL_MS, undefined, { signal: stopping.signal });
      const listed = new Map((await client.listKnowledge(agent, { signal: stopping.signal })).map((source) => [source.id, source]));
      sources = sources.map((source) => listed.get(source.id) ?? { ...source, status: "failed", error: "It was removed or replaced on the server while indexing." });
    }
  } catch (error) {
    if (!stopping.signal.aborted) throw error;
    throw new AtelierError("aborted", `Stopped waiting; indexing goes on on the server. Follow it with: atelier knowledge list ${agent}`);
  } finally {
    progress.stop();
    process.off("SIGINT", onSignal);
  }
}

/** A bar of sources finished, naming the one being indexed, on a terminal; elsewhere a line per change. */
class IndexingProgress {
  readonly #stream: Writable & { isTTY?: boolean };
  readonly #logged = new Map<string, string>();
  #finished = 0;
  #bar: cliProgress.SingleBar | undefined;

  constructor(stream: Writable & { isTTY?: boolean }) {
    this.#stream = stream;
  }

  update(sources: readonly KnowledgeSource[]): void {
    if (!this.#stream.isTTY) {
      for (const source of sources) this.#log(source, sources.length);
      return;
    }
    const active = sources.find((source) => source.status === "indexing") ?? sources.find((source) => source.status === "queued");
    const payload = { current: active ? describeProgress(active) : "done" };
    const finished = sources.filter(isFinished).length;
    if (!this.#bar) {
      this.#bar = new cliProgress.SingleBar(
        { stream: this.#stream as NodeJS.WritableStream, format: " {bar} {value}/{total} sources | {current}", hideCursor: true, fps: 5 },
        cliProgress.Presets.shades_classic,
      );
      this.#bar.start(sources.length, finished, payload);
    }
    this.#bar.update(finished, payload);
  }

  stop(): void {
    this.#bar?.stop();
    this.#bar = undefined;
  }

  #log(source: KnowledgeSource, total: number): void {
    const state = isFinished(source) ? source.status : source.status === "indexing" ? source.progress.phase : "";
    if (!state || this.#logged.get(source.id) === state) return;
    this.#logged.set(source.id, state);
    if (!isFinished(source)) this.#stream.write(`${describeProgress(source)}\n`);
    else this.#stream.write(`[${++this.#finished}/${total}] ${source.name} ${source.status === "ready" ? `ready, ${source.chunkCount} passage(s)` : `failed: ${source.error ?? "unknown error"}`}\n`);
  }
}

/** "faq.md embedding 120/400", "faq.md queued". */
function describeProgress(source: KnowledgeSource): string {
  if (source.status !== "indexing") return `${source.name} ${source.status}`;
  const { phase, done, total } = source.progress;
  return `${source.name} ${phase}${total > 0 ? ` ${done}/${total}` : ""}`;
}

async function findSource(options: { client: AtelierClient; agent: string; nameOrId: string }): Promise<KnowledgeSource> {
  const { agent, nameOrId } = options;
  const sources = await options.client.listKnowledge(agent);
  const found = sources.find((source) => source.id === nameOrId) ?? sources.find((source) => source.name === nameOrId);
  if (!found) throw new AtelierError("not_found", `${agent} has no knowledge source "${nameOrId}". See: atelier knowledge list ${agent}`);
  return found;
}

function formatOutcomes(rows: readonly (KnowledgeSource | RejectedFile)[]): string {
  return formatTable({
    headers: ["NAME", "STATUS", "CHUNKS", "ERROR"],
    rows: rows.map((row) =>
      "status" in row
        ? [truncate(row.name, 50), row.status, isFinished(row) ? String(row.chunkCount) : "-", truncate(row.error ?? "", 100)]
        : [truncate(row.name, 50), "not added", "-", truncate(row.message, 100)],
    ),
  });
}

function formatSourceList(sources: readonly KnowledgeSource[]): string {
  const table = formatTable({
    headers: ["NAME", "FORMAT", "STATUS", "CHUNKS", "SIZE", "UPDATED"],
    rows: sources.map((source) => [
      truncate(source.name, 50),
      source.format,
      source.status === "indexing" ? describeProgress(source).slice(source.name.length + 1) : source.status,
      String(source.chunkCount),
      formatBytes(source.bytes),
      formatTimestamp(source.updatedAt),
    ]),
  });
  const failures = sources.filter((source) => source.status === "failed").map((source) => `${source.name} failed: ${source.error ?? "unknown error"}\n`);
  return failures.length > 0 ? `${table}\n${failures.join("")}` : table;
}

function formatPassages(result: KnowledgeSearchResult, agent: string): string {
  if (result.passages.length === 0) return `No passages match. Is the knowledge indexed? See: atelier knowledge list ${agent}\n`;
  const passages = result.passages.map((passage, index) =>
    `${index + 1}. ${[passage.sourceName, passage.heading].filter(Boolean).join(" › ")}\n   ${truncate(passage.text, 240)}\n`);
  return `${passages.join("\n")}\n${result.passages.length} passage(s), ${result.mode} search, ${Math.round(result.tookMs)} ms\n`;
}
