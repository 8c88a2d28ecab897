/**
 * The widget's behaviour: who the visitor is, which conversation is open, sending and streaming,
 * the live stream of what the owner sends, and every failure said in words a visitor understands.
 */
import { Api, WidgetError } from "./api.js";
import { toAgent, toConversation, toLiveEvent, toReplyEvent, toSession, type LiveEvent, type WidgetAgent, type WidgetMessage } from "./guards.js";
import { readSse } from "./sse.js";
import { SavedSession } from "./storage.js";
import { View, type MessageView } from "./ui.js";

export interface ChatOptions {
  base: string;
  scriptUrl: string;
  handle: string;
  title: string | null;
  theme: string | null;
  position: string | null;
  identity: { userId: string; signature: string } | undefined;
}

const HELD = "A person will answer here shortly.";
const unexpected = () => new WidgetError("server", "The chat server sent an answer the widget does not understand. Try again later.");

function wait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  if (seconds < 3600) return `${Math.ceil(seconds / 60)} minutes`;
  return `at ${new Date(Date.now() + seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`;
}

export class Chat {
  readonly view: View;
  readonly #api: Api;
  readonly #saved: SavedSession;
  readonly #options: ChatOptions;
  #agent: WidgetAgent | undefined;
  #agentLoad: Promise<void> | undefined;
  #prepared = false;
  #conversationId: string | undefined;
  readonly #messages = new Map<string, MessageView>();
  /** The visitor's message on its way, until the server names it. */
  #pending: MessageView | undefined;
  #streaming: { controller: AbortController; replyId?: string } | undefined;
  #live: AbortController | undefined;

  constructor(options: ChatOptions) {
    this.#options = options;
    this.#api = new Api(options.base, options.scriptUrl);
    this.#saved = new SavedSession({ base: options.base, agent: options.handle, userId: options.identity?.userId });
    this.view = new View({
      theme: options.theme, position: options.position, title: options.title,
      events: {
        toggle: (open) => this.#toggle(open, true),
        send: (text) => void this.#send(text),
        stop: () => void this.#stop(),
        restart: () => this.#restart(),
      },
    });
  }

  async start(open: boolean): Promise<void> {
    this.#agentLoad = this.#loadAgent();
    // Opened by the page, not by the visitor: the page keeps its focus.
    if (open) this.#toggle(true, false);
    await this.#agentLoad;
  }

