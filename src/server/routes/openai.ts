import type { FastifyReply } from "fastify";
import { z } from "zod";
import { AtelierError, type Agent } from "../../contracts/index.js";
import { userOf, type Principal } from "../../runtime/auth/principal.js";
import type { CompletionCaller, CompletionEvent, CompletionRequest, StartedCompletion } from "../../runtime/completions-service.js";
import type { AuthRule } from "../authz.js";
import { route, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";
import { openEventStream, whileConnected } from "../sse.js";

/*
 * The OpenAI-compatible API: an app that speaks the Chat Completions API talks to the caller's agents,
 * each one a "model" named by its handle. Requests follow OpenAI's shapes (unknown fields are ignored:
 * clients send many); errors keep Atelier's body, whose `error.message` OpenAI clients read. A request
 * that names its `user` gets that person's memories with the agent (see CompletionsService).
 */

/** API keys need the "chat" scope; a signed-in person may call it too. */
const CHAT: AuthRule = { allow: ["user"], scope: "chat" };

const TextPart = z.looseObject({
  type: z.literal("text", { error: "only text content parts are supported (type \"text\")" }),
  text: z.string().max(200_000),
});
const Message = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant"], { error: "role must be system, developer, user or assistant (tools are not supported)" }),
  content: z.union([z.string().max(200_000), z.array(TextPart).min(1).max(100)], { error: "content must be a string or an array of text parts" }),
});
const MaxTokens = z.number().int().min(1).max(32_768);

export const ChatCompletionRequest = z.looseObject({
  /** An agent's handle (or id). */
  model: z.string().trim().min(1, "name the agent to talk to as `model` (GET /v1/models lists them)").max(100),
  messages: z.array(Message, { error: "send `messages`: an array of { role, content }" }).min(1, "send at least one message").max(1_000),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  max_tokens: MaxTokens.nullish(),
  max_completion_tokens: MaxTokens.nullish(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).nullish(),
  /** The app's id for the person it speaks for: they get per-person memory, scoped to the calling key. */
  /** OpenAI allows up to 256 characters; an empty one names no one (clients send "" for "none"). */
  user: z.string().trim().max(256, "`user` is at most 256 characters: send the app's id for the person").nullish(),
  n: z.literal(1, { error: "only n: 1 is supported (one reply per request)" }).nullish(),
  stop: z.union([z.string().min(1).max(100), z.array(z.string().min(1).max(100)).max(4)]).nullish(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

const Usage = z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() });
const FinishReason = z.enum(["stop", "length"]);

export const ChatCompletion = z.object({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(z.object({
    index: z.number().int(),
    message: z.object({ role: z.literal("assistant"), content: z.string(), refusal: z.null() }),
    logprobs: z.null(),
    finish_reason: FinishReason,
  })),
  usage: Usage,
});
export type ChatCompletion = z.infer<typeof ChatCompletion>;

const ChatCompletionChunk = z.object({
  id: z.string(),
  object: z.literal("chat.completion.chunk"),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(z.object({
    index: z.number().int(),
    delta: z.object({ role: z.literal("assistant").optional(), content: z.string().optional() }),
    logprobs: z.null(),
    finish_reason: FinishReason.nullable(),
  })),
  usage: Usage.nullable().optional(),
});
type ChatCompletionChunk = z.infer<typeof ChatCompletionChunk>;

const Model = z.object({ id: z.string(), object: z.literal("model"), created: z.number().int(), owned_by: z.string() });
const ModelList = z.object({ object: z.literal("list"), data: z.array(Model) });
const ModelParams = z.object({ model: z.string().min(1).max(100) }).strict();

export function openAiRoutes({ completions, heartbeatMs }: AppServices): RouteSpec[] {
  return [
    route({
      method: "GET", url: "/v1/models", tag: "openai", summary: "OpenAI-compatible: the agents this caller may talk to, as models named by handle",
      auth: CHAT, responses: { 200: ModelList },
      handler: async ({ principal }) => ({
        status: 200,
        body: { object: "list", data: (await completions.models(callerOf(principal))).map(toModel) },
      }),
    }),
    route({
      method: "GET", url: "/v1/models/:model", tag: "openai", summary: "OpenAI-compatible: one agent as a model",
      auth: CHAT, params: ModelParams, responses: { 200: Model },
      handler: async ({ params, principal }) => ({ status: 200, body: toModel(await completions.agentFor(callerOf(principal), params.model)) }),
    }),
    route({
      method: "POST", url: "/v1/chat/completions", tag: "openai",
      summary: "OpenAI-compatible chat completion with an agent (persona, knowledge and settings apply); `stream: true` answers with chat.completion.chunk events",
      auth: CHAT, body: ChatCompletionRequest, responses: { 200: { eventStream: true, json: ChatCompletion, events: "data-only `chat.completion.chunk` JSON objects, then `[DONE]`, as OpenAI clients expect." } },
      handler: async ({ body, principal, reply }) => {
        const connection = whileConnected(reply.raw);
        try {
          const started = await completions.start(callerOf(principal), toCompletionRequest(body), connection.signal);
          if (!body.stream) return { status: 200, body: await collect(started, connection.signal) };
          await streamChunks(reply, started, { signal: connection.signal, includeUsage: body.stream_options?.include_usage === true, heartbeatMs });
          return "streamed";
        } finally {
          connection.release();
        }
      },
    }),
  ];
}

function callerOf(principal: Principal): CompletionCaller {
  const user = userOf(principal);
  return user.via === "api_key"
    ? { userId: user.user.id, keyId: user.keyId, agentIds: user.agentIds ?? null }
    : { userId: user.user.id, keyId: null, agentIds: null };
}

function toModel(agent: Agent): z.infer<typeof Model> {
  return { id: agent.handle, object: "model", created: Math.floor(Date.parse(agent.createdAt) / 1000), owned_by: "atelier" };
}

function toCompletionRequest(body: ChatCompletionRequest): CompletionRequest {
  const stop = body.stop ?? undefined;
  return {
    model: body.model,
    messages: body.messages.map((message) => ({
      role: message.role,
      content: typeof message.content === "string" ? message.content : message.content.map((part) => part.text).join(""),
    })),
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    seed: body.seed ?? undefined,
    stop: typeof stop === "string" ? [stop] : stop,
    user: body.user || undefined,
  };
}

async function collect(started: StartedCompletion, signal: AbortSignal): Promise<ChatCompletion> {
  let text = "";
  for await (const event of started.events) {
    if (event.type === "delta") {
      text += event.text;
      continue;
    }
    const usage = toUsage(event);
    return {
      id: started.id, object: "chat.completion", created: started.created, model: started.model,
      choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: event.finishReason }],
      usage,
    };
  }
  throw signal.aborted
    ? new AtelierError("aborted", "The request was cancelled before the reply was complete.")
    : new AtelierError("engine_error", "The model stopped without finishing the reply. Try again.");
}

