/**
 * A real local HTTP server speaking the OpenAI chat completions protocol, for adapter tests and as
 * an "instant upstream" for benchmarks. It answers from a scripted reply, never from a model.
 *
 * "Tokens" here are word pieces (a run of whitespace plus the following word), so that counts are
 * deterministic and easy to reason about in assertions.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StubChatMessage {
  role: string;
  content: string;
}

/** The request body fields the stub understands; everything else is kept in `body` as sent. */
export interface StubChatRequest {
  model?: string;
  messages?: StubChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number;
  [field: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined for bodiless requests). */
  body: unknown;
  /**
   * Settles when the exchange is over: "completed" when the stub sent the whole response,
   * "disconnected" when the client (or a `failAfterChunks` failure) closed the connection first.
   */
  outcome: Promise<"completed" | "disconnected">;
}

export interface StubErrorResponse {
  status: number;
  message?: string;
  type?: string;
  code?: string | null;
}

export interface OpenAIStubOptions {
  /** The assistant's reply, or a function of the request. Default: "Hello from the stub server." */
  reply?: string | ((request: StubChatRequest) => string);
  /** Word pieces per content chunk. Default 1. */
  tokensPerChunk?: number;
  /** Milliseconds between content chunks; 0 (default) writes the whole stream at once. */
  chunkDelayMs?: number;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` or get a 401. */
  apiKey?: string;
  /** Answer every chat completion with this error instead of a reply. */
  error?: StubErrorResponse;
  /** Destroy the socket after this many content chunks (simulates a crashed upstream). */
  failAfterChunks?: number;
  /** After this many content chunks, send an in-stream `{"error":...}` event and end, as vLLM does when generation fails. */
  streamError?: { afterChunks: number; message: string };
  /** Send this many content chunks, then send nothing more until the client goes away. */
  stallAfterChunks?: number;
  /** Models served; a request naming another model gets vLLM's 404. Default: any model is accepted. */
  models?: string[];
  /** Prompt + max_tokens above this gets vLLM's 400 context-length error. */
  contextSize?: number;
  /** Prompt tokens reported as cached in `prompt_tokens_details.cached_tokens`. Default 0. */
  cachedTokens?: number;
  /** false: never send usage, even when the client asks for it (like some older servers). */
  sendUsage?: boolean;
  /** Serve `POST /tokenize` (at the origin, outside /v1) in this server's dialect. */
  tokenize?: "llama-cpp" | "vllm";
  /** Keep every request in `requests`. Default true; benchmarks turn it off to keep memory flat. */
  recordRequests?: boolean;
}

export interface OpenAIStubServer {
  /** Base URL ending in /v1, as an OpenAI client expects. */
  url: string;
  /** The origin (no /v1), where llama.cpp and vLLM serve /tokenize. */
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const DEFAULT_REPLY = "Hello from the stub server.";
const DEFAULT_MODEL = "stub-model";
/** Template overhead per message, in the stub's own token accounting. */
const TOKENS_PER_MESSAGE = 4;

/** Splits text into word pieces: leading whitespace stays attached to the word after it. */
export function stubTokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

export function stubPromptTokens(messages: readonly StubChatMessage[]): number {
  let total = 0;
  for (const message of messages) total += stubTokenize(message.content).length + TOKENS_PER_MESSAGE;
  return total;
}

export async function startOpenAIStubServer(options: OpenAIStubOptions = {}): Promise<OpenAIStubServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    readBody(req)
      .then((raw) => handle({ req, res, raw, options, requests }))
      .catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, errorBody(500, String(error), "server_error"));
        else res.destroy();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/v1`,
    origin,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  raw: string;
  options: OpenAIStubOptions;
  requests: RecordedRequest[];
}

