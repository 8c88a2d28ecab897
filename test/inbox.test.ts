import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AtelierClient } from "../src/client/http-client.js";
import type { Agent, ConversationEvent, ConversationWithMessages, HeldTurn, InboxEvent, Message, TurnResult, VisitorSession } from "../src/contracts/index.js";
import type { ChatRequest } from "../src/engine/chat-engine.js";
import { seedSession } from "./support/accounts.js";
import { collectSse } from "./support/sse.js";
import { removeDir, startTestServer, type TestServer } from "./support/server.js";

/* The owner's inbox end to end: a visitor talks to a published agent while its owner watches, takes over, writes, hands back and reviews. */

let server: TestServer;
let owner: AtelierClient;
let agent: Agent;
let visitor: { id: string; headers: Record<string, string>; client: AtelierClient };
let conversationId: string;
const stop = new AbortController();
const inboxEvents: InboxEvent[] = [];
const liveEvents: ConversationEvent[] = [];
/** What the model was asked for replies, newest last (not the memory work that follows a turn, which has no session). */
const prompts: ChatRequest[] = [];

beforeAll(async () => {
  server = await startTestServer({ config: { rateLimits: { login: { max: 0 }, public: { max: 0 } } } });
  owner = new AtelierClient({ baseUrl: server.url, headers: server.auth });
  agent = await owner.createAgent({ name: "Inbox Ivy", greetings: ["Hi, I am Ivy."], model: { temperature: 0.5, maxTokens: 8 } });
  expect((await server.json("POST", `/api/agents/${agent.id}/publish`, {})).status).toBe(200);
  const created = await fetch(`${server.url}/api/visitors`, { method: "POST" });
  const session = (await created.json()) as VisitorSession;
  const headers = { authorization: `Bearer ${session.token}` };
  visitor = { id: session.visitorId, headers, client: new AtelierClient({ baseUrl: server.url, headers }) };
  const engine = await server.services.engines.resolve({ engine: agent.model.engine, model: agent.model.model });
  const streamChat = engine.streamChat.bind(engine);
  vi.spyOn(engine, "streamChat").mockImplementation((request, options) => {
    if (request.sessionKey !== undefined) prompts.push(request);
    return streamChat(request, options);
  });
});
afterAll(async () => {
  stop.abort();
  await server?.close();
  if (server) removeDir(server.dataDir);
});

