import readline from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { AtelierClient, StreamedChatEvent } from "../client/http-client.js";
import { AtelierError, type Agent, type ChatEvent, type Message } from "../contracts/index.js";
import { formatReplyStats } from "./format.js";

export interface ChatSessionOptions {
  client: AtelierClient;
  /** Lines typed or piped in; the session ends at its end. */
  input: Readable & { isTTY?: boolean };
  output: Writable & { isTTY?: boolean };
  /** Where errors go; defaults to `output`. */
  errorOutput?: Writable;
  /** The agent's handle or id. */
  agent: string;
  /** Continue this conversation instead of starting one. */
  conversationId?: string;
  participantId?: string;
  showStats?: boolean;
  /** Prompt, line editing and history; defaults to whether both input and output are terminals. */
  interactive?: boolean;
  /** After asking the server to stop a reply, how long to wait for its end before hanging up. */
  stopGraceMs?: number;
}

export interface ChatOutcome {
  conversationId: string;
  replies: number;
  /** Turns that failed (an error from the server, or a reply that ended in an error). */
  failures: number;
}

interface Turn {
  conversationId: string;
  messageId: string | undefined;
  stopRequested: boolean;
  /** Hangs up the HTTP stream; the server-side reply is stopped separately, through the abort route. */
  hangUp: AbortController;
  graceTimer: NodeJS.Timeout | undefined;
}

const HELP = `Commands:
  /regenerate   write the last reply again
  /new          start a new conversation with this agent
  /help         show this help
  /exit         leave (Ctrl-D works too)
Ctrl-C stops a reply being written; at the prompt it leaves.
Start a message with // to send a line that begins with /.
`;

/**
 * The terminal chat loop. It only talks HTTP through the client, so the same loop serves a person at
 * a terminal and a script piping lines in (each line is a message; the session ends at end of input).
 */
export class ChatSession {
  readonly #options: ChatSessionOptions;
  readonly #interactive: boolean;
  readonly #errors: Writable;
  #agent: Agent | undefined;
  #conversationId = "";
  #rl: readline.Interface | undefined;
  #turn: Turn | undefined;
  #closed = false;
  #replies = 0;
  #failures = 0;

  constructor(options: ChatSessionOptions) {
    this.#options = options;
    this.#interactive = options.interactive ?? Boolean(options.input.isTTY && options.output.isTTY);
    this.#errors = options.errorOutput ?? options.output;
  }

