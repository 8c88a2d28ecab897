import { ApproveReply, Conversation, IdParams, InboxList, InboxQuery, Message, OwnerMessage, ReplyParams, type ConversationMode } from "../../contracts/index.js";
import { actorOf, userOf, type Principal } from "../../runtime/auth/principal.js";
import type { AuthRule } from "../authz.js";
import { route, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";
import { streamSseMessages } from "../sse.js";

/** The owner's side of their agents' conversations: people only (API keys with the scopes too), never visitors. */
const READ: AuthRule = { allow: ["user"], scope: "conversations:read" };
const WRITE: AuthRule = { allow: ["user"], scope: "conversations:write" };

export function inboxRoutes(services: AppServices): RouteSpec[] {
  const { access, inbox, audit } = services;
  const owning = ({ params, principal }: { params: { id: string }; principal: Principal }) => access.ownConversation(principal, params.id);

  async function auditMode(action: "conversation.taken_over" | "conversation.handed_back", input: { principal: Principal; ip: string; conversationId: string }) {
    const owner = userOf(input.principal).user.id;
    await audit.record({ userId: owner, action, actor: actorOf(input.principal), ip: input.ip, target: { type: "conversation", id: input.conversationId } });
  }

  /** Take over ("owner") or hand back ("ai"); audited only when it changes the mode. */
  const modeChange = (mode: ConversationMode, path: string, summary: string) =>
    route({
      method: "POST", url: `/api/conversations/:id/${path}`, tag: "inbox", summary,
      auth: WRITE, params: IdParams, guard: owning, responses: { 200: Conversation },
      handler: async ({ resource, principal, request }) => {
        const by = userOf(principal).user.id;
        const conversation = mode === "owner" ? await inbox.takeOver(resource, by) : await inbox.handBack(resource, by);
        const action = mode === "owner" ? "conversation.taken_over" : "conversation.handed_back";
        if (resource.conversation.mode !== mode) await auditMode(action, { principal, ip: request.ip, conversationId: conversation.id });
        return { status: 200, body: conversation };
      },
    });

  return [
    route({
      method: "GET", url: "/api/inbox", tag: "inbox",
      summary: "Visitors' conversations with your agents, most recently active first, with previews, unread marks and replies waiting for review",
      auth: READ, query: InboxQuery, responses: { 200: InboxList },
      handler: async ({ query, principal }) => ({ status: 200, body: await inbox.list(userOf(principal).user.id, query) }),
    }),
    route({
      method: "GET", url: "/api/inbox/events", tag: "inbox",
      summary: "Live inbox updates (Server-Sent Events of InboxEvent): conversation summaries on every change, messages, replies starting, deletions",
      auth: READ, responses: { 200: { eventStream: true, events: "`event` is the InboxEvent type, `data` its JSON." } },
      handler: async ({ principal, reply }) => {
        const ownerId = userOf(principal).user.id;
        await streamSseMessages(reply, async function* (signal) {
          for await (const event of inbox.events(ownerId, signal)) yield { event: event.type, data: event };
        }, { heartbeatMs: services.heartbeatMs });
        return "streamed";
      },
    }),
    modeChange("owner", "takeover", "Take the conversation over: the agent stops replying (a reply being written stops) until you hand it back"),
    modeChange("ai", "handback", "Hand the conversation back to the agent: it replies to the next message, aware of what you wrote"),
    route({
      method: "POST", url: "/api/conversations/:id/owner-messages", tag: "inbox",
      summary: "Write to the visitor as yourself (the conversation is taken over first when the agent had it)",
      auth: WRITE, params: IdParams, body: OwnerMessage, guard: owning, responses: { 201: Message },
      handler: async ({ resource, principal, request, body }) => {
        const { message, tookOver } = await inbox.sendOwnerMessage(resource, body.content, userOf(principal).user.id);
        if (tookOver) await auditMode("conversation.taken_over", { principal, ip: request.ip, conversationId: resource.conversation.id });
        return { status: 201, body: message };
      },
    }),
    route({
      method: "POST", url: "/api/conversations/:id/read", tag: "inbox",
      summary: "Mark the conversation read in your inbox",
      auth: WRITE, params: IdParams, guard: owning, responses: { 204: null },
      handler: async ({ resource }) => {
        await inbox.markRead(resource);
        return { status: 204 };
      },
    }),
    route({
      method: "POST", url: "/api/conversations/:id/messages/:messageId/approve", tag: "inbox",
      summary: "Send a reply held for review to the visitor, as written or with your edit (content)",
      auth: WRITE, params: ReplyParams, body: ApproveReply, guard: owning, responses: { 200: Message },
      handler: async ({ resource, params, body }) => ({ status: 200, body: await inbox.approve(resource, params.messageId, body.content) }),
    }),
    route({
      method: "POST", url: "/api/conversations/:id/messages/:messageId/discard", tag: "inbox",
      summary: "Discard a reply held for review: the visitor never sees it and the agent forgets it",
      auth: WRITE, params: ReplyParams, guard: owning, responses: { 200: Message },
      handler: async ({ resource, params }) => ({ status: 200, body: await inbox.discard(resource, params.messageId) }),
    }),
  ];
}
