import { randomBytes } from "node:crypto";
import { AtelierError, type Agent, type ChatMessage } from "../contracts/index.js";
import { API_PERSON_PREFIX, type MemoryService } from "../memory/memory-service.js";
import type { ApiKeyUsageRepository } from "../store/api-key-usage.js";
import type { AgentsService } from "./agents-service.js";
import type { ChatService, PreparedTurn } from "./chat-service.js";
import type { Logger } from "./logger.js";

/*
 * The OpenAI-compatible API's logic: which agents a caller may use as "models", and one completion
 * through the agent's full turn pipeline (persona, knowledge, budgeted prompt). The HTTP layer
 * (src/server/routes/openai.ts) only validates and formats. No conversation is stored: only usage,
 * and, when the request names its `user`, what the agent remembers about that person.
 */

/** Who asks: the user, and the API key with the agents it is limited to (null: every agent of the user). */
export interface CompletionCaller {
  userId: string;
  /** Null for a signed-in session: usage is counted per key only. */
  keyId: string | null;
  agentIds: readonly string[] | null;
}

export interface CompletionMessage {
  role: "system" | "developer" | "user" | "assistant";
  content: string;
}

/** A validated request; undefined sampling fields fall back to the agent's settings. */
export interface CompletionRequest {
  model: string;
  messages: readonly CompletionMessage[];
  temperature?: number | undefined;
  topP?: number | undefined;
  maxTokens?: number | undefined;
  seed?: number | undefined;
  /** Text that ends the reply where it appears (not included in it). */
  stop?: readonly string[] | undefined;
  /** The app's id for the person it speaks for (OpenAI's `user`): they get per-person memory. */
  user?: string | undefined;
}

export type CompletionFinish = "stop" | "length";
export type CompletionEvent =
  | { type: "delta"; text: string }
  | { type: "end"; finishReason: CompletionFinish; usage: { promptTokens: number; completionTokens: number } };

/** A completion whose prompt is ready: `events` runs the model when iterated (once). */
export interface StartedCompletion {
  id: string;
  /** Unix seconds. */
  created: number;
  /** The agent's handle: what the client named, as OpenAI echoes the model. */
  model: string;
  events: AsyncIterable<CompletionEvent>;
}

export interface CompletionsServiceOptions {
  agents: Pick<AgentsService, "find" | "list" | "forVisitors">;
  chat: Pick<ChatService, "prepareTurn">;
  usage: ApiKeyUsageRepository;
  /** Notes what a named `user` says about themself; without it nothing is noted (recall still comes with the turn). */
  memory?: Pick<MemoryService, "extractAfterTurn"> | undefined;
  logger: Logger;
  now?: () => Date;
}

export class CompletionsService {
  readonly #options: CompletionsServiceOptions;
  readonly #now: () => Date;

  constructor(options: CompletionsServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** The agents the caller may talk to, oldest first (a stable list for model pickers). */
  async models(caller: CompletionCaller): Promise<Agent[]> {
    const agents = await this.#options.agents.list({ ownerId: caller.userId });
    return agents.filter((agent) => mayUse(caller, agent)).reverse();
  }

  /** The agent named by `model` (handle or id), or the OpenAI-style 404 whether it exists or not. */
  async agentFor(caller: CompletionCaller, model: string): Promise<Agent> {
    const agent = await this.#options.agents.find(model);
    if (agent && mayUse(caller, agent)) return agent;
    throw new AtelierError("not_found", `The model \`${model}\` does not exist or you do not have access to it. GET /v1/models lists the agents this key may use.`);
  }

  /**
   * Resolves the agent and prepares the prompt; errors here (unknown model, context overflow) come
   * before any output. Counting starts once the agent is known: a request that fails after that is
   * still a request of this key.
   */
  async start(caller: CompletionCaller, request: CompletionRequest, signal: AbortSignal): Promise<StartedCompletion> {
    const found = await this.agentFor(caller, request.model);
    // Published agents answer with the version their owner pinned, as visitors get it; private ones with the latest.
    const pinned = await this.#options.agents.forVisitors(found);
    const { agent, history } = conversationOf(pinned, request);
    const person = request.user === undefined ? undefined : { participantId: apiParticipantId(caller, request.user) };
    let prepared: PreparedTurn;
    try {
      prepared = await this.#options.chat.prepareTurn(agent, history, { person });
    } catch (error) {
      await this.#record(caller, found.id, { promptTokens: 0, completionTokens: 0 });
      throw error;
    }
    return {
      id: `chatcmpl-${randomBytes(12).toString("base64url")}`,
      created: Math.floor(this.#now().getTime() / 1000),
      model: found.handle,
      events: this.#run({ caller, agentId: found.id, prepared, stop: request.stop ?? [], signal }),
    };
  }

  async *#run(input: { caller: CompletionCaller; agentId: string; prepared: PreparedTurn; stop: readonly string[]; signal: AbortSignal }): AsyncGenerator<CompletionEvent> {
    const { prepared } = input;
    const model = prepared.agent.model;
    // A stop sequence ends generation early; the client going away ends it too.
    const stopped = new AbortController();
    const signal = AbortSignal.any([input.signal, stopped.signal]);
    const cutter = new StopCutter(input.stop);
    let usage = { promptTokens: prepared.plan.promptTokens, completionTokens: 0 };
    // What the client received, which is what the person was answered (stop sequences cut it).
    let reply = "";
    try {
      const events = prepared.engine.streamChat(
        {
          messages: prepared.plan.messages,
          sampling: { temperature: model.temperature, maxTokens: Math.min(model.maxTokens, prepared.plan.replyBudget), topP: model.topP, seed: model.seed },
        },
        { signal },
      );
      for await (const event of events) {
        if (event.type === "generation-end") {
          usage = { promptTokens: event.usage.promptTokens, completionTokens: event.usage.completionTokens };
          if (input.signal.aborted) return;
          if (event.finishReason === "error") throw new AtelierError("engine_error", "The model failed while writing the reply. Try again.");
          const rest = cutter.flush();
          if (rest) yield { type: "delta", text: rest };
          // Queued before the end event: a client that has its answer may stop iterating right there.
          this.#remember(prepared, reply + rest);
          // Cut by a stop sequence: OpenAI calls that a natural stop as well.
          yield { type: "end", finishReason: event.finishReason === "length" && !cutter.hit ? "length" : "stop", usage };
          return;
        }
        if (cutter.hit) continue;
        const text = cutter.push(event.delta);
        if (cutter.hit) stopped.abort();
        reply += text;
        if (text) yield { type: "delta", text };
      }
      throw new AtelierError("engine_error", "The model stopped without finishing the reply. Try again.");
    } finally {
      await this.#record(input.caller, input.agentId, usage);
    }
  }

  /** A completed reply to a named person: what they said about themself is noted in the background. */
  #remember(prepared: PreparedTurn, reply: string): void {
    const { memory } = this.#options;
    const after = prepared.after;
    if (!memory || !after || reply.trim() === "") return;
    memory.extractAfterTurn({ agent: prepared.agent, conversation: null, participantId: after.participantId, engine: prepared.engine, userMessage: after.userMessage, reply });
  }

