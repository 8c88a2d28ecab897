import { PassThrough, Readable } from "node:stream";
import { ZipFile } from "yazl";
import { ApiKey, AtelierError, User, type Memory } from "../contracts/index.js";
import type { Store } from "../store/store.js";

export const EXPORT_FORMAT = "atelier-account-export";
export const EXPORT_FORMAT_VERSION = 1;
const DEFAULT_PAGE_SIZE = 100;
/** Everyone an agent remembers: far beyond what the per-person memory limit lets one agent hold in practice. */
const MAX_PEOPLE = 1_000_000;

export interface ExportAccountOptions {
  store: Store;
  userId: string;
  now?: () => Date;
  /** Aborting destroys the archive stream with an `aborted` error. */
  signal?: AbortSignal;
  /** Rows fetched per query while paging conversations and audit events. */
  pageSize?: number;
}

export interface ExportCounts {
  apiKeys: number;
  agents: number;
  agentVersions: number;
  conversations: number;
  messages: number;
  auditEvents: number;
  knowledgeSources: number;
  /** Agents of the user's with a lorebook. */
  lorebooks: number;
  /** What the user's agents remember about people, and what any agent remembers about the user. */
  memories: number;
}

/** `atelier-export-2030-01-31.zip`: the name to offer in Content-Disposition. */
export function exportFileName(date: Date): string {
  return `atelier-export-${date.toISOString().slice(0, 10)}.zip`;
}

/**
 * Streams everything the user owns as a ZIP archive. Resolves once the user is known to exist (so
 * an HTTP handler can still answer 404 before sending headers) and the archive is then produced
 * while it is read: each entry is fetched from the store only when the previous one has been
 * written, so a slow reader holds the export back instead of the export filling memory. A store
 * failure mid-way destroys the stream with that error, so no truncated archive looks complete.
 * Throws not_found for an unknown user.
 */
export async function exportAccount(options: ExportAccountOptions): Promise<Readable> {
  const { store, userId } = options;
  if (options.signal?.aborted) throw new AtelierError("aborted", "The export was cancelled.");
  const stored = await store.users.get(userId);
  if (!stored) throw new AtelierError("not_found", "No such user.");

  const exportedAt = (options.now ?? (() => new Date()))();
  const zip = new ZipFile();
  // yazl creates a PassThrough but types it as the loose NodeJS.ReadableStream.
  const output = zip.outputStream as PassThrough;
  const stopped = new AbortController();
  const fail = (error: unknown): void => {
    stopped.abort(error);
    if (!output.destroyed) output.destroy(error instanceof Error ? error : new Error(String(error)));
  };
  const onAbort = (): void => fail(new AtelierError("aborted", "The export was cancelled."));
  options.signal?.addEventListener("abort", onAbort, { once: true });
  // A reader that goes away (a dropped HTTP connection) must stop the paging too.
  output.once("close", () => {
    options.signal?.removeEventListener("abort", onAbort);
    if (!output.readableEnded) stopped.abort(new AtelierError("aborted", "The export stream was closed before it ended."));
  });

  const writer = new EntryWriter({ zip, mtime: exportedAt, signal: stopped.signal, fail });
  // Parsing with the contract schema drops every field outside it, so the password hash never leaves.
  const user = User.parse(stored);
  void writeArchive({ store, user, writer, exportedAt, pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE })
    .then(() => zip.end(), fail);
  return output;
}

async function writeArchive(input: { store: Store; user: User; writer: EntryWriter; exportedAt: Date; pageSize: number }): Promise<void> {
  const { store, user, writer, pageSize } = input;
  const counts: ExportCounts = { apiKeys: 0, agents: 0, agentVersions: 0, conversations: 0, messages: 0, auditEvents: 0, knowledgeSources: 0, lorebooks: 0, memories: 0 };

  // Parsed for the same reason as the user: a stored key object may carry its token hash.
  const apiKeys = (await store.apiKeys.listForUser(user.id)).map((key) => ApiKey.parse(key));
  counts.apiKeys = apiKeys.length;
  await writer.json("account.json", { user, apiKeys });

  const agents = await store.agents.list({ ownerId: user.id });
  const handles = new Map<string, string>();
  for (const agent of agents) {
    const folder = `agents/${safeSegment(agent.handle)}`;
    handles.set(agent.id, agent.handle);
    counts.agents += 1;
    await writer.json(`${folder}/agent.json`, agent);
    for (const summary of await store.agents.listVersions(agent.id)) {
      const version = await store.agents.getVersion(agent.id, summary.version);
      if (!version) continue; // deleted while exporting
      counts.agentVersions += 1;
      await writer.json(`${folder}/versions/${summary.version}.json`, version);
    }
    const lorebook = await store.lorebooks.get(agent.id);
    if (lorebook) {
      counts.lorebooks += 1;
      await writer.json(`${folder}/lorebook.json`, lorebook);
    }
    const people = [];
    for (const person of await store.memories.listPeople({ agentId: agent.id, limit: MAX_PEOPLE })) {
      const memories = await store.memories.listFor({ agentId: agent.id, participantId: person.participantId });
      counts.memories += memories.length;
      people.push({ participantId: person.participantId, memories });
    }
    if (people.length > 0) await writer.json(`${folder}/memories.json`, { people });
  }

  const aboutMe = await memoriesAboutUser({ store, user, ownAgents: handles, pageSize });
  if (aboutMe.length > 0) {
    counts.memories += aboutMe.reduce((sum, entry) => sum + entry.memories.length, 0);
    await writer.json("memories/about-me.json", { agents: aboutMe });
  }

  // Keyset paging keeps one page in memory. A conversation that gets a message during the export
  // jumps ahead of the cursor and may be missed: the archive is as consistent as a live read can be.
  let before: string | undefined;
  for (;;) {
    const page = await store.conversations.list({ ownerId: user.id, limit: pageSize, ...(before === undefined ? {} : { before }) });
    for (const conversation of page) {
      const messages = await store.conversations.listMessages(conversation.id, { includeReplaced: true });
      counts.conversations += 1;
      counts.messages += messages.length;
      const handle = handles.get(conversation.agentId) ?? conversation.agentId;
      await writer.json(`conversations/${safeSegment(handle)}/${safeSegment(conversation.id)}.json`, { conversation, messages });
    }
    const last = page.at(-1);
    if (page.length < pageSize || !last) break;
    before = last.id;
  }

  await writer.stream("audit.json", auditEventsJson({ store, userId: user.id, pageSize, counts }));
  await writer.text("knowledge/README.txt", "Knowledge sources are not stored by this version of Atelier, so this export contains none.\n");
  // Last, because the counts are only known once everything above has been read.
  await writer.lazy("manifest.json", () => [prettyJson({ format: EXPORT_FORMAT, formatVersion: EXPORT_FORMAT_VERSION, exportedAt: input.exportedAt.toISOString(), userId: user.id, counts })]);
}

