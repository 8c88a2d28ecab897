import type { z } from "zod";
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
  type AgentProfileInput,
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

interface RequestOptions {
  /** JSON-encoded, except FormData, which is sent as multipart/form-data. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Non-2xx statuses whose body is a normal answer (readiness says 503 with a body). */
  acceptStatus?: readonly number[];
}

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

  publishAgent(idOrHandle: string): Promise<Agent> {
    return this.#json("POST", `/api/agents/${segment(idOrHandle)}/publish`, Agent);
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
  sendMessage(conversationId: string, content: string, options: StreamOptions = {}): Promise<TurnResult> {
    const path = `/api/conversations/${segment(conversationId)}/messages`;
    return this.#json("POST", path, TurnResult, { body: { content, stream: false }, signal: options.signal });
  }

  /** Writes the last reply again, streaming the new one. */
  streamRegenerate(conversationId: string, options: StreamOptions = {}): AsyncIterable<StreamedChatEvent> {
    const path = `/api/conversations/${segment(conversationId)}/regenerate`;
    return this.#replyStream({ conversationId, path, body: { stream: true }, signal: options.signal });
  }

  regenerate(conversationId: string, options: StreamOptions = {}): Promise<TurnResult> {
    const path = `/api/conversations/${segment(conversationId)}/regenerate`;
    return this.#json("POST", path, TurnResult, { body: { stream: false }, signal: options.signal });
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

  // Transport

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
          if (event.type === "message-end" || event.type === "error") return;
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

function segment(value: string): string {
  return encodeURIComponent(value);
}
