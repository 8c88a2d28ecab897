import { z } from "zod";
import {
  AbortResult,
  AtelierError,
  ConversationList,
  ConversationListQuery,
  ConversationWithMessages,
  CreateConversation,
  HeldTurn,
  IdParams,
  type Message,
  PostMessage,
  Regenerate,
  ReplyParams,
  TurnResult,
} from "../../contracts/index.js";
import { actorOf, participantIdOf, visitorOrUserOf, type Principal } from "../../runtime/auth/principal.js";
import { isVisibleToParticipant, isVisitorConversation, type HeldReason, type TurnTarget } from "../../runtime/chat-service.js";
import type { ReplyRun } from "../../runtime/reply-hub.js";
import type { AuthRule } from "../authz.js";
import { route, type RouteResult, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";
import { streamSse, streamSseMessages } from "../sse.js";
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

  /** No reply for the sender: one `reply-held` event (or 202 with HeldTurn); what follows comes on the live stream. */
  async function respondHeld(held: HeldReason, options: { conversationId: string; userMessage: Message | null; stream: boolean; reply: FastifyReply }): Promise<RouteResult> {
    if (!options.stream) return { status: 202, body: { userMessage: options.userMessage, held } satisfies HeldTurn };
    const event = { type: "reply-held", conversationId: options.conversationId, userMessageId: options.userMessage?.id ?? null, reason: held } as const;
    await streamSseMessages(options.reply, async function* () {
      yield { id: "1", event: event.type, data: event };
    });
    return "streamed";
  }

  /** The agent's owner sees everything in the conversation; its participant only what was sent to them. */
  const isOwner = (principal: Principal, target: TurnTarget) => principal.kind === "user" && target.agent.ownerId === principal.user.id;

  /** Drafts held for review (or discarded) do not exist for anyone but the owner. */
  async function hideDraftsFromParticipants(principal: Principal, target: TurnTarget, messageId: string): Promise<void> {
    if (isOwner(principal, target)) return;
    const message = await services.store.conversations.getMessage(messageId);
    if (message && message.conversationId === target.conversation.id && !isVisibleToParticipant(message)) {
      throw new AtelierError("not_found", `No reply "${messageId}" in this conversation.`);
    }
  }

  /** Visitors' messages count against the agent's visitor limits, before anything is stored. */
  async function admitVisitorMessage(target: TurnTarget): Promise<void> {
    if (!isVisitorConversation(target.conversation, target.agent)) return;
    await services.quotas.admit({ agent: target.agent, participantId: target.conversation.participantId });
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
        const owner = caller.kind === "user" && agent.ownerId === caller.user.id;
        const participantId = owner && body.participantId ? body.participantId : participantIdOf(caller);
        // Visitors are on the share page unless they say the widget; the studio is the owner's.
        const channel = owner ? (body.channel ?? "studio") : body.channel === "widget" ? "widget" : "share";
        return { status: 201, body: await chat.createConversation({ agent, participantId, title: body.title, channel }) };
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
      handler: async ({ resource, principal }) => ({
        status: 200,
        body: await chat.getConversation(resource.conversation, { asOwner: isOwner(principal, resource) }),
      }),
    }),
    route({
      method: "DELETE", url: "/api/conversations/:id", tag: "conversations",
      summary: "Delete a conversation (its owner, or the visitor who had it)",
      auth: WRITE, params: IdParams, guard: reading, responses: { 204: null },
      handler: async ({ resource, principal, request }) => {
        await chat.deleteConversation(resource.conversation.id, resource.agent);
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
      summary: "Send a message; the reply streams as Server-Sent Events (or JSON with stream: false). " +
        "When the owner took the conversation over, or replies wait for the owner's review, a single `reply-held` event " +
        "(202 with HeldTurn for stream: false) answers instead; follow GET /api/conversations/:id/live",
      auth: WRITE, params: IdParams, body: PostMessage, guard: writing,
      responses: { 200: { eventStream: true, json: TurnResult }, 202: HeldTurn },
      handler: async ({ body, reply, resource }) => {
        await admitVisitorMessage(resource);
        const turn = await chat.takeTurn({ ...resource, content: body.content });
        if (turn.held !== null) {
          return respondHeld(turn.held, { conversationId: resource.conversation.id, userMessage: turn.userMessage, stream: body.stream, reply });
        }
        return respond(turn.run, { stream: body.stream, userMessageId: turn.userMessage.id, reply });
      },
    }),
    route({
      method: "POST", url: "/api/conversations/:id/regenerate", tag: "conversations",
      summary: "Write the last reply again; the old one is kept but leaves the history (409 while the owner has taken the conversation over)",
      auth: WRITE, params: IdParams, body: Regenerate, guard: writing,
      responses: { 200: { eventStream: true, json: TurnResult }, 202: HeldTurn },
      handler: async ({ body, reply, resource }) => {
        await admitVisitorMessage(resource);
        const { run, held } = await chat.regenerate(resource);
        if (held !== null) return respondHeld(held, { conversationId: resource.conversation.id, userMessage: null, stream: body.stream, reply });
        return respond(run, { stream: body.stream, userMessageId: null, reply });
      },
    }),
    route({
      method: "GET", url: "/api/conversations/:id/replies/:messageId/events", tag: "conversations",
      summary: "Resume a reply's event stream after the event id in Last-Event-ID (or ?lastEventId=)",
      auth: READ, params: ReplyParams, query: ResumeQuery, guard: reading, responses: { 200: { eventStream: true } },
      handler: async ({ params, query, request, reply, principal, resource }) => {
        await hideDraftsFromParticipants(principal, resource, params.messageId);
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
      handler: async ({ params, resource, principal }) => {
        await hideDraftsFromParticipants(principal, resource, params.messageId);
        return { status: 202, body: { aborted: await chat.abortReply(resource.conversation.id, params.messageId) } };
      },
    }),
    route({
      method: "GET", url: "/api/conversations/:id/live", tag: "conversations",
      summary: "What changes in the conversation, live (Server-Sent Events of ConversationEvent): messages, replies starting, takeover and hand-back",
      auth: READ, params: IdParams, guard: reading, responses: { 200: { eventStream: true, events: "`event` is the ConversationEvent type, `data` its JSON." } },
      handler: async ({ reply, principal, resource }) => {
        const asOwner = isOwner(principal, resource);
        await streamSseMessages(reply, async function* (signal) {
          for await (const event of services.inbox.conversationEvents(resource.conversation.id, { asOwner, signal })) yield { event: event.type, data: event };
        }, { heartbeatMs: services.heartbeatMs });
        return "streamed";
      },
    }),
  ];
}