/** Reads a live stream into `into` in the background; resolves once the server is subscribed. */
async function follow<T>(stream: AsyncIterable<T>, into: T[]): Promise<void> {
  const before = server.services.events.listenerCount;
  void (async () => {
    try {
      for await (const event of stream) into.push(event);
    } catch (error) {
      if (!stop.signal.aborted) throw error;
    }
  })();
  await waitFor(() => server.services.events.listenerCount > before, "the stream to subscribe");
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function post<T>(url: string, body: unknown, headers = visitor.headers): Promise<{ status: number; body: T }> {
  return server.json<T>("POST", url, body, headers);
}

const inboxEntry = async (query: Parameters<AtelierClient["inbox"]>[0] = {}) =>
  (await owner.inbox(query)).conversations.find((entry) => entry.id === conversationId);

/** Waits until a held draft has been written completely. */
async function draftWritten(messageId: string): Promise<Message> {
  await server.services.hub.get(messageId)?.finished;
  const draft = await server.services.store.conversations.getMessage(messageId);
  if (!draft) throw new Error(`no draft ${messageId}`);
  return draft;
}

describe("owner inbox", () => {
  it("lists a visitor's conversation unread, with a preview, and streams its changes live", async () => {
    await follow(owner.inboxEvents({ signal: stop.signal }), inboxEvents);
    const created = await post<ConversationWithMessages>("/api/conversations", { agentId: agent.handle });
    expect(created.status).toBe(201);
    expect(created.body.conversation).toMatchObject({ channel: "share", mode: "ai" });
    conversationId = created.body.conversation.id;
    await follow(visitor.client.conversationEvents(conversationId, { signal: stop.signal }), liveEvents);

    const turn = await post<TurnResult>(`/api/conversations/${conversationId}/messages`, { content: "Where is my parcel?", stream: false });
    expect(turn.status).toBe(200);
    const entry = await inboxEntry();
    expect(entry).toMatchObject({ agentName: "Inbox Ivy", agentHandle: agent.handle, unread: true, pendingReviews: 0, participantId: visitor.id });
    expect(entry?.preview).toBe(turn.body.reply.content.slice(0, 160));

    await waitFor(() => inboxEvents.some((event) => event.type === "message" && event.message.id === turn.body.reply.id), "the reply in the inbox stream");
    const kinds = inboxEvents.map((event) => (event.type === "message" ? `message:${event.message.role}` : event.type));
    expect(kinds).toEqual(expect.arrayContaining(["conversation", "message:user", "reply-started", "message:assistant"]));
    expect(inboxEvents.find((event) => event.type === "conversation")).toMatchObject({ conversation: { id: conversationId } });
    await waitFor(() => liveEvents.some((event) => event.type === "message" && event.message.id === turn.body.reply.id), "the reply on the visitor's live stream");
  });

  it("takes over: the visitor's messages are held and no reply is written; the owner's message reaches the visitor", async () => {
    const taken = await owner.takeOver(conversationId);
    expect(taken.mode).toBe("owner");
    await waitFor(() => liveEvents.some((event) => event.type === "mode" && event.mode === "owner"), "the takeover on the live stream");
    const promptsBefore = prompts.length;

    const streamed = await fetch(`${server.url}/api/conversations/${conversationId}/messages`, {
      method: "POST", headers: { ...visitor.headers, "content-type": "application/json" }, body: JSON.stringify({ content: "Hello? Anyone there?" }),
    });
    const events = await collectSse(streamed);
    expect(events.map((event) => event.event.type)).toEqual(["reply-held"]);
    expect(events[0]!.event).toMatchObject({ type: "reply-held", reason: "owner", conversationId });
    const quiet = await post<HeldTurn>(`/api/conversations/${conversationId}/messages`, { content: "Still there?", stream: false });
    expect(quiet.status).toBe(202);
    expect(quiet.body).toMatchObject({ held: "owner", userMessage: { content: "Still there?" } });
    expect((await post(`/api/conversations/${conversationId}/regenerate`, { stream: false })).status).toBe(409);
    expect((await visitor.client.getConversation(conversationId)).messages.at(-1)?.role).toBe("user");
    expect(prompts.length, "the model was not asked").toBe(promptsBefore);

    const written = await owner.sendOwnerMessage(conversationId, "Hello, this is Olga from the shop.");
    expect(written).toMatchObject({ role: "assistant", author: "owner", content: "Hello, this is Olga from the shop." });
    await waitFor(() => liveEvents.some((event) => event.type === "message" && event.message.id === written.id), "the owner's message on the live stream");
    expect(liveEvents.find((event) => event.type === "message" && event.message.id === written.id)).toMatchObject({ message: { author: "owner" } });
    expect((await inboxEntry())?.previewRole).toBe("owner");
  });

  it("hands back: the agent replies again and its prompt includes what the owner wrote", async () => {
    expect((await owner.handBack(conversationId)).mode).toBe("ai");
    await waitFor(() => liveEvents.some((event) => event.type === "mode" && event.mode === "ai"), "the hand-back on the live stream");
    const turn = await post<TurnResult>(`/api/conversations/${conversationId}/messages`, { content: "Thanks Olga!", stream: false });
    expect(turn.status).toBe(200);
    expect(turn.body.reply).toMatchObject({ role: "assistant", author: "agent", review: null });
    const prompt = prompts.at(-1)!.messages;
    expect(prompt).toContainEqual({ role: "assistant", content: "Hello, this is Olga from the shop." });
    expect(prompt.at(-1)).toEqual({ role: "user", content: "Thanks Olga!" });
    const session = await seedSession(server.services.store, server.admin.id);
    const audit = (await (await fetch(`${server.url}/api/account/audit`, { headers: session })).json()) as { events: { action: string; targetId: string }[] };
    const actions = audit.events.filter((event) => event.targetId === conversationId).map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(["conversation.taken_over", "conversation.handed_back"]));
  });

  it("hands back with a visitor's message still unanswered: the agent answers it at once", async () => {
    await owner.takeOver(conversationId);
    const waiting = await post<HeldTurn>(`/api/conversations/${conversationId}/messages`, { content: "Can someone help me?", stream: false });
    expect(waiting.status).toBe(202);
    const liveBefore = liveEvents.length;
    expect((await owner.handBack(conversationId)).mode).toBe("ai");
    await waitFor(() => liveEvents.slice(liveBefore).some((event) => event.type === "reply-started"), "the agent's reply starting on the live stream");
    const started = liveEvents.slice(liveBefore).find((event) => event.type === "reply-started");
    if (started?.type !== "reply-started") throw new Error("no reply started");
    await server.services.hub.get(started.messageId)?.finished;
    const { messages } = await visitor.client.getConversation(conversationId);
    expect(messages.at(-2)).toMatchObject({ role: "user", content: "Can someone help me?" });
    expect(messages.at(-1)).toMatchObject({ id: started.messageId, role: "assistant", author: "agent" });
    expect(prompts.at(-1)!.messages.at(-1)).toEqual({ role: "user", content: "Can someone help me?" });
    // Nothing waits after that: handing back again writes nothing more.
    await owner.takeOver(conversationId);
    const count = (await visitor.client.getConversation(conversationId)).messages.length;
    await owner.handBack(conversationId);
    expect((await visitor.client.getConversation(conversationId)).messages.length).toBe(count);
    expect(server.services.hub.activeIn(conversationId)).toBeUndefined();
  });

  it("holds replies for review: invisible to the visitor until approved (edited), gone when discarded", async () => {
    expect((await server.json("PATCH", `/api/agents/${agent.id}/publishing`, { reviewReplies: true })).status).toBe(200);
    const liveBefore = liveEvents.length;
    const held = await post<HeldTurn>(`/api/conversations/${conversationId}/messages`, { content: "Can I get a refund?", stream: false });
    expect(held.status).toBe(202);
    expect(held.body.held).toBe("review");
    await waitFor(() => inboxEvents.some((event) => event.type === "message" && event.message.review === "pending" && event.message.status === "complete"), "the finished draft in the inbox stream");
    const draftEvent = inboxEvents.find((event) => event.type === "message" && event.message.review === "pending");
    const draft = await draftWritten(draftEvent!.type === "message" ? draftEvent!.message.id : "");
    expect(inboxEvents.some((event) => event.type === "reply-started" && event.messageId === draft.id)).toBe(true);

    expect((await visitor.client.getConversation(conversationId)).messages.map((message) => message.id)).not.toContain(draft.id);
    expect((await owner.getConversation(conversationId)).messages.map((message) => message.id)).toContain(draft.id);
    const follow = await fetch(`${server.url}/api/conversations/${conversationId}/replies/${draft.id}/events`, { headers: visitor.headers });
    expect(follow.status, "visitors cannot follow a held draft").toBe(404);
    await follow.body?.cancel();
    expect((await inboxEntry())?.pendingReviews).toBe(1);
    expect(liveEvents.slice(liveBefore).every((event) => event.type !== "reply-started" && !(event.type === "message" && event.message.id === draft.id))).toBe(true);

    const approved = await owner.approveReply(conversationId, draft.id, "A refund is on its way.");
    expect(approved).toMatchObject({ id: draft.id, review: "edited", content: "A refund is on its way." });
    await waitFor(() => liveEvents.some((event) => event.type === "message" && event.message.id === draft.id), "the approved reply on the live stream");
    expect(liveEvents.find((event) => event.type === "message" && event.message.id === draft.id)).toMatchObject({ message: { review: "edited", content: "A refund is on its way." } });
    expect((await visitor.client.getConversation(conversationId)).messages.at(-1)).toMatchObject({ id: draft.id, content: "A refund is on its way." });
    expect((await inboxEntry())?.pendingReviews).toBe(0);

    const again = await post<HeldTurn>(`/api/conversations/${conversationId}/messages`, { content: "And a discount?", stream: false });
    expect(again.status).toBe(202);
    const second = await waitForPendingDraft();
    expect(prompts.at(-1)!.messages).toContainEqual({ role: "assistant", content: "A refund is on its way." });
    const discarded = await owner.discardReply(conversationId, second.id);
    expect(discarded.review).toBe("discarded");
    await expect(owner.approveReply(conversationId, second.id)).rejects.toMatchObject({ code: "conflict" });
    expect((await visitor.client.getConversation(conversationId)).messages.map((message) => message.id)).not.toContain(second.id);
    expect((await server.json("PATCH", `/api/agents/${agent.id}/publishing`, { reviewReplies: false })).status).toBe(200);
    const turn = await post<TurnResult>(`/api/conversations/${conversationId}/messages`, { content: "Ok bye", stream: false });
    expect(turn.status).toBe(200);
    const history = prompts.at(-1)!.messages;
    const asked = history.findIndex((message) => message.content === "And a discount?");
    expect(history[asked + 1], "a discarded draft leaves the history").toEqual({ role: "user", content: "Ok bye" });
    expect(liveEvents.some((event) => event.type === "message" && event.message.id === second.id)).toBe(false);
  });

  it("finds conversations by words and by agent, and marking one read clears its unread mark", async () => {
    const otherAgent = await owner.createAgent({ name: "Second Sam", model: { maxTokens: 4 } });
    expect((await server.json("POST", `/api/agents/${otherAgent.id}/publish`, {})).status).toBe(200);
    const other = await post<ConversationWithMessages>("/api/conversations", { agentId: otherAgent.id, channel: "widget" });
    expect(other.body.conversation.channel).toBe("widget");
    await post(`/api/conversations/${other.body.conversation.id}/messages`, { content: "zanzibar shipping please", stream: false });

    expect((await owner.inbox({ q: "ZANZIBAR" })).conversations.map((entry) => entry.id)).toEqual([other.body.conversation.id]);
    expect((await owner.inbox({ q: "refund is on" })).conversations.map((entry) => entry.id)).toEqual([conversationId]);
    expect((await owner.inbox({ q: "100%_none" })).conversations).toEqual([]);
    expect((await owner.inbox({ agentId: otherAgent.id })).conversations.map((entry) => entry.id)).toEqual([other.body.conversation.id]);

    expect((await inboxEntry())?.unread).toBe(true);
    const eventsBefore = inboxEvents.length;
    await owner.markRead(conversationId);
    expect((await inboxEntry())?.unread).toBe(false);
    expect((await owner.inbox({ unread: true })).conversations.map((entry) => entry.id)).toEqual([other.body.conversation.id]);
    await waitFor(() => inboxEvents.slice(eventsBefore).some((event) => event.type === "conversation" && event.conversation.id === conversationId && !event.conversation.unread), "the read mark in the inbox stream");

    const deleted = await fetch(`${server.url}/api/conversations/${other.body.conversation.id}`, { method: "DELETE", headers: visitor.headers });
    expect(deleted.status).toBe(204);
    await waitFor(() => inboxEvents.some((event) => event.type === "conversation-deleted" && event.conversationId === other.body.conversation.id), "the deletion in the inbox stream");
  });
});

async function waitForPendingDraft(): Promise<Message> {
  let found: Message | undefined;
  await waitFor(async () => {
    const messages = (await owner.getConversation(conversationId)).messages;
    found = messages.find((message) => message.review === "pending");
    return found !== undefined;
  }, "a pending draft");
  return draftWritten(found!.id);
}
