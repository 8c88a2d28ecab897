import { z } from "zod";
import {
  Agent,
  AgentList,
  AgentPatch,
  AgentProfile,
  AgentVersionList,
  AtelierError,
  AuthStatus,
  DraftAgentRequest,
  DraftAgentResult,
  Login,
  ModelDownload,
  ModelDownloadList,
  ModelsOverview,
  SessionInfo,
  SignUp,
  StartModelDownload,
  WhoAmI,
  PublicAgent,
  VisitorSession,
  ChatEvent,
  ConversationList,
  ConversationWithMessages,
  CreateConversation,
  Health,
  parseWith,
  Readiness,
  TurnResult,
  AddKnowledgeResult,
  KnowledgeSearchResult,
  KnowledgeSource,
  KnowledgeSourceList,
  Conversation,
  ConversationEvent,
  InboxEvent,
  InboxList,
  Message,
  HeldTurn,
  ApiKey,
  ApiKeyList,
  ApiKeyUsage,
  CreateApiKey,
  CreatedApiKey,
  CreatedWebhook,
  CreateWebhook,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookList,
  WebhookPatch,
  IdentifyVisitor,
  Publication,
  PublicAgentList,
  PublishSettingsPatch,
  type PublishAgent,
  type AgentProfileInput,
  CreateMemory,
  ForgetResult,
  ImportResult,
  Lorebook,
  LorebookImportResult,
  LorebookTest,
  LorebookTestResult,
  Memory,
  MemoryList,
  MemoryPatch,
  PutLorebook,
  RememberedPeople,
  type ExportFormat,
} from "../contracts/index.js";
import { abortedError, errorFromResponse, malformedResponseError, unreachableError } from "./errors.js";
import { readSseStream, type SseMessage } from "./sse.js";

export type HealthResult = z.output<typeof Health>;
export type ReadinessResult = z.output<typeof Readiness>;
export type AgentListResult = z.output<typeof AgentList>;
export type AgentVersionListResult = z.output<typeof AgentVersionList>;
export type ConversationWithMessagesResult = z.output<typeof ConversationWithMessages>;
export type ConversationListResult = z.output<typeof ConversationList>;
export type CreateConversationInput = z.input<typeof CreateConversation>;
export type AgentPatchInput = z.input<typeof AgentPatch>;

/** A chat event as it arrived over SSE; `id` is the event's sequence number, for resuming. */
export type StreamedChatEvent = ChatEvent & { id?: string };

export interface AtelierClientOptions {
  /** Where the server listens, e.g. "http://127.0.0.1:4321" (a path prefix is kept). */
  baseUrl: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Sent with every request (authentication, tracing). */
  headers?: Record<string, string>;
}

/** Filters for the owner's inbox (GET /api/inbox). */
export interface InboxFilter {
  agentId?: string;
  /** Words in titles, participant ids and message text. */
  q?: string;
  unread?: boolean;
  limit?: number;
  before?: string;
}

export interface StreamOptions {
  signal?: AbortSignal;
}

export interface ConversationListQuery {
  agentId?: string;
  limit?: number;
  before?: string;
}

/** A file to add to an agent's knowledge. */
export interface KnowledgeFile {
  name: string;
  data: Blob | Uint8Array;
  /** The media type; the server goes by the file name first. */
  type?: string;
}

/** A file as the server sent it for download. */
export interface DownloadedFile {
  bytes: Uint8Array;
  /** The Content-Type. */
  type: string;
  /** The name the server offers (Content-Disposition). */
  filename: string;
}

interface RequestOptions {
  /** JSON-encoded, except FormData (sent as multipart/form-data) and Blob (sent as it is, with its type). */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Non-2xx statuses whose body is a normal answer (readiness says 503 with a body). */
  acceptStatus?: readonly number[];
}

/** A reply as JSON, or (202) the note that it waits for the owner: taken over, or held for review. */
const TurnOrHeld = z.union([TurnResult, HeldTurn]);

/** How many times a reply stream that broke off mid-reply is resumed from its last event id. */
const STREAM_RESUME_ATTEMPTS = 2;

/**
 * The typed HTTP client for the Atelier API. It depends on contracts only (the web app reuses it),
 * validates every response with the contract schemas, and throws AtelierError with the server's code.
 */
export class AtelierClient {
  readonly baseUrl: string;
  readonly #fetch: typeof fetch;
  #headers: Record<string, string>;

  constructor(options: AtelierClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    // Wrapped because browsers throw "Illegal invocation" when fetch is called detached from window.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#headers = { ...options.headers };
  }

