/**
 * An instant OpenAI-compatible upstream for the server-overhead benchmark, run as its own process
 * (`node dist/bench/upstream.js`) so it does not share an event loop with Atelier or the load
 * generator. Adapted from test/support/openai-stub-server.ts, trimmed for speed: frames are built once
 * per model, and a request costs one JSON.parse and one write.
 *
 * Environment:
 *   BENCH_UPSTREAM_PORT             port to listen on (127.0.0.1)
 *   BENCH_UPSTREAM_REPLY_TOKENS     word pieces per reply (default 64)
 * The model name sets the chunking: "bench-c8" sends 8 word pieces per SSE chunk (default 1, as vLLM,
 * llama.cpp server and Ollama do). A model name containing "stall" gets the role frame and one content chunk, then nothing until the
 * client goes away (to hold streams open).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { replyPieces, tokensPerChunkOf, UPSTREAM_REPLY_TOKENS } from "./lib/upstream-reply.js";

const port = Number(process.env.BENCH_UPSTREAM_PORT ?? 0);
const replyTokens = Number(process.env.BENCH_UPSTREAM_REPLY_TOKENS ?? UPSTREAM_REPLY_TOKENS);

interface Frames {
  tokensPerChunk: number;
  opening: string;
  contents: string[];
  closing: (promptTokens: number, completionTokens: number, finishReason: string) => string;
}

const framesByModel = new Map<string, Frames>();

function framesFor(model: string): Frames {
  let frames = framesByModel.get(model);
  if (frames) return frames;
  const header = `{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":${Math.floor(Date.now() / 1000)},"model":${JSON.stringify(model)},"choices":`;
  const frame = (choices: string, extra = "") => `data: ${header}${choices}${extra}}\n\n`;
  const tokensPerChunk = tokensPerChunkOf(model);
  const pieces = replyPieces(replyTokens);
  const contents: string[] = [];
  for (let start = 0; start < pieces.length; start += tokensPerChunk) {
    const text = pieces.slice(start, start + tokensPerChunk).join("");
    contents.push(frame(`[{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}]`));
  }
  frames = {
    tokensPerChunk,
    opening: frame(`[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]`),
    contents,
    closing: (promptTokens, completionTokens, finishReason) =>
      frame(`[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${finishReason}"}]`) +
      frame(
        "[]",
        `,"usage":{"prompt_tokens":${promptTokens},"completion_tokens":${completionTokens},"total_tokens":${promptTokens + completionTokens},"prompt_tokens_details":{"cached_tokens":0}}`,
      ) +
      "data: [DONE]\n\n",
  };
  framesByModel.set(model, frames);
  return frames;
}

interface ChatBody {
  model?: string;
  messages?: { content?: unknown }[];
  max_tokens?: number;
  stream?: boolean;
}

function handleChat(res: ServerResponse, body: ChatBody): void {
  const model = body.model ?? "bench-model";
  const frames = framesFor(model);
  let promptChars = 0;
  for (const message of body.messages ?? []) promptChars += typeof message.content === "string" ? message.content.length : 0;
  const promptTokens = Math.ceil(promptChars / 4) + 4 * (body.messages?.length ?? 0);
  const chunks = Math.min(frames.contents.length, Math.ceil((body.max_tokens ?? Number.MAX_SAFE_INTEGER) / frames.tokensPerChunk));
  const completionTokens = Math.min(replyTokens, chunks * frames.tokensPerChunk);
  const finishReason = completionTokens < replyTokens ? "length" : "stop";
  if (body.stream !== true) {
    const text = replyPieces(completionTokens).join("");
    const payload = JSON.stringify({
      id: "chatcmpl-bench",
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { role: "assistant", content: text }, logprobs: null, finish_reason: finishReason }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
    res.end(payload);
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  if (model.includes("stall")) {
    // Hold the stream open: a role frame and one content chunk, then silence until the client leaves.
    res.write(frames.opening + frames.contents[0]!);
    return;
  }
  let stream = frames.opening;
  for (let index = 0; index < chunks; index++) stream += frames.contents[index]!;
  res.end(stream + frames.closing(promptTokens, completionTokens, finishReason));
}

function respondJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
  res.end(payload);
}

function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method === "POST" && path === "/v1/chat/completions") return handleChat(res, (raw ? JSON.parse(raw) : {}) as ChatBody);
  if (req.method === "GET" && path === "/v1/models") {
    return respondJson(res, 200, { object: "list", data: [{ id: "bench-model", object: "model", created: 0, owned_by: "bench" }] });
  }
  // Like vLLM (FastAPI) for unknown routes, /tokenize included: Atelier then estimates token counts.
  respondJson(res, 404, { detail: "Not Found" });
}

const server = createServer((req, res) => {
  let raw = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => (raw += chunk));
  req.on("end", () => {
    try {
      handle(req, res, raw);
    } catch (error) {
      if (!res.headersSent) respondJson(res, 500, { error: { message: String(error), type: "server_error" } });
      else res.destroy();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ listening: typeof address === "object" && address ? address.port : port })}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