function toUsage(end: Extract<CompletionEvent, { type: "end" }>): z.infer<typeof Usage> {
  const { promptTokens, completionTokens } = end.usage;
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/**
 * Data-only Server-Sent Events, as OpenAI clients expect: chunks, a final chunk with the finish
 * reason, the usage chunk when asked for, then `[DONE]`. An error after the stream began goes out as
 * `data: {"error": …}` (OpenAI clients raise it) and the stream ends without `[DONE]`.
 */
async function streamChunks(reply: FastifyReply, started: StartedCompletion, options: { signal: AbortSignal; includeUsage: boolean; heartbeatMs: number }): Promise<void> {
  const stream = openEventStream(reply, { signal: options.signal, heartbeatMs: options.heartbeatMs });
  const write = (data: unknown): Promise<void> => stream.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
  const chunk = (delta: ChatCompletionChunk["choices"][number]["delta"], finish: ChatCompletionChunk["choices"][number]["finish_reason"]): ChatCompletionChunk => ({
    id: started.id, object: "chat.completion.chunk", created: started.created, model: started.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(options.includeUsage ? { usage: null } : {}),
  });
  try {
    await write(chunk({ role: "assistant", content: "" }, null));
    for await (const event of started.events) {
      if (options.signal.aborted) break;
      if (event.type === "delta") {
        await write(chunk({ content: event.text }, null));
        continue;
      }
      await write(chunk({}, event.finishReason));
      if (options.includeUsage) {
        await write({ id: started.id, object: "chat.completion.chunk", created: started.created, model: started.model, choices: [], usage: toUsage(event) });
      }
      await write("[DONE]");
    }
  } catch (error) {
    if (!AtelierError.is(error)) reply.log.error({ err: error }, "completion stream failed");
    const failure = AtelierError.is(error) ? error : new AtelierError("engine_error", "The model failed while writing the reply. Try again.", { cause: error });
    if (!options.signal.aborted) await write({ error: { code: failure.code, message: failure.message } });
  } finally {
    stream.end();
  }
}