  async #loadAgent(): Promise<void> {
    try {
      const agent = toAgent(await this.#api.json("GET", this.#agentPath()));
      if (!agent) throw unexpected();
      this.#agent = { ...agent, avatar: this.#avatarUrl(agent.avatar) };
      this.view.setAgent(this.#agent, this.#options.title);
      this.view.setStatus("");
    } catch (error) {
      this.#fail(error, () => {
        this.#agentLoad = this.#loadAgent();
        void this.#prepare();
      });
    }
  }

  /** Remote images and data: images only; a relative path is the Atelier server's. */
  #avatarUrl(avatar: string): string {
    if (avatar === "") return "";
    if (avatar.startsWith("data:image/")) return avatar;
    try {
      const url = new URL(avatar, this.#options.base);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : "";
    } catch {
      return "";
    }
  }

  #toggle(open: boolean, moveFocus: boolean): void {
    this.view.setOpen(open, moveFocus);
    if (open) void this.#prepare();
    else this.#stopLive();
  }

  /**
   * On first opening: checks this website may use the agent (as the visitor: the anonymous profile
   * is not checked), then shows the conversation from an earlier page load or a new one's greeting.
   */
  async #prepare(retried = false): Promise<void> {
    await this.#agentLoad;
    if (!this.#agent) return;
    if (this.#prepared) return void this.#runLive();
    this.#prepared = true;
    try {
      await this.#session();
      await this.#api.json("GET", this.#agentPath());
      const saved = this.#saved.read().conversationId ?? (await this.#latestConversation());
      if (!saved) return this.#showFresh();
      try {
        await this.#sync(saved);
        this.#conversationId = saved;
        void this.#runLive();
      } catch (error) {
        if (!(error instanceof WidgetError && error.kind === "not-found")) throw error;
        // Deleted meanwhile: start over rather than show an error.
        this.#forget(false);
        this.#showFresh();
      }
    } catch (error) {
      this.#prepared = false;
      if (error instanceof WidgetError && error.kind === "unauthorized" && !retried) {
        // The visitor was forgotten (or deleted their data): a new one starts fresh.
        this.#forget(true);
        return this.#prepare(true);
      }
      this.#fail(error, () => void this.#prepare());
    }
  }

  /** A signed-in user of the site may have talked to the agent on another device: continue there. */
  async #latestConversation(): Promise<string | undefined> {
    if (!this.#options.identity || !this.#agent) return undefined;
    const list: unknown = await this.#api.json("GET", `/api/conversations?limit=1&agentId=${encodeURIComponent(this.#agent.id)}`);
    const first: unknown = typeof list === "object" && list !== null && Array.isArray((list as { conversations?: unknown }).conversations)
      ? (list as { conversations: unknown[] }).conversations[0]
      : undefined;
    const id = typeof first === "object" && first !== null ? (first as { id?: unknown }).id : undefined;
    if (typeof id !== "string") return undefined;
    this.#saved.update({ conversationId: id });
    return id;
  }

  #agentPath(): string {
    return `/api/public/agents/${encodeURIComponent(this.#options.handle)}`;
  }

  #showFresh(): void {
    const agent = this.#agent;
    if (!agent) return;
    this.view.clearLog();
    this.#messages.clear();
    // The server starts every conversation with the first greeting: show it before there is one.
    const greeting = agent.greetings[0];
    if (greeting) this.view.addMessage("agent", greeting);
    this.view.setOpeners(agent.openers, (text) => void this.#send(text));
  }

  #forget(token: boolean): void {
    this.#stopLive();
    this.#conversationId = undefined;
    this.#saved.update(token ? { token: undefined, conversationId: undefined } : { conversationId: undefined });
    if (token) this.#api.token = undefined;
  }

  async #sync(conversationId: string): Promise<void> {
    const found = toConversation(await this.#api.json("GET", `/api/conversations/${encodeURIComponent(conversationId)}`));
    if (!found) throw unexpected();
    if (!this.#prepared || this.#messages.size === 0) this.view.clearLog();
    for (const message of found.messages) this.#upsert(message);
  }

  /** Adds a message the server sent, or updates the one already shown. */
  #upsert(message: WidgetMessage): void {
    if (message.review === "pending" || message.review === "discarded") return;
    const shown = this.#messages.get(message.id);
    if (shown) {
      if (this.#streaming?.replyId !== message.id) shown.text = message.content;
      return;
    }
    if (message.role === "user" && this.#pending && this.#pending.text === message.content) {
      this.#name(this.#pending, message.id);
      this.#pending = undefined;
      return;
    }
    if (message.role === "assistant" && message.content === "") return; // nothing to show yet
    const speaker = message.role === "user" ? "user" : message.author === "owner" ? "owner" : "agent";
    const view = this.view.addMessage(speaker, message.content, message.id);
    this.#messages.set(message.id, view);
    if (message.role === "assistant" && message.status === "incomplete") view.note = "Stopped";
  }

  #name(view: MessageView, id: string): void {
    view.id = id;
    this.#messages.set(id, view);
  }

  async #session(): Promise<void> {
    if (this.#api.token) return;
    const saved = this.#saved.read().token;
    if (saved) {
      this.#api.token = saved;
      return;
    }
    const identity = this.#options.identity;
    let body: unknown;
    let remember = true;
    try {
      body = identity
        ? await this.#api.json("POST", "/api/visitors/identify", { agent: this.#options.handle, ...identity })
        : await this.#api.json("POST", "/api/visitors");
    } catch (error) {
      if (!identity || !(error instanceof WidgetError) || error.kind !== "not-allowed") throw error;
      // A wrong signature is the site's mistake, not the visitor's: they chat anonymously for now (a
      // refused website is still refused on the next request), and the site's developer is told.
      console.warn(`Atelier widget: data-user-signature was refused (${error.detail}); chatting anonymously.`);
      body = await this.#api.json("POST", "/api/visitors");
      remember = false;
    }
    const session = toSession(body);
    if (!session) throw unexpected();
    this.#api.token = session.token;
    if (remember) this.#saved.update({ token: session.token });
  }

  /** Runs `work` as the visitor; a session or conversation that has gone is replaced once. */
  async #asVisitor<T>(work: () => Promise<T>): Promise<T> {
    try {
      await this.#session();
      return await work();
    } catch (error) {
      const gone = error instanceof WidgetError && (error.kind === "unauthorized" || (error.kind === "not-found" && this.#conversationId !== undefined));
      if (!gone) throw error;
      this.#forget(error.kind === "unauthorized");
      await this.#session();
      return await work();
    }
  }

  async #conversation(): Promise<string> {
    if (this.#conversationId) return this.#conversationId;
    const agent = this.#agent;
    if (!agent) throw unexpected();
    const created = toConversation(await this.#api.json("POST", "/api/conversations", { agentId: agent.id, channel: "widget" }));
    if (!created) throw unexpected();
    this.#conversationId = created.id;
    this.#saved.update({ conversationId: created.id });
    this.view.clearLog();
    this.#messages.clear();
    for (const message of created.messages) this.#upsert(message);
    if (this.#pending) this.view.reappend(this.#pending);
    void this.#runLive();
    return created.id;
  }

  async #send(text: string): Promise<void> {
    if (this.#streaming || !this.#agent) return;
    this.view.takeInput();
    this.view.setOpeners([], () => undefined);
    this.view.setStatus("");
    const pending = this.view.addMessage("user", text);
    this.#pending = pending;
    const controller = new AbortController();
    this.#streaming = { controller };
    this.view.setStreaming(true);
    let reply: MessageView | undefined;
    try {
      const response = await this.#asVisitor(async () => {
        const id = await this.#conversation();
        return this.#api.request("POST", `/api/conversations/${encodeURIComponent(id)}/messages`, {
          body: { content: text }, signal: controller.signal, accept: "text/event-stream",
        });
      });
      reply = this.view.addMessage("agent", "");
      reply.typing = true;
      await this.#follow(response, reply, controller.signal);
    } catch (error) {
      if (reply) {
        reply.typing = false;
        if (controller.signal.aborted) reply.note = "Stopped";
        else if (reply.text === "") reply.element.remove();
        else reply.note = "This reply was cut off.";
      } else if (!controller.signal.aborted) {
        // Nothing reached the server: take the message back so it can be sent again.
        pending.element.remove();
        this.view.restoreInput(text);
      }
      if (!controller.signal.aborted) this.#fail(error, () => void this.#send(this.view.takeInput() || text));
    } finally {
      if (this.#pending === pending) this.#pending = undefined;
      this.#streaming = undefined;
      this.view.setStreaming(false);
    }
  }

  /** Shows a reply's events as they come: the text, how it ended, or that a person will answer. */
  async #follow(response: Response, reply: MessageView, signal: AbortSignal): Promise<void> {
    if (!response.body) throw unexpected();
    let ended = false;
    for await (const frame of readSse(response.body, signal)) {
      const event = toReplyEvent(frame.data);
      if (!event) continue;
      if (event.type === "message-start") {
        this.#name(reply, event.messageId);
        if (this.#streaming) this.#streaming.replyId = event.messageId;
        if (this.#pending && event.userMessageId) this.#name(this.#pending, event.userMessageId);
        this.#pending = undefined;
      } else if (event.type === "text-delta") {
        reply.append(event.delta);
        this.view.scrollDown();
      } else if (event.type === "message-end") {
        ended = true;
        if (event.finishReason === "aborted") reply.note = "Stopped";
        else if (event.finishReason === "error") reply.note = "This reply was cut off.";
      } else if (event.type === "error") {
        ended = true;
        if (reply.text === "") reply.element.remove();
        this.view.setStatus(event.message, { label: "Dismiss", run: () => this.view.setStatus("") });
      } else {
        ended = true;
        if (this.#pending && event.userMessageId) this.#name(this.#pending, event.userMessageId);
        reply.element.remove();
        this.view.addNote(HELD);
      }
    }
    reply.typing = false;
    if (!ended && !signal.aborted) reply.note = "This reply was cut off.";
  }

  async #stop(): Promise<void> {
    const streaming = this.#streaming;
    if (!streaming) return;
    const conversationId = this.#conversationId;
    if (streaming.replyId && conversationId) {
      // The server stops writing and ends the stream with finishReason "aborted"; what was written is kept.
      const path = `/api/conversations/${encodeURIComponent(conversationId)}/replies/${encodeURIComponent(streaming.replyId)}/abort`;
      const stopped = await this.#api.request("POST", path).then(() => true, () => false);
      if (stopped) return;
    }
    streaming.controller.abort();
  }

  #restart(): void {
    if (!this.#agent) return;
    void this.#stop();
    this.#streaming?.controller.abort();
    this.#forget(false);
    this.#pending = undefined;
    this.view.setStatus("");
    this.#showFresh();
    this.view.setOpen(true);
  }

  /** Follows the conversation while the panel is open: the owner's messages, approved drafts, replies started elsewhere. */
  async #runLive(): Promise<void> {
    const id = this.#conversationId;
    if (this.#live || !id || !this.view.isOpen) return;
    const controller = new AbortController();
    this.#live = controller;
    const { signal } = controller;
    let delay = 1;
    while (!signal.aborted) {
      try {
        const response = await this.#api.request("GET", `/api/conversations/${encodeURIComponent(id)}/live`, { signal, accept: "text/event-stream" });
        delay = 1;
        if (!response.body) break;
        for await (const frame of readSse(response.body, signal)) {
          const event = toLiveEvent(frame.data);
          if (event) this.#onLive(id, event);
        }
      } catch (error) {
        // Only a dropped connection is worth retrying; a refusal or a missing route will not change.
        if (signal.aborted || (error instanceof WidgetError && error.kind !== "offline" && error.kind !== "server")) break;
      }
      if (signal.aborted) break;
      await new Promise((resolve) => setTimeout(resolve, delay * 1000));
      delay = Math.min(delay * 2, 30);
      // Catch up on what happened while disconnected.
      if (!signal.aborted) await this.#sync(id).catch(() => undefined);
    }
    if (this.#live === controller) this.#live = undefined;
  }

  #stopLive(): void {
    this.#live?.abort();
    this.#live = undefined;
  }

  #onLive(conversationId: string, event: LiveEvent): void {
    if (conversationId !== this.#conversationId) return;
    const name = this.#agent?.name ?? "";
    if (event.type === "message") {
      // A reply we are streaming ourselves, announced before its message-start told us its id.
      const ours = this.#streaming && !this.#streaming.replyId && event.message.role === "assistant" && event.message.author === "agent";
      if (!ours) this.#upsert(event.message);
    }
    else if (event.type === "mode") this.view.addNote(event.mode === "owner" ? `You are now chatting with the ${name} team.` : `${name}'s AI is answering again.`);
    else if (!this.#streaming && !this.#messages.has(event.messageId)) void this.#watchReply(conversationId, event.messageId);
  }

  /** A reply started elsewhere (another tab, the owner handing back): stream it here too. */
  async #watchReply(conversationId: string, messageId: string): Promise<void> {
    const controller = new AbortController();
    this.#streaming = { controller, replyId: messageId };
    this.view.setStreaming(true);
    const reply = this.view.addMessage("agent", "", messageId);
    this.#messages.set(messageId, reply);
    reply.typing = true;
    try {
      const path = `/api/conversations/${encodeURIComponent(conversationId)}/replies/${encodeURIComponent(messageId)}/events`;
      await this.#follow(await this.#api.request("GET", path, { signal: controller.signal, accept: "text/event-stream" }), reply, controller.signal);
    } catch {
      // It finished before we looked: the live stream's message event shows it instead.
      reply.typing = false;
      if (reply.text === "") {
        reply.element.remove();
        this.#messages.delete(messageId);
      }
    } finally {
      this.#streaming = undefined;
      this.view.setStreaming(false);
    }
  }

  #fail(error: unknown, retry: () => void): void {
    const failure = error instanceof WidgetError ? error : new WidgetError("server", "Something went wrong in the chat.");
    switch (failure.kind) {
      case "offline":
        return this.view.setStatus("The chat cannot be reached right now.", { label: "Retry", run: retry });
      case "rate-limited": {
        const after = failure.retryAfter;
        return this.view.setStatus(after === undefined ? failure.message : `${failure.message} You can send again in ${wait(after)}.`, undefined, after);
      }
      case "not-allowed":
        this.view.setUnavailable(true);
        return this.view.setStatus("This chat is not available on this website.");
      case "not-found":
        this.view.setUnavailable(true);
        return this.view.setStatus("This chat is not available right now.");
      default:
        return this.view.setStatus(failure.message, { label: "Retry", run: retry });
    }
  }
}