  async #record(caller: CompletionCaller, agentId: string, usage: { promptTokens: number; completionTokens: number }): Promise<void> {
    if (caller.keyId === null) return;
    try {
      await this.#options.usage.record({
        keyId: caller.keyId, day: this.#now().toISOString().slice(0, 10), agentId, requests: 1, ...usage,
      });
    } catch (error) {
      // The answer matters more than its bookkeeping; a lost count is logged, not the client's problem.
      this.#options.logger.warn({ err: error, keyId: caller.keyId }, "could not record API key usage");
    }
  }
}

/**
 * The person an API request speaks for: the app's own id for them, scoped to the key that sent it (or
 * the signed-in user without one), so another key of the same owner, or another owner's app sending
 * the same `user`, is someone else and never reads their memories.
 */
export function apiParticipantId(caller: CompletionCaller, user: string): string {
  return `${API_PERSON_PREFIX}${caller.keyId ?? caller.userId}:${user}`;
}

function mayUse(caller: CompletionCaller, agent: Agent): boolean {
  return agent.ownerId === caller.userId && (caller.agentIds === null || caller.agentIds.includes(agent.id));
}

/**
 * The agent for this request and the history it answers. The client's system and developer messages
 * become extra instructions appended to the agent's own, inside its persona: the app can add context
 * (who the user is, what page they are on) but the persona's topics to avoid and its "stay in
 * character" line still come after, so an app cannot talk the agent out of being itself. Request
 * sampling overrides the agent's (max tokens also sizes the prompt budget).
 */
function conversationOf(agent: Agent, request: CompletionRequest): { agent: Agent; history: ChatMessage[] } {
  const instructions = request.messages.filter((message) => message.role === "system" || message.role === "developer").map((message) => message.content.trim()).filter(Boolean);
  const history = request.messages
    .filter((message): message is CompletionMessage & { role: "user" | "assistant" } => message.role === "user" || message.role === "assistant")
    .map((message) => ({ role: message.role, content: message.content }));
  if (history.at(-1)?.role !== "user") {
    throw new AtelierError("validation_failed", "The last non-system message must be from the user: it is the one the agent answers.");
  }
  const extra = instructions.length ? `From the app you are talking through:\n${instructions.join("\n\n")}` : "";
  return {
    agent: {
      ...agent,
      instructions: [agent.instructions.trim(), extra].filter(Boolean).join("\n\n"),
      model: {
        ...agent.model,
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        ...(request.topP === undefined ? {} : { topP: request.topP }),
        ...(request.maxTokens === undefined ? {} : { maxTokens: request.maxTokens }),
        ...(request.seed === undefined ? {} : { seed: request.seed }),
      },
    },
    history,
  };
}

/**
 * Cuts streamed text at the first stop sequence. Text that could be the start of one is held back
 * until the next delta shows whether it is, so no part of a stop sequence ever reaches the client.
 */
export class StopCutter {
  readonly #stops: readonly string[];
  #pending = "";
  hit = false;

  constructor(stops: readonly string[]) {
    this.#stops = stops.filter((stop) => stop.length > 0);
  }

  /** The text safe to send now. */
  push(delta: string): string {
    if (this.#stops.length === 0) return delta;
    this.#pending += delta;
    let cut = -1;
    for (const stop of this.#stops) {
      const index = this.#pending.indexOf(stop);
      if (index !== -1 && (cut === -1 || index < cut)) cut = index;
    }
    if (cut !== -1) {
      this.hit = true;
      const text = this.#pending.slice(0, cut);
      this.#pending = "";
      return text;
    }
    const held = this.#heldLength();
    const text = this.#pending.slice(0, this.#pending.length - held);
    this.#pending = this.#pending.slice(this.#pending.length - held);
    return text;
  }

  /** What was held back, once the reply has ended without completing a stop sequence. */
  flush(): string {
    const text = this.#pending;
    this.#pending = "";
    return text;
  }

  /** The longest end of the pending text that begins some stop sequence. */
  #heldLength(): number {
    let longest = 0;
    for (const stop of this.#stops) {
      for (let length = Math.min(stop.length - 1, this.#pending.length); length > longest; length--) {
        if (this.#pending.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
