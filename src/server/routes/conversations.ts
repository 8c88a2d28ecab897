import { z } from "zod";
import {
  AbortResult,
  AtelierError,
  ConversationList,
  ConversationListQuery,
  ConversationWithMessages,
  CreateConversation,
  IdParams,
  PostMessage,
  Regenerate,
  ReplyParams,
  TurnResult,
} from "../../contracts/index.js";
import type { ReplyRun } from "../../runtime/reply-hub.js";
import { route, type RouteResult, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";
import { streamSse } from "../sse.js";
import type { FastifyReply } from "fastify";

const ResumeQuery = z.object({ lastEventId: z.coerce.number().int().min(0).optional() });
const LastEventId = z.coerce.number().int().min(0, "Last-Event-ID must be an event number from this stream");

export function conversationRoutes(services: AppServices): RouteSpec[] {
  const { chat, hub } = services;

  async function respond(run: ReplyRun, options: { stream: boolean; userMessageId: string | null; reply: FastifyReply }): Promise<RouteResult> {
    if (!options.stream) return { status: 200, body: await chat.result(run, options.userMessageId) };
    await streamSse(options.reply, (signal) => run.subscribe(0, signal), { heartbeatMs: services.heartbeatMs });
    return "streamed";
  }

  return [
    route({
      method: "POST", url: "/api/conversations", tag: "conversations",
      summary: "Start a conversation with an agent (its greeting is the first message)",
      body: CreateConversation, responses: { 201: ConversationWithMessages },
      handler: async ({ body }) => ({ status: 201, body: await chat.createConversation(body) }),
    }),
    route({
      method: "GET", url: "/api/conversations", tag: "conversations", summary: "List conversations, most recent first",
      query: ConversationListQuery, responses: { 200: ConversationList },
      handler: async ({ query }) => ({ status: 200, body: { conversations: await chat.listConversations(query) } }),
    }),
    route({
      method: "GET", url: "/api/conversations/:id", tag: "conversations", summary: "A conversation with its messages",
      params: IdParams, responses: { 200: ConversationWithMessages },
      handler: async ({ params }) => ({ status: 200, body: await chat.getConversation(params.id) }),
    }),
    route({
      method: "DELETE", url: "/api/conversations/:id", tag: "conversations", summary: "Delete a conversation",
      params: IdParams, responses: { 204: null },
      handler: async ({ params }) => {
        await chat.deleteConversation(params.id);
        return { status: 204 };
      },
    }),
    route({
      method: "POST", url: "/api/conversations/:id/messages", tag: "conversations",
      summary: "Send a message; the reply streams as Server-Sent Events (or JSON with stream: false)",
      params: IdParams, body: PostMessage, responses: { 200: { eventStream: true, json: TurnResult } },
      handler: async ({ params, body, reply }) => {
        const { run, userMessage } = await chat.sendMessage({ conversationId: params.id, content: body.content });
        return respond(run, { stream: body.stream, userMessageId: userMessage.id, reply });
      },
    }),
    route({
      method: "POST", url: "/api/conversations/:id/regenerate", tag: "conversations",
      summary: "Write the last reply again; the old one is kept but leaves the history",
      params: IdParams, body: Regenerate, responses: { 200: { eventStream: true, json: TurnResult } },
      handler: async ({ params, body, reply }) => {
        const run = await chat.regenerate({ conversationId: params.id });
        return respond(run, { stream: body.stream, userMessageId: null, reply });
      },
    }),
    route({
      method: "GET", url: "/api/conversations/:id/replies/:messageId/events", tag: "conversations",
      summary: "Resume a reply's event stream after the event id in Last-Event-ID (or ?lastEventId=)",
      params: ReplyParams, query: ResumeQuery, responses: { 200: { eventStream: true } },
      handler: async ({ params, query, request, reply }) => {
        const header = request.headers["last-event-id"];
        const after = header === undefined ? (query.lastEventId ?? 0) : LastEventId.parse(header);
        const run = hub.get(params.messageId);
        if (!run || run.conversationId !== params.id) {
          throw new AtelierError(
            "not_found",
            "This reply is not streaming any more. Read it with GET /api/conversations/" + params.id + ".",
          );
        }
        await streamSse(reply, (signal) => run.subscribe(after, signal), { heartbeatMs: services.heartbeatMs });
        return "streamed";
      },
    }),
    route({
      method: "POST", url: "/api/conversations/:id/replies/:messageId/abort", tag: "conversations",
      summary: "Stop a reply that is being written; what was written so far is kept as incomplete",
      params: ReplyParams, responses: { 202: AbortResult },
      handler: async ({ params }) => ({ status: 202, body: { aborted: await chat.abortReply(params.id, params.messageId) } }),
    }),
  ];
}