function handle({ req, res, raw, options, requests }: Exchange): void {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const body: unknown = raw === "" ? undefined : JSON.parse(raw);
  if (options.recordRequests !== false) {
    const outcome = new Promise<"completed" | "disconnected">((resolve) => {
      res.once("close", () => resolve(res.writableFinished ? "completed" : "disconnected"));
    });
    requests.push({ method: req.method ?? "GET", path, headers: req.headers, body, outcome });
  }

  if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
    // Like OpenAI, echo the key that was sent: the adapter must not pass it on to users.
    const sent = req.headers.authorization?.replace(/^Bearer /, "") ?? "";
    sendJson(res, 401, errorBody(401, `Incorrect API key provided: ${sent}.`, "invalid_request_error", "invalid_api_key"));
    return;
  }

  const route = `${req.method ?? "GET"} ${path}`;
  if (route === "GET /v1/models") return sendModels(res, options);
  if (route === "POST /v1/chat/completions") return handleChat(res, (body ?? {}) as StubChatRequest, options);
  if (route === "POST /tokenize" && options.tokenize) return handleTokenize(res, body, options.tokenize);
  // FastAPI's (vLLM's) shape for unknown routes.
  sendJson(res, 404, { detail: "Not Found" });
}

function sendModels(res: ServerResponse, options: OpenAIStubOptions): void {
  const data = (options.models ?? [DEFAULT_MODEL]).map((id) => ({ id, object: "model", created: 0, owned_by: "stub" }));
  sendJson(res, 200, { object: "list", data });
}

function handleTokenize(res: ServerResponse, body: unknown, dialect: "llama-cpp" | "vllm"): void {
  const request = (body ?? {}) as { content?: unknown; prompt?: unknown; messages?: StubChatMessage[] };
  if (dialect === "llama-cpp") {
    // llama.cpp tokenizes `content` and answers an empty list for anything else.
    const pieces = typeof request.content === "string" ? stubTokenize(request.content) : [];
    sendJson(res, 200, { tokens: pieces.map((_, index) => index) });
    return;
  }
  const count = Array.isArray(request.messages)
    ? stubPromptTokens(request.messages)
    : stubTokenize(typeof request.prompt === "string" ? request.prompt : "").length;
  sendJson(res, 200, { count, max_model_len: 8192, tokens: Array.from({ length: count }, (_, index) => index) });
}

function handleChat(res: ServerResponse, request: StubChatRequest, options: OpenAIStubOptions): void {
  if (options.error) {
    const { status, message = "Stub failure.", type = "server_error", code = null } = options.error;
    sendJson(res, status, errorBody(status, message, type, code));
    return;
  }
  const model = request.model ?? DEFAULT_MODEL;
  if (options.models && !options.models.includes(model)) {
    sendJson(res, 404, { object: "error", message: `The model \`${model}\` does not exist.`, type: "NotFoundError", param: null, code: 404 });
    return;
  }
  const messages = request.messages ?? [];
  const promptTokens = stubPromptTokens(messages);
  if (options.contextSize !== undefined && promptTokens + (request.max_tokens ?? 0) > options.contextSize) {
    const message =
      `This model's maximum context length is ${options.contextSize} tokens. However, you requested ` +
      `${promptTokens + (request.max_tokens ?? 0)} tokens (${promptTokens} in the messages, ${request.max_tokens ?? 0} in the completion). ` +
      "Please reduce the length of the messages or completion.";
    sendJson(res, 400, { object: "error", message, type: "BadRequestError", param: null, code: 400 });
    return;
  }

  const replyText = typeof options.reply === "function" ? options.reply(request) : options.reply ?? DEFAULT_REPLY;
  let pieces = stubTokenize(replyText);
  let finishReason = "stop";
  if (request.max_tokens !== undefined && pieces.length > request.max_tokens) {
    pieces = pieces.slice(0, request.max_tokens);
    finishReason = "length";
  }
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: pieces.length,
    total_tokens: promptTokens + pieces.length,
    prompt_tokens_details: { cached_tokens: options.cachedTokens ?? 0 },
  };
  const id = `chatcmpl-stub${Math.random().toString(36).slice(2, 10)}`;
  const created = Math.floor(Date.now() / 1000);

  if (request.stream !== true) {
    sendJson(res, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message: { role: "assistant", content: pieces.join("") }, logprobs: null, finish_reason: finishReason }],
      ...(options.sendUsage === false ? {} : { usage }),
    });
    return;
  }

  const frames = streamFrames({
    header: `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":`,
    contents: groupPieces(pieces, Math.max(1, options.tokensPerChunk ?? 1)),
    finishReason,
    usage: request.stream_options?.include_usage === true && options.sendUsage !== false ? usage : undefined,
  });
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  writeStream(res, frames, options);
}