/**
 * What other owners' agents remember about the user, found through the user's conversations with
 * them. Their agents are named as visitors see them (by name only): the user's data, not the owner's.
 * (What the user's own agents remember about them is in those agents' memories.json.)
 */
async function memoriesAboutUser(input: { store: Store; user: User; ownAgents: ReadonlyMap<string, string>; pageSize: number }) {
  const { store, user } = input;
  const agentIds = new Set<string>();
  let before: string | undefined;
  for (;;) {
    const page = await store.conversations.list({ participantId: user.id, limit: input.pageSize, ...(before === undefined ? {} : { before }) });
    for (const conversation of page) if (!input.ownAgents.has(conversation.agentId)) agentIds.add(conversation.agentId);
    const last = page.at(-1);
    if (page.length < input.pageSize || !last) break;
    before = last.id;
  }
  const result: Array<{ agent: { name: string }; memories: Array<Pick<Memory, "kind" | "content" | "origin" | "createdAt" | "updatedAt">> }> = [];
  for (const agentId of agentIds) {
    const memories = await store.memories.listFor({ agentId, participantId: user.id });
    const agent = memories.length > 0 ? await store.agents.get(agentId) : undefined;
    if (!agent) continue;
    result.push({
      agent: { name: agent.name },
      memories: memories.map(({ kind, content, origin, createdAt, updatedAt }) => ({ kind, content, origin, createdAt, updatedAt })),
    });
  }
  return result;
}

/** The audit log as one JSON array, fetched page by page while it is written. */
async function* auditEventsJson(input: { store: Store; userId: string; pageSize: number; counts: ExportCounts }): AsyncGenerator<string> {
  let before: string | undefined;
  let separator = "[\n";
  for (;;) {
    const page = await input.store.audit.list({ userId: input.userId, limit: input.pageSize, ...(before === undefined ? {} : { before }) });
    for (const event of page) {
      input.counts.auditEvents += 1;
      // Indented like JSON.stringify(array, null, 2) would, without holding the whole array.
      yield separator + JSON.stringify(event, null, 2).replace(/^/gm, "  ");
      separator = ",\n";
    }
    const last = page.at(-1);
    if (page.length < input.pageSize || !last) break;
    before = last.id;
  }
  yield separator === "[\n" ? "[]\n" : "\n]\n";
}

type Chunks = Iterable<string> | AsyncIterable<string>;

/**
 * Adds entries one at a time. yazl asks for an entry's data only after every earlier entry is fully
 * written to its output, which itself waits on the reader; each add resolves at that moment, so the
 * caller prepares the next entry while this one is written and never runs further ahead.
 */
class EntryWriter {
  readonly #zip: ZipFile;
  readonly #mtime: Date;
  readonly #signal: AbortSignal;
  readonly #fail: (error: unknown) => void;

  constructor(options: { zip: ZipFile; mtime: Date; signal: AbortSignal; fail: (error: unknown) => void }) {
    this.#zip = options.zip;
    this.#mtime = options.mtime;
    this.#signal = options.signal;
    this.#fail = options.fail;
  }

  json(path: string, value: unknown): Promise<void> {
    return this.lazy(path, () => [prettyJson(value)]);
  }

  text(path: string, text: string): Promise<void> {
    return this.lazy(path, () => [text]);
  }

  stream(path: string, chunks: Chunks): Promise<void> {
    return this.lazy(path, () => chunks);
  }

  /** `produce` runs when the entry's turn comes, so it sees whatever the earlier entries counted. */
  lazy(path: string, produce: () => Chunks): Promise<void> {
    const signal = this.#signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      this.#zip.addReadStreamLazy(path, { mtime: this.#mtime }, (callback) => {
        signal.removeEventListener("abort", onAbort);
        const data = Readable.from(toBuffers(produce()), { objectMode: false });
        // yazl pipes without forwarding source errors; without this a failed page would hang the archive.
        data.once("error", this.#fail);
        callback(null, data);
        resolve();
      });
    });
  }
}

async function* toBuffers(chunks: Chunks): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) yield Buffer.from(chunk, "utf8");
}

function prettyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Handles and ids are URL-safe already; this keeps a bad row from writing outside its folder. */
export function safeSegment(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 120);
  return cleaned === "" || /^\.+$/.test(cleaned) ? "_" : cleaned;
}
