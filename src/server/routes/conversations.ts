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
import { actorOf, participantIdOf, visitorOrUserOf, type Principal } from "../../runtime/auth/principal.js";
import type { ReplyRun } from "../../runtime/reply-hub.js";
import type { AuthRule } from "../authz.js";
import { route, type RouteResult, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";
import { streamSse } from "../sse.js";
import type { FastifyReply } from "fastify";

const ResumeQuery = z.object({ lastEventId: z.coerce.number().int().min(0).optional() });
const LastEventId = z.coerce.number().int().min(0, "Last-Event-ID must be an event number from this stream");

/** Visitors reach these too (their own conversations with published agents), so they share the public rate limit. */
const READ: AuthRule = { allow: ["user", "visitor"], scope: "conversations:read", rateLimit: "public" };
const WRITE: AuthRule = { allow: ["user", "visitor"], scope: "conversations:write", rateLimit: "public" };

export function conversationRoutes(services: AppServices): RouteSpec[] {
  const { chat, hub, access, audit } = services;
  const reading = ({ params, principal }: { params: { id: string }; principal: Principal }) => access.conversation(principal, params.id, "read");
  const writing = ({ params, principal }: { params: { id: string }; principal: Principal }) => access.conversation(principal, params.id, "write");

  async function respond(run: ReplyRun, options: { stream: boolean; userMessageId: string | null; reply: FastifyReply }): Promise<RouteResult> {
    if (!options.stream) return { status: 200, body: await chat.result(run, options.userMessageId) };
    await streamSse(options.reply, (signal) => run.subscribe(0, signal), { heartbeatMs: services.heartbeatMs });
    return "streamed";
  }

  return [
    route({
      method: "POST", url: "/api/conversations", tag: "conversations",
      summary: "Start a conversation with an agent (its greeting is the first message)",
      auth: WRITE, body: CreateConversation, responses: { 201: ConversationWithMessages },
      guard: ({ body, principal }) => access.chatAgent(principal, body.agentId),
      handler: async ({ body, principal, resource: agent }) => {
        const caller = visitorOrUserOf(principal);
        // Only the agent's owner may file a conversation under another participant (their app's user id).
        const participantId = caller.kind === "user" && agent.ownerId === caller.user.id && body.participantId
          ? body.participantId
          : participantIdOf(caller);
        return { status: 201, body: await chat.createConversation({ agent, participantId, title: body.title }) };
      },
    }),
    route({
      method: "GET", url: "/api/conversations", tag: "conversations",
      summary: "List conversations, most recent first: an owner's inbox (every conversation with their agents), or a visitor's own",
      auth: READ, query: ConversationListQuery, responses: { 200: ConversationList },
      handler: async ({ query, principal }) => {
        const caller = visitorOrUserOf(principal);
        const scope = caller.kind === "user" ? { ownerId: caller.user.id } : { participantId: caller.visitorId };
        return { status: 200, body: { conversations: await chat.listConversations({ ...query, ...scope }) } };
      },
    }),
    route({
      method: "GET", url: "/api/conversations/:id", tag: "conversations", summary: "A conversation with its messages",
      auth: READ, params: IdParams, guard: reading, responses: { 200: ConversationWithMessages },
      handler: async ({ resource }) => ({ status: 200, body: await chat.getConversation(resource.conversation) }),
    }),
    route({
      method: "DELETE", url: "/api/conversations/:id", tag: "conversations",
      summary: "Delete a conversation (its owner, or the visitor who had it)",
      auth: WRITE, params: IdParams, guard: reading, responses: { 204: null },
      handler: async ({ resource, principal, request }) => {
        await chat.deleteConversation(resource.conversation.id);
        const owner = resource.agent.ownerId;
        if (owner !== null) {
          await audit.record({
            userId: owner, action: "conversation.deleted", actor: actorOf(principal), ip: request.ip,
            target: { type: "conversation", id: resource.conversation.id },
          });
        }
        return { status: 204 };
      },
    }),
    route({
      method: "POST", url: "/api/conversations/:id/messages", tag: "conversations",
      summary: "Send a message; the reply streams as Server-Sent Events (or JSON with stream: false)",
      auth: WRITE, params: IdParams, body: PostMessage, guard: writing, responses: { 200: { eventStream: true, json: TurnResult } },
      handler: async ({ body, reply, resource }) => {
        const { run, userMessage } = await chat.sendMessage({ ...resource, content: body.content });
        return respond(run, { stream: body.stream, userMessageId: userMessage.id, reply });
      },
    }),
    route({
      method: "POST", url: "/api/conversations/:id/regenerate", tag: "conversations",
      summary: "Write the last reply again; the old one is kept but leaves the history",
      auth: WRITE, params: IdParams, body: Regenerate, guard: writing, responses: { 200: { eventStream: true, json: TurnResult } },
      handler: async ({ body, reply, resource }) => {
        const run = await chat.regenerate(resource);
        return respond(run, { stream: body.stream, userMessageId: null, reply });
      },
    }),
    route({
      method: "GET", url: "/api/conversations/:id/replies/:messageId/events", tag: "conversations",
      summary: "Resume a reply's event stream after the event id in Last-Event-ID (or ?lastEventId=)",
      auth: READ, params: ReplyParams, query: ResumeQuery, guard: reading, responses: { 200: { eventStream: true } },
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
      auth: WRITE, params: ReplyParams, guard: writing, responses: { 202: AbortResult },
      handler: async ({ params, resource }) => ({ status: 202, body: { aborted: await chat.abortReply(resource.conversation.id, params.messageId) } }),
    }),
  ];
}