  /** Sets (or, with undefined, removes) a header sent with every later request, e.g. X-CSRF-Token. */
  setHeader(name: string, value: string | undefined): void {
    const headers = { ...this.#headers };
    if (value === undefined) delete headers[name.toLowerCase()];
    else headers[name.toLowerCase()] = value;
    this.#headers = headers;
  }

  // Health

  health(options: StreamOptions = {}): Promise<HealthResult> {
    return this.#json("GET", "/healthz", Health, { signal: options.signal });
  }

  /** Answers with the checks whether the server is ready or not (it says 503 while not ready). */
  readiness(options: StreamOptions = {}): Promise<ReadinessResult> {
    return this.#json("GET", "/readyz", Readiness, { signal: options.signal, acceptStatus: [503] });
  }

  // Agents. Inputs are validated here for early, local errors, but sent as given: defaults belong to
  // the server (a parsed patch would carry schema defaults and overwrite fields the caller never set).

  async createAgent(profile: AgentProfileInput): Promise<Agent> {
    parseWith(AgentProfile, profile, "agent profile");
    return this.#json("POST", "/api/agents", Agent, { body: profile });
  }

  listAgents(): Promise<AgentListResult> {
    return this.#json("GET", "/api/agents", AgentList);
  }

  getAgent(idOrHandle: string): Promise<Agent> {
    return this.#json("GET", `/api/agents/${segment(idOrHandle)}`, Agent);
  }

  /** `expectedVersion` makes the edit fail with `conflict` when someone saved a newer version first. */
  async updateAgent(idOrHandle: string, patch: AgentPatchInput, options: { expectedVersion?: number } = {}): Promise<Agent> {
    parseWith(AgentPatch, patch, "agent changes");
    const headers: Record<string, string> =
      options.expectedVersion === undefined ? {} : { "if-match": String(options.expectedVersion) };
    return this.#json("PATCH", `/api/agents/${segment(idOrHandle)}`, Agent, { body: patch, headers });
  }

  async deleteAgent(idOrHandle: string): Promise<void> {
    await this.#send("DELETE", `/api/agents/${segment(idOrHandle)}`);
  }

  listAgentVersions(idOrHandle: string): Promise<AgentVersionListResult> {
    return this.#json("GET", `/api/agents/${segment(idOrHandle)}/versions`, AgentVersionList);
  }

  getAgentVersion(idOrHandle: string, version: number): Promise<Agent> {
    return this.#json("GET", `/api/agents/${segment(idOrHandle)}/versions/${version}`, Agent);
  }

  restoreAgentVersion(idOrHandle: string, version: number): Promise<Agent> {
    return this.#json("POST", `/api/agents/${segment(idOrHandle)}/versions/${version}/restore`, Agent);
  }

  /** A copy of an agent (profile and model settings, not its conversations), named "<name> (copy)" unless named. */
  duplicateAgent(idOrHandle: string, options: { name?: string } = {}): Promise<Agent> {
    return this.#json("POST", `/api/agents/${segment(idOrHandle)}/duplicate`, Agent, { body: options });
  }

  /** Describe-to-create: the model drafts a whole profile from one sentence. Nothing is saved. */
  draftAgent(request: z.input<typeof DraftAgentRequest>, options: StreamOptions = {}): Promise<DraftAgentResult> {
    parseWith(DraftAgentRequest, request, "description");
    return this.#json("POST", "/api/agents/draft", DraftAgentResult, { body: request, signal: options.signal });
  }

  /** Publishes the agent as it is now (pins this version for visitors); public unless told unlisted. */
  publishAgent(idOrHandle: string, visibility: PublishAgent["visibility"] = "public"): Promise<Agent> {
    return this.#json("POST", `/api/agents/${segment(idOrHandle)}/publish`, Agent, { body: { visibility } });
  }

  unpublishAgent(idOrHandle: string): Promise<Agent> {
    return this.#json("POST", `/api/agents/${segment(idOrHandle)}/unpublish`, Agent);
  }

  // Models

  /** The active engine and model, the local model files and (for admins) the downloads. */
  models(options: StreamOptions = {}): Promise<ModelsOverview> {
    return this.#json("GET", "/api/models", ModelsOverview, { signal: options.signal });
  }

  /** Starts downloading a model by hf: URI or URL (admins); poll listModelDownloads for progress. */
  startModelDownload(uri: string): Promise<ModelDownload> {
    const body = parseWith(StartModelDownload, { uri }, "model URI");
    return this.#json("POST", "/api/models/downloads", ModelDownload, { body });
  }

  listModelDownloads(options: StreamOptions = {}): Promise<ModelDownloadList> {
    return this.#json("GET", "/api/models/downloads", ModelDownloadList, { signal: options.signal });
  }

  cancelModelDownload(id: string): Promise<ModelDownload> {
    return this.#json("DELETE", `/api/models/downloads/${segment(id)}`, ModelDownload);
  }

  // Accounts

  authStatus(): Promise<AuthStatus> {
    return this.#json("GET", "/api/auth/status", AuthStatus);
  }

  /** Creates an account and signs in (cookie session); the first account on an instance is its admin. */
  signUp(input: z.input<typeof SignUp>): Promise<SessionInfo> {
    parseWith(SignUp, input, "sign-up details");
    return this.#json("POST", "/api/auth/signup", SessionInfo, { body: input });
  }

  logIn(input: z.input<typeof Login>): Promise<SessionInfo> {
    parseWith(Login, input, "sign-in details");
    return this.#json("POST", "/api/auth/login", SessionInfo, { body: input });
  }

  async logOut(): Promise<void> {
    await this.#send("POST", "/api/auth/logout");
  }

  /** Who is calling; fails with `unauthorized` when nobody is signed in. */
  whoAmI(): Promise<WhoAmI> {
    return this.#json("GET", "/api/auth/session", WhoAmI);
  }

  // Visitors: anonymous people talking to published agents (the share page, apps)

  /** A published agent's public profile, by id or handle; `not_found` when it is private or unknown. */
  publicAgent(idOrHandle: string, options: StreamOptions = {}): Promise<PublicAgent> {
    return this.#json("GET", `/api/public/agents/${segment(idOrHandle)}`, PublicAgent, { signal: options.signal });
  }

  /** Starts a visitor identity; in a browser the server also sets the httpOnly visitor cookie. */
  startVisitor(): Promise<VisitorSession> {
    return this.#json("POST", "/api/visitors", VisitorSession);
  }

  /** The calling visitor and their CSRF token; `unauthorized` without a visitor identity. */
  visitor(): Promise<Omit<VisitorSession, "token">> {
    return this.#json("GET", "/api/visitors/me", VisitorSession.omit({ token: true }));
  }

  // Conversations

  /** Starts a conversation; its first message is the agent's greeting when the agent has one. */
  async createConversation(input: CreateConversationInput): Promise<ConversationWithMessagesResult> {
    parseWith(CreateConversation, input, "conversation");
    return this.#json("POST", "/api/conversations", ConversationWithMessages, { body: input });
  }

  listConversations(query: ConversationListQuery = {}): Promise<ConversationListResult> {
    const search = new URLSearchParams();
    if (query.agentId !== undefined) search.set("agentId", query.agentId);
    if (query.limit !== undefined) search.set("limit", String(query.limit));
    if (query.before !== undefined) search.set("before", query.before);
    const suffix = search.toString() ? `?${search.toString()}` : "";
    return this.#json("GET", `/api/conversations${suffix}`, ConversationList);
  }

  getConversation(id: string): Promise<ConversationWithMessagesResult> {
    return this.#json("GET", `/api/conversations/${segment(id)}`, ConversationWithMessages);
  }

  async deleteConversation(id: string): Promise<void> {
    await this.#send("DELETE", `/api/conversations/${segment(id)}`);
  }

  // Replies

  /**
   * Sends a message and streams the reply. A stream that breaks off mid-reply is resumed from its
   * last event id; aborting `signal` only stops listening (call abortReply to stop generation).
   */
  streamMessage(conversationId: string, content: string, options: StreamOptions = {}): AsyncIterable<StreamedChatEvent> {
    const path = `/api/conversations/${segment(conversationId)}/messages`;
    return this.#replyStream({ conversationId, path, body: { content, stream: true }, signal: options.signal });
  }

  /** Sends a message and waits for the whole reply. */
  sendMessage(conversationId: string, content: string, options: StreamOptions = {}): Promise<TurnResult | HeldTurn> {
    const path = `/api/conversations/${segment(conversationId)}/messages`;
    return this.#json("POST", path, TurnOrHeld, { body: { content, stream: false }, signal: options.signal });
  }

  /** Writes the last reply again, streaming the new one. */
  streamRegenerate(conversationId: string, options: StreamOptions = {}): AsyncIterable<StreamedChatEvent> {
    const path = `/api/conversations/${segment(conversationId)}/regenerate`;
    return this.#replyStream({ conversationId, path, body: { stream: true }, signal: options.signal });
  }

  regenerate(conversationId: string, options: StreamOptions = {}): Promise<TurnResult | HeldTurn> {
    const path = `/api/conversations/${segment(conversationId)}/regenerate`;
    return this.#json("POST", path, TurnOrHeld, { body: { stream: false }, signal: options.signal });
  }

  /** Re-attaches to a reply's events after `lastEventId` (0 or omitted: from the start). */
  resumeReply(
    conversationId: string,
    messageId: string,
    options: StreamOptions & { lastEventId?: string | number } = {},
  ): AsyncIterable<StreamedChatEvent> {
    return this.#replyStream({
      conversationId,
      messageId,
      lastEventId: options.lastEventId === undefined ? "0" : String(options.lastEventId),
      signal: options.signal,
    });
  }

  /** Stops a reply being written. False when it had already finished. */
  async abortReply(conversationId: string, messageId: string): Promise<boolean> {
    const path = `/api/conversations/${segment(conversationId)}/replies/${segment(messageId)}/abort`;
    const body = await this.#readJson(await this.#send("POST", path), `POST ${path}`);
    if (typeof body === "object" && body !== null && "aborted" in body && typeof body.aborted === "boolean") {
      return body.aborted;
    }
    throw malformedResponseError(`an answer to POST ${path}`);
  }

  // Knowledge

  async listKnowledge(agentIdOrHandle: string, options: { signal?: AbortSignal } = {}): Promise<KnowledgeSource[]> {
    const list = await this.#json("GET", `/api/agents/${segment(agentIdOrHandle)}/knowledge`, KnowledgeSourceList, { signal: options.signal });
    return list.sources;
  }

  /** Uploads files in one batch; files the server refuses come back in `rejected`, the rest are queued. */
  async addKnowledgeFiles(agentIdOrHandle: string, files: readonly KnowledgeFile[], options: { signal?: AbortSignal } = {}): Promise<AddKnowledgeResult> {
    const form = new FormData();
    for (const file of files) {
      const blob = file.data instanceof Blob ? file.data : new Blob([file.data as Uint8Array<ArrayBuffer>], { type: file.type ?? "application/octet-stream" });
      form.append("files", blob, file.name);
    }
    return this.#json("POST", `/api/agents/${segment(agentIdOrHandle)}/knowledge`, AddKnowledgeResult, { body: form, signal: options.signal });
  }

  async addKnowledgeUrl(agentIdOrHandle: string, url: string): Promise<KnowledgeSource> {
    return this.#json("POST", `/api/agents/${segment(agentIdOrHandle)}/knowledge/url`, KnowledgeSource, { body: { url } });
  }

  async getKnowledgeSource(agentIdOrHandle: string, sourceId: string): Promise<KnowledgeSource> {
    return this.#json("GET", `/api/agents/${segment(agentIdOrHandle)}/knowledge/${segment(sourceId)}`, KnowledgeSource);
  }

  async deleteKnowledgeSource(agentIdOrHandle: string, sourceId: string): Promise<void> {
    await this.#send("DELETE", `/api/agents/${segment(agentIdOrHandle)}/knowledge/${segment(sourceId)}`);
  }

  /** Parses, chunks and embeds the source again from its stored content. */
  async reindexKnowledgeSource(agentIdOrHandle: string, sourceId: string): Promise<KnowledgeSource> {
    return this.#json("POST", `/api/agents/${segment(agentIdOrHandle)}/knowledge/${segment(sourceId)}/reindex`, KnowledgeSource);
  }

  /** What the agent would retrieve for this question. */
  async searchKnowledge(agentIdOrHandle: string, query: { q: string; limit?: number }, options: { signal?: AbortSignal } = {}): Promise<KnowledgeSearchResult> {
    const params = new URLSearchParams({ q: query.q, ...(query.limit ? { limit: String(query.limit) } : {}) });
    return this.#json("GET", `/api/agents/${segment(agentIdOrHandle)}/knowledge/search?${params.toString()}`, KnowledgeSearchResult, { signal: options.signal });
  }

  // Memory: what agents remember about people

  /** The people an agent remembers (owner). */
  people(agentIdOrHandle: string, options: StreamOptions = {}): Promise<RememberedPeople> {
    return this.#json("GET", `/api/agents/${segment(agentIdOrHandle)}/people`, RememberedPeople, { signal: options.signal });
  }

  /** What an agent remembers about one person, oldest first (owner). */
  async memories(agentIdOrHandle: string, participantId: string, options: StreamOptions = {}): Promise<Memory[]> {
    const path = `/api/agents/${segment(agentIdOrHandle)}/people/${segment(participantId)}/memories`;
    return (await this.#json("GET", path, MemoryList, { signal: options.signal })).memories;
  }

  createMemory(agentIdOrHandle: string, participantId: string, input: z.input<typeof CreateMemory>): Promise<Memory> {
    parseWith(CreateMemory, input, "memory");
    return this.#json("POST", `/api/agents/${segment(agentIdOrHandle)}/people/${segment(participantId)}/memories`, Memory, { body: input });
  }

  updateMemory(agentIdOrHandle: string, memoryId: string, patch: z.input<typeof MemoryPatch>): Promise<Memory> {
    parseWith(MemoryPatch, patch, "memory changes");
    return this.#json("PATCH", `/api/agents/${segment(agentIdOrHandle)}/memories/${segment(memoryId)}`, Memory, { body: patch });
  }

  async deleteMemory(agentIdOrHandle: string, memoryId: string): Promise<void> {
    await this.#send("DELETE", `/api/agents/${segment(agentIdOrHandle)}/memories/${segment(memoryId)}`);
  }

  /** Deletes everything the agent remembers about the person (owner). */
  forgetPerson(agentIdOrHandle: string, participantId: string): Promise<ForgetResult> {
    return this.#json("DELETE", `/api/agents/${segment(agentIdOrHandle)}/people/${segment(participantId)}/memories`, ForgetResult);
  }

  /** What the agent remembers about the caller (a visitor or a signed-in person). */
  async ownMemories(agentIdOrHandle: string, options: StreamOptions = {}): Promise<Memory[]> {
    return (await this.#json("GET", `/api/memories?agentId=${segment(agentIdOrHandle)}`, MemoryList, { signal: options.signal })).memories;
  }

  /** Makes the agent forget everything about the caller. */
  forgetMe(agentIdOrHandle: string): Promise<ForgetResult> {
    return this.#json("DELETE", `/api/memories?agentId=${segment(agentIdOrHandle)}`, ForgetResult);
  }

  // Lorebooks: keyword-triggered world info

  lorebook(agentIdOrHandle: string, options: StreamOptions = {}): Promise<Lorebook> {
    return this.#json("GET", `/api/agents/${segment(agentIdOrHandle)}/lorebook`, Lorebook, { signal: options.signal });
  }

  /** Replaces the whole lorebook; `expectedRevision` makes it fail with `conflict` when someone saved first. */
  putLorebook(agentIdOrHandle: string, input: z.input<typeof PutLorebook>): Promise<Lorebook> {
    parseWith(PutLorebook, input, "lorebook");
    return this.#json("PUT", `/api/agents/${segment(agentIdOrHandle)}/lorebook`, Lorebook, { body: input });
  }

  /** Imports SillyTavern World Info, a character_book, or a card's book: merged after the existing entries, or replacing them. */
  importLorebook(agentIdOrHandle: string, file: KnowledgeFile, options: { mode?: "merge" | "replace" } = {}): Promise<LorebookImportResult> {
    const form = new FormData();
    form.append("file", asBlob(file), file.name);
    const path = `/api/agents/${segment(agentIdOrHandle)}/lorebook/import?mode=${options.mode ?? "merge"}`;
    return this.#json("POST", path, LorebookImportResult, { body: form });
  }

  /** Which entries these messages would trigger, without the model. */
  testLorebook(agentIdOrHandle: string, input: z.input<typeof LorebookTest>): Promise<LorebookTestResult> {
    parseWith(LorebookTest, input, "lorebook test");
    return this.#json("POST", `/api/agents/${segment(agentIdOrHandle)}/lorebook/test`, LorebookTestResult, { body: input });
  }

  // Interchange: agents as files

  /** Creates an agent from a character card (PNG, JSON, CHARX), an elizaOS character or an Atelier bundle. */
  importAgent(file: KnowledgeFile, options: StreamOptions = {}): Promise<ImportResult> {
    const form = new FormData();
    form.append("file", asBlob(file), file.name);
    return this.#json("POST", "/api/agents/import", ImportResult, { body: form, signal: options.signal });
  }

  /** The agent as a file: a card (PNG, JSON, CHARX) or a bundle with its whole history. */
  async exportAgent(agentIdOrHandle: string, format: ExportFormat, options: StreamOptions = {}): Promise<DownloadedFile> {
    const path = `/api/agents/${segment(agentIdOrHandle)}/export?format=${format}`;
    const response = await this.#send("GET", path, { signal: options.signal, headers: { accept: "*/*" } });
    const disposition = response.headers.get("content-disposition") ?? "";
    const filename = /filename="([^"]+)"/.exec(disposition)?.[1];
    if (!filename) throw malformedResponseError(`an answer to GET ${path} without a file name`);
    return { bytes: new Uint8Array(await response.arrayBuffer()), type: response.headers.get("content-type") ?? "application/octet-stream", filename };
  }

  /** Makes the image (PNG, JPEG, WebP or GIF, at most 5 MiB) the agent's avatar; saves a new version. */
  setAvatar(agentIdOrHandle: string, image: { data: Blob | Uint8Array; type: string }): Promise<Agent> {
    const body = image.data instanceof Blob ? new Blob([image.data], { type: image.type }) : new Blob([image.data as Uint8Array<ArrayBuffer>], { type: image.type });
    return this.#json("PUT", `/api/agents/${segment(agentIdOrHandle)}/avatar`, Agent, { body });
  }

  // Transport

  // Owner inbox: visitors' conversations, takeover, review

  /** Visitors' conversations with the caller's agents, most recently active first. */
  inbox(query: InboxFilter = {}, options: StreamOptions = {}): Promise<InboxList> {
    const search = new URLSearchParams();
    if (query.agentId !== undefined) search.set("agentId", query.agentId);
    if (query.q !== undefined) search.set("q", query.q);
    if (query.unread !== undefined) search.set("unread", String(query.unread));
    if (query.limit !== undefined) search.set("limit", String(query.limit));
    if (query.before !== undefined) search.set("before", query.before);
    const suffix = search.toString() ? `?${search.toString()}` : "";
    return this.#json("GET", `/api/inbox${suffix}`, InboxList, { signal: options.signal });
  }

  /** Live inbox updates until `signal` aborts (or the server ends the stream). */
  inboxEvents(options: StreamOptions = {}): AsyncIterable<InboxEvent> {
    return this.#liveStream("/api/inbox/events", InboxEvent, options.signal);
  }

  /** One conversation's changes, live: messages, replies starting, takeover and hand-back. Ends when it is deleted. */
  conversationEvents(conversationId: string, options: StreamOptions = {}): AsyncIterable<ConversationEvent> {
    return this.#liveStream(`/api/conversations/${segment(conversationId)}/live`, ConversationEvent, options.signal);
  }

  takeOver(conversationId: string): Promise<Conversation> {
    return this.#json("POST", `/api/conversations/${segment(conversationId)}/takeover`, Conversation);
  }

  handBack(conversationId: string): Promise<Conversation> {
    return this.#json("POST", `/api/conversations/${segment(conversationId)}/handback`, Conversation);
  }

  /** Writes to the visitor as the owner; the conversation is taken over first if the agent had it. */
  sendOwnerMessage(conversationId: string, content: string): Promise<Message> {
    return this.#json("POST", `/api/conversations/${segment(conversationId)}/owner-messages`, Message, { body: { content } });
  }

  /** Sends a held reply as written, or with `content` instead (review "edited"). */
  approveReply(conversationId: string, messageId: string, content?: string): Promise<Message> {
    const path = `/api/conversations/${segment(conversationId)}/messages/${segment(messageId)}/approve`;
    return this.#json("POST", path, Message, { body: content === undefined ? {} : { content } });
  }

  discardReply(conversationId: string, messageId: string): Promise<Message> {
    return this.#json("POST", `/api/conversations/${segment(conversationId)}/messages/${segment(messageId)}/discard`, Message);
  }

  async markRead(conversationId: string): Promise<void> {
    await this.#send("POST", `/api/conversations/${segment(conversationId)}/read`);
  }

  /** Parses a live SSE stream (no replay: a dropped connection ends it; the caller lists again and reconnects). */
  async *#liveStream<T extends z.ZodType>(path: string, schema: T, signal: AbortSignal | undefined): AsyncGenerator<z.output<T>> {
    const response = await this.#send("GET", path, { signal, headers: { accept: "text/event-stream" } });
    if (!response.body || !(response.headers.get("content-type") ?? "").includes("text/event-stream")) {
      throw malformedResponseError(`an answer to GET ${path} that is not an event stream`);
    }
    try {
      for await (const message of readSseStream(response.body)) {
        let json: unknown;
        try {
          json = JSON.parse(message.data);
        } catch (error) {
          throw malformedResponseError(`a "${message.event}" event that is not JSON`, error);
        }
        const parsed = schema.safeParse(json);
        if (!parsed.success) throw malformedResponseError(`a "${message.event}" event`, parsed.error);
        yield parsed.data;
      }
    } catch (error) {
      if (signal?.aborted) throw abortedError(signal);
      throw error;
    }
  }

  // API keys (a signed-in person manages them; keys cannot)

  async listApiKeys(): Promise<ApiKey[]> {
    return (await this.#json("GET", "/api/keys", ApiKeyList)).keys;
  }

  /** The token in the answer is shown this once; `agentIds` (ids or handles) limits what it may use through /v1. */
  createApiKey(input: z.input<typeof CreateApiKey>): Promise<CreatedApiKey> {
    parseWith(CreateApiKey, input, "API key");
    return this.#json("POST", "/api/keys", CreatedApiKey, { body: input });
  }

  async revokeApiKey(id: string): Promise<void> {
    await this.#send("DELETE", `/api/keys/${segment(id)}`);
  }

  /** Requests and tokens the key used through /v1, per day and agent, last 30 days, newest first. */
  apiKeyUsage(id: string, options: StreamOptions = {}): Promise<ApiKeyUsage> {
    return this.#json("GET", `/api/keys/${segment(id)}/usage`, ApiKeyUsage, { signal: options.signal });
  }

  // Webhooks (a signed-in person manages them; keys cannot)

  async listWebhooks(options: StreamOptions = {}): Promise<Webhook[]> {
    return (await this.#json("GET", "/api/webhooks", WebhookList, { signal: options.signal })).webhooks;
  }

  /** The signing secret in the answer is shown this once. */
  createWebhook(input: z.input<typeof CreateWebhook>): Promise<CreatedWebhook> {
    parseWith(CreateWebhook, input, "webhook");
    return this.#json("POST", "/api/webhooks", CreatedWebhook, { body: input });
  }

  updateWebhook(id: string, patch: z.input<typeof WebhookPatch>): Promise<Webhook> {
    parseWith(WebhookPatch, patch, "webhook changes");
    return this.#json("PATCH", `/api/webhooks/${segment(id)}`, Webhook, { body: patch });
  }

  async deleteWebhook(id: string): Promise<void> {
    await this.#send("DELETE", `/api/webhooks/${segment(id)}`);
  }

  /** A new signing secret, shown this once; it signs every attempt from now on. */
  rotateWebhookSecret(id: string): Promise<CreatedWebhook> {
    return this.#json("POST", `/api/webhooks/${segment(id)}/rotate-secret`, CreatedWebhook);
  }

  /** Queues a signed "webhook.test" delivery; follow it in webhookDeliveries. */
  testWebhook(id: string): Promise<WebhookDelivery> {
    return this.#json("POST", `/api/webhooks/${segment(id)}/test`, WebhookDelivery);
  }

  /** The webhook's recent deliveries, newest first. */
  async webhookDeliveries(id: string, options: { limit?: number; signal?: AbortSignal } = {}): Promise<WebhookDelivery[]> {
    const suffix = options.limit === undefined ? "" : `?limit=${options.limit}`;
    return (await this.#json("GET", `/api/webhooks/${segment(id)}/deliveries${suffix}`, WebhookDeliveryList, { signal: options.signal })).deliveries;
  }

  // Publishing

  /** Visibility, pinned version, publish settings and the identity secret (owner only). */
  getPublication(agentIdOrHandle: string): Promise<Publication> {
    return this.#json("GET", `/api/agents/${segment(agentIdOrHandle)}/publishing`, Publication);
  }

  updatePublishSettings(agentIdOrHandle: string, patch: z.input<typeof PublishSettingsPatch>): Promise<Publication> {
    const body = parseWith(PublishSettingsPatch, patch, "publish settings");
    return this.#json("PATCH", `/api/agents/${segment(agentIdOrHandle)}/publishing`, Publication, { body });
  }

  /** A new identity secret: old signatures stop working and identified visitors must be identified again. */
  rotateIdentitySecret(agentIdOrHandle: string): Promise<Publication> {
    return this.#json("POST", `/api/agents/${segment(agentIdOrHandle)}/publishing/rotate-secret`, Publication);
  }

  /** The directory of public agents, most recently published first. */
  publicAgents(options: { limit?: number; signal?: AbortSignal } = {}): Promise<PublicAgentList> {
    const query = options.limit === undefined ? "" : `?limit=${options.limit}`;
    return this.#json("GET", `/api/public/agents${query}`, PublicAgentList, { signal: options.signal });
  }

  /** Signs in a user of an embedding site (userId signed with the agent's identity secret) as a visitor. */
  identifyVisitor(input: IdentifyVisitor): Promise<VisitorSession> {
    const body = parseWith(IdentifyVisitor, input, "identity");
    return this.#json("POST", "/api/visitors/identify", VisitorSession, { body });
  }

  async #json<T extends z.ZodType>(method: string, path: string, schema: T, options: RequestOptions = {}): Promise<z.output<T>> {
    const response = await this.#send(method, path, options);
    const json = await this.#readJson(response, `${method} ${path}`);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join(".") || "(root)", message: issue.message }));
      throw malformedResponseError(`an answer to ${method} ${path}`, parsed.error, issues);
    }
    return parsed.data;
  }

  async #readJson(response: Response, what: string): Promise<unknown> {
    try {
      return await response.json();
    } catch (error) {
      throw malformedResponseError(`an answer to ${what}`, error);
    }
  }

  async #send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json", ...this.#headers, ...options.headers };
    const init: RequestInit = { method, headers };
    if (options.body instanceof FormData) {
      init.body = options.body;
    } else if (options.body instanceof Blob) {
      headers["content-type"] = options.body.type || "application/octet-stream";
      init.body = options.body;
    } else if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    if (options.signal) init.signal = options.signal;
    let response: Response;
    try {
      response = await this.#fetch(this.baseUrl + path, init);
    } catch (error) {
      if (options.signal?.aborted) throw abortedError(options.signal);
      throw unreachableError(this.baseUrl, error);
    }
    if (!response.ok && !options.acceptStatus?.includes(response.status)) {
      throw await errorFromResponse(response, { method, path });
    }
    return response;
  }

  /**
   * Yields a reply's events until `message-end` or `error`. Starts with a POST (`path`, `body`) or,
   * given `messageId`, with a resume GET; a connection lost mid-reply is resumed from the last id.
   */
  async *#replyStream(request: {
    conversationId: string;
    path?: string;
    body?: unknown;
    messageId?: string;
    lastEventId?: string;
    signal: AbortSignal | undefined;
  }): AsyncGenerator<StreamedChatEvent> {
    const { signal } = request;
    let messageId = request.messageId;
    let lastEventId = request.lastEventId;
    for (let attempt = 0; ; attempt++) {
      const response =
        attempt === 0 && request.path !== undefined
          ? await this.#send("POST", request.path, { body: request.body, signal, headers: { accept: "text/event-stream" } })
          : await this.#send("GET", `/api/conversations/${segment(request.conversationId)}/replies/${segment(messageId ?? "")}/events`, {
              signal,
              headers: { accept: "text/event-stream", "last-event-id": lastEventId ?? "0" },
            });
      if (!response.body || !(response.headers.get("content-type") ?? "").includes("text/event-stream")) {
        throw malformedResponseError("a reply that is not an event stream");
      }
      let interruption: unknown;
      try {
        for await (const message of readSseStream(response.body)) {
          const event = parseChatEvent(message);
          if (event.type === "message-start") messageId = event.messageId;
          if (message.id !== undefined) lastEventId = message.id;
          yield message.id === undefined ? event : { ...event, id: message.id };
          // reply-held: no reply comes on this stream (the owner took over, or it waits for review).
          if (event.type === "message-end" || event.type === "error" || event.type === "reply-held") return;
        }
      } catch (error) {
        if (signal?.aborted) throw abortedError(signal);
        if (error instanceof AtelierError) throw error;
        interruption = error;
      }
      if (signal?.aborted) throw abortedError(signal);
      if (messageId === undefined || attempt >= STREAM_RESUME_ATTEMPTS) {
        throw new AtelierError("upstream_error", "The connection to the server broke before the reply finished.", {
          cause: interruption,
        });
      }
    }
  }
}

function parseChatEvent(message: SseMessage): ChatEvent {
  let json: unknown;
  try {
    json = JSON.parse(message.data);
  } catch (error) {
    throw malformedResponseError(`a "${message.event}" event that is not JSON`, error);
  }
  const parsed = ChatEvent.safeParse(json);
  if (!parsed.success) throw malformedResponseError(`a "${message.event}" event`, parsed.error);
  return parsed.data;
}

function asBlob(file: KnowledgeFile): Blob {
  return file.data instanceof Blob ? file.data : new Blob([file.data as Uint8Array<ArrayBuffer>], { type: file.type ?? "application/octet-stream" });
}

function segment(value: string): string {
  return encodeURIComponent(value);
}