  /** Ctrl-C: stops the reply being written (a second one hangs up at once), or ends the session at the prompt. */
  interrupt(): void {
    const turn = this.#turn;
    if (!turn) {
      this.close();
      return;
    }
    if (turn.stopRequested) {
      turn.hangUp.abort();
      return;
    }
    turn.stopRequested = true;
    if (turn.messageId) this.#requestStop(turn);
    turn.graceTimer = setTimeout(() => turn.hangUp.abort(), this.#options.stopGraceMs ?? 3_000);
  }

  close(): void {
    this.#closed = true;
    this.#rl?.close();
  }

  async run(): Promise<ChatOutcome> {
    const { client, input, output } = this.#options;
    const agent = await client.getAgent(this.#options.agent);
    this.#agent = agent;
    const opening = await this.#openConversation(agent);

    // The line iterator must exist before any await: lines already buffered would otherwise be lost.
    const rl = readline.createInterface({ input, terminal: this.#interactive, ...(this.#interactive ? { output } : {}) });
    const lines = rl[Symbol.asyncIterator]();
    this.#rl = rl;
    rl.on("SIGINT", () => this.interrupt());
    rl.setPrompt("you> ");

    if (this.#interactive) {
      output.write(`Chatting with ${agent.name} (@${agent.handle}). Type /help for commands, Ctrl-D to leave.\n\n`);
    }
    this.#printOpening(opening);
    try {
      this.#prompt();
      for (;;) {
        const next = await lines.next();
        if (next.done || this.#closed) break;
        if ((await this.#handleLine(next.value)) === "exit") break;
        this.#prompt();
      }
    } finally {
      this.#closed = true;
      rl.close();
      // Leave the shell prompt on a line of its own after Ctrl-C or Ctrl-D at "you> ".
      if (this.#interactive) output.write("\n");
    }
    return { conversationId: this.#conversationId, replies: this.#replies, failures: this.#failures };
  }

  async #openConversation(agent: Agent): Promise<Message[]> {
    const { client, conversationId, participantId } = this.#options;
    if (conversationId) {
      const found = await client.getConversation(conversationId);
      if (found.conversation.agentId !== agent.id) {
        throw new AtelierError("bad_request", `Conversation ${conversationId} is with another agent, not ${agent.name}.`);
      }
      this.#conversationId = found.conversation.id;
      // Only a person at a terminal needs reminding where they were; a script knows what it sent.
      return this.#interactive ? found.messages.filter((message) => message.replacedBy === null).slice(-4) : [];
    }
    const created = await client.createConversation({ agentId: agent.id, ...(participantId ? { participantId } : {}) });
    this.#conversationId = created.conversation.id;
    return created.messages;
  }

  #printOpening(messages: readonly Message[]): void {
    for (const message of messages) {
      if (message.role === "system") continue;
      const speaker = message.role === "user" ? "you" : this.#agentName;
      const marker = message.role === "assistant" && message.status === "incomplete" ? " (incomplete)" : "";
      this.#options.output.write(`${speaker}: ${message.content}${marker}\n`);
    }
    if (this.#interactive && messages.length > 0) this.#options.output.write("\n");
  }

  #prompt(): void {
    if (this.#interactive && !this.#closed) this.#rl?.prompt();
  }

  get #agentName(): string {
    return this.#agent?.name ?? "agent";
  }

  async #handleLine(line: string): Promise<"exit" | undefined> {
    const text = line.trim();
    if (text === "") return undefined;
    if (text.startsWith("/") && !text.startsWith("//")) return this.#command(text);
    const content = text.startsWith("//") ? line.trimStart().slice(1) : line;
    await this.#reply((signal) => this.#options.client.streamMessage(this.#conversationId, content, { signal }));
    return undefined;
  }

  async #command(text: string): Promise<"exit" | undefined> {
    const [name] = text.split(/\s+/, 1);
    switch (name) {
      case "/exit":
      case "/quit":
        return "exit";
      case "/help":
        this.#options.output.write(HELP);
        return undefined;
      case "/new":
        await this.#guard(async () => {
          if (!this.#agent) return;
          const created = await this.#options.client.createConversation({
            agentId: this.#agent.id,
            ...(this.#options.participantId ? { participantId: this.#options.participantId } : {}),
          });
          this.#conversationId = created.conversation.id;
          if (this.#interactive) this.#options.output.write("(new conversation)\n");
          this.#printOpening(created.messages);
        });
        return undefined;
      case "/regenerate":
        await this.#reply((signal) => this.#options.client.streamRegenerate(this.#conversationId, { signal }));
        return undefined;
      default:
        this.#errors.write(`Unknown command ${name}. Type /help for the list.\n`);
        return undefined;
    }
  }

  /** Streams one reply to the output, token by token, and says how it ended. */
  async #reply(start: (signal: AbortSignal) => AsyncIterable<StreamedChatEvent>): Promise<void> {
    const { output } = this.#options;
    const turn: Turn = { conversationId: this.#conversationId, messageId: undefined, stopRequested: false, hangUp: new AbortController(), graceTimer: undefined };
    this.#turn = turn;
    let model: string | undefined;
    let started = false;
    let ending: ChatEvent | undefined;
    let failure: unknown;
    try {
      for await (const event of start(turn.hangUp.signal)) {
        if (event.type === "message-start") {
          turn.messageId = event.messageId;
          model = event.model;
          if (!started) output.write(`${this.#agentName}: `);
          started = true;
          // Ctrl-C came before the server said which reply it is writing: stop it now.
          if (turn.stopRequested) this.#requestStop(turn);
        } else if (event.type === "text-delta") {
          output.write(event.delta);
        } else {
          ending = event;
        }
      }
    } catch (error) {
      failure = error;
    } finally {
      clearTimeout(turn.graceTimer);
      this.#turn = undefined;
    }
    this.#finishReply({ started, ending, failure, model, stopRequested: turn.stopRequested });
  }

  #finishReply(result: { started: boolean; ending: ChatEvent | undefined; failure: unknown; model: string | undefined; stopRequested: boolean }): void {
    const { output, showStats } = this.#options;
    const { started, ending, failure } = result;
    const hungUp = AtelierError.is(failure, "aborted");
    const finishReason = ending?.type === "message-end" ? ending.finishReason : undefined;
    // A reply that hit the length limit is stored as complete; only stopped or failed ones are incomplete.
    const marker = finishReason === "stop" ? "" : finishReason === "length" ? " (cut off)" : " (incomplete)";
    if (started) output.write(`${marker}\n`);

    if (ending?.type === "message-end") {
      this.#replies++;
      if (ending.finishReason === "aborted") output.write("[stopped]\n");
      if (ending.finishReason === "length") {
        output.write(`[the reply reached its length limit; raise it with: atelier agent edit ${this.#agent?.handle ?? "<agent>"} --max-tokens <n>]\n`);
      }
      if (ending.finishReason === "error") {
        this.#failures++;
        this.#errors.write("error: the reply ended with an error; try /regenerate\n");
      }
      if (showStats) output.write(`[${formatReplyStats({ model: result.model, usage: ending.usage, firstTokenMs: ending.firstTokenMs, durationMs: ending.durationMs })}]\n`);
    } else if (ending?.type === "error") {
      this.#failures++;
      this.#errors.write(`error: ${ending.message} (${ending.code})\n`);
    } else if (hungUp || (failure === undefined && result.stopRequested)) {
      output.write("[stopped]\n");
    } else if (failure !== undefined) {
      this.#failures++;
      this.#writeError(failure);
    }
  }

  async #guard(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.#failures++;
      this.#writeError(error);
    }
  }

  #writeError(error: unknown): void {
    if (error instanceof AtelierError) this.#errors.write(`error: ${error.message} (${error.code})\n`);
    else this.#errors.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  }

  #requestStop(turn: Turn): void {
    if (!turn.messageId) return;
    // If the server cannot be told, hanging up is the fallback: it stops an unwatched reply itself.
    this.#options.client.abortReply(turn.conversationId, turn.messageId).catch(() => turn.hangUp.abort());
  }
}

export function runChat(options: ChatSessionOptions): Promise<ChatOutcome> {
  return new ChatSession(options).run();
}