/** The SSE frames in order: role, content chunks, finish, optional usage, [DONE]. */
function streamFrames(spec: { header: string; contents: string[]; finishReason: string; usage: object | undefined }): {
  contentFrames: string[];
  openingFrame: string;
  closingFrames: string;
} {
  const { header } = spec;
  const frame = (choices: string, extra = "") => `data: ${header}${choices}${extra}}\n\n`;
  const contentFrames = spec.contents.map((content) =>
    frame(`[{"index":0,"delta":{"content":${JSON.stringify(content)}},"logprobs":null,"finish_reason":null}]`),
  );
  let closingFrames = frame(`[{"index":0,"delta":{},"logprobs":null,"finish_reason":${JSON.stringify(spec.finishReason)}}]`);
  if (spec.usage) closingFrames += frame("[]", `,"usage":${JSON.stringify(spec.usage)}`);
  closingFrames += "data: [DONE]\n\n";
  return {
    openingFrame: frame(`[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]`),
    contentFrames,
    closingFrames,
  };
}

function writeStream(
  res: ServerResponse,
  frames: { openingFrame: string; contentFrames: string[]; closingFrames: string },
  options: OpenAIStubOptions,
): void {
  const { openingFrame, contentFrames, closingFrames } = frames;
  const failAt = options.failAfterChunks;
  const stallAt = options.stallAfterChunks;
  const delay = options.chunkDelayMs ?? 0;

  const streamError = options.streamError;
  // The fast path: one write for the whole stream, no timers.
  if (delay <= 0 && failAt === undefined && stallAt === undefined && streamError === undefined) {
    res.end(openingFrame + contentFrames.join("") + closingFrames);
    return;
  }

  // Failures destroy the socket only once the frames before them are flushed, as a crashing server would.
  const failAfter = failAt === undefined ? undefined : Math.min(failAt, contentFrames.length);
  const destroy = (): void => {
    res.destroy();
  };
  res.write(openingFrame, failAfter === 0 ? destroy : undefined);
  if (failAfter === 0) return;
  let index = 0;
  const step = (): void => {
    if (res.destroyed) return;
    while (index < contentFrames.length) {
      // Stalling: wait for the client to give up; its `close` ends the exchange.
      if (index === stallAt) return;
      if (index === streamError?.afterChunks) {
        const event = { error: { message: streamError.message, type: "InternalServerError", param: null, code: 500 } };
        res.end(`data: ${JSON.stringify(event)}\n\ndata: [DONE]\n\n`);
        return;
      }
      const frame = contentFrames[index++];
      if (index === failAfter) {
        res.write(frame, destroy);
        return;
      }
      res.write(frame);
      if (delay > 0) {
        setTimeout(step, delay);
        return;
      }
    }
    res.end(closingFrames);
  };
  step();
}

function groupPieces(pieces: string[], size: number): string[] {
  if (size === 1) return pieces;
  const groups: string[] = [];
  for (let start = 0; start < pieces.length; start += size) groups.push(pieces.slice(start, start + size).join(""));
  return groups;
}

function errorBody(status: number, message: string, type: string, code: string | null = null): object {
  return { error: { message, type, param: null, code: code ?? String(status) } };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
