import path from "node:path";
import {
  getLlama,
  LlamaCompletion,
  LlamaLogLevel,
  LlamaVocabularyType,
  resolveChatWrapper,
  type ChatHistoryItem,
  type ChatWrapper,
  type GbnfJsonSchema,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaGrammar,
  type LlamaModel,
  type LlamaText,
  type Token,
} from "node-llama-cpp";
import { LRUCache } from "lru-cache";
import { AtelierError, type ChatMessage, type FinishReason, type TokenUsage } from "../../contracts/index.js";
import type { ChatEngine, ChatRequest, EngineCapabilities, EngineEvent } from "../chat-engine.js";
import { AsyncQueue } from "./async-queue.js";
import { formatPrompt, renderPrompt, toChatHistory, withReply, type RenderedPrompt } from "./chat-format.js";
import { disposedError, toEngineError } from "./engine-errors.js";
import {
  assertModelFile,
  DEFAULT_SEQUENCES,
  defaultThreadCount,
  MAX_DEFAULT_CONTEXT,
  positiveInteger,
  type GpuSetting,
} from "./load-options.js";
import {
  contentAfterReply,
  splicePrompt,
  startsWith,
  tokensForText,
  type SequenceContent,
  type SplicedPrompt,
} from "./prompt-splice.js";
import { SequencePool, type PoolLease, type PoolStats } from "./sequence-pool.js";

export interface LlamaCppEngineOptions {
  /** A local .gguf file (resolve hf: URIs first with `resolveModel`). */
  modelPath: string;
  /** CPU threads for evaluation; default `defaultThreadCount()`. */
  threads?: number | undefined;
  gpu?: GpuSetting | undefined;
  /** Tokens per conversation (prompt + reply); default: the model's training context, capped at 4096. */
  contextSize?: number | undefined;
  /**
   * "auto" (default): off when running on the CPU, llama.cpp's own choice on a GPU. On the CPU flash
   * attention made each turn's prompt work 3–6× slower here (bench cache-reuse), growing with context.
   */
  flashAttention?: "auto" | "on" | "off" | undefined;
  /** Conversations that generate at once and stay warm; default 8. Memory grows with contextSize × sequences. */
  sequences?: number | undefined;
  /** Aborts loading. */
  signal?: AbortSignal | undefined;
  /** Reported as `modelId`; default: the file name without `.gguf`. */
  modelId?: string | undefined;
  /** Receives llama.cpp's warnings and errors; without it only errors are printed. */
  onLog?: ((entry: { level: string; message: string }) => void) | undefined;
}

export interface LlamaCppEngineStats {
  threads: number;
  /** The compute backend in use, or false for CPU only. */
  gpu: string | false;
  sequences: PoolStats;
  generations: number;
  promptTokens: number;
  evaluatedPromptTokens: number;
  completionTokens: number;
  /**
   * Generations whose input kept an earlier reply's tokens as they were sampled, where the canonical
   * re-tokenisation of the history differs (see prompt-splice.ts).
   */
  splicedPrompts: number;
}

/**
 * One conversation slot: a context sequence (its KV cache), the completion driver bound to it, and what
 * the sequence was last fed and generated, for token-level reuse on the next turn.
 */
interface Conversation {
  readonly sequence: LlamaContextSequence;
  readonly completion: LlamaCompletion;
  content: SequenceContent | undefined;
}

interface EngineParts {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  chatWrapper: ChatWrapper;
  modelId: string;
  threads: number;
}

/** What a request needs once its prompt is formatted and checked against the context. */
interface PreparedRequest {
  history: ChatHistoryItem[];
  /** The canonical prompt as the model is fed it (with the beginning-of-sequence token LlamaCompletion adds). */
  prompt: Token[];
  stopTriggers: LlamaText[];
  sampling: ChatRequest["sampling"];
  grammar: LlamaGrammar | undefined;
}

const MAX_CACHED_GRAMMARS = 32;
/** Rendered prompts kept (see renderMessages): enough for the turns of several conversations in flight. */
const MAX_CACHED_RENDERS = 32;

/**
 * The embedded llama.cpp engine: one model, one context, `sequences` conversations at once. Each
 * conversation (request.sessionKey) keeps its own sequence between calls, so a new turn evaluates only
 * the tokens that are new since the previous one.
 */
export class LlamaCppEngine implements ChatEngine {
  readonly modelId: string;
  readonly capabilities: EngineCapabilities;

  private readonly llama: Llama;
  private readonly model: LlamaModel;
  private readonly context: LlamaContext;
  private readonly chatWrapper: ChatWrapper;
  private readonly threads: number;
  private readonly pool: SequencePool<Conversation>;
  private readonly running = new Map<AbortController, Promise<unknown>>();
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private readonly renders = new LRUCache<string, RenderedPrompt>({ max: MAX_CACHED_RENDERS });
  private readonly totals = { generations: 0, promptTokens: 0, evaluatedPromptTokens: 0, completionTokens: 0, splicedPrompts: 0 };
  /** The token LlamaCompletion puts before every input, if this vocabulary has one. */
  private readonly beginningToken: Token | undefined;
  private disposal: Promise<void> | undefined;

  private constructor(parts: EngineParts) {
    this.llama = parts.llama;
    this.model = parts.model;
    this.context = parts.context;
    this.chatWrapper = parts.chatWrapper;
    this.modelId = parts.modelId;
    this.threads = parts.threads;
    this.capabilities = { contextSize: parts.context.contextSize, tools: false, jsonSchema: true };
    this.beginningToken = beginningTokenToPrepend(parts.model);
    this.pool = new SequencePool<Conversation>({
      capacity: parts.context.totalSequences,
      create: () => {
        const sequence = this.context.getSequence();
        return { sequence, completion: new LlamaCompletion({ contextSequence: sequence }), content: undefined };
      },
    });
  }

  static async load(options: LlamaCppEngineOptions): Promise<LlamaCppEngine> {
    const modelPath = path.resolve(options.modelPath);
    const modelId = options.modelId ?? path.basename(modelPath).replace(/\.gguf$/i, "");
    assertModelFile(modelPath);
    const threads = positiveInteger(options.threads ?? defaultThreadCount(), "threads");
    const sequences = positiveInteger(options.sequences ?? DEFAULT_SEQUENCES, "sequences");
    const gpu = options.gpu ?? "auto";

    const llama = await getLlama({
      gpu: gpu === "off" ? false : gpu,
      maxThreads: threads,
      // Never compile llama.cpp at startup: use the prebuilt binaries or fail with a clear message.
      build: "never",
      progressLogs: false,
      logLevel: options.onLog ? LlamaLogLevel.warn : LlamaLogLevel.error,
      ...(options.onLog ? { logger: (level: LlamaLogLevel, message: string) => options.onLog?.({ level, message }) } : {}),
    }).catch((error: unknown) => {
      throw toEngineError(error, { modelId, doing: `starting llama.cpp (gpu: ${gpu})` });
    });

    try {
      const model = await llama.loadModel({ modelPath, ...(options.signal ? { loadSignal: options.signal } : {}) });
      const contextSize =
        options.contextSize === undefined
          ? { max: Math.min(model.trainContextSize, MAX_DEFAULT_CONTEXT) }
          : positiveInteger(options.contextSize, "contextSize");
      const context = await model.createContext({
        sequences,
        contextSize,
        threads,
        flashAttention: flashAttentionFor(options.flashAttention ?? "auto", llama.gpu),
        ...(options.signal ? { createSignal: options.signal } : {}),
      });
      // The model's own template (Jinja from the GGUF, or a matching built-in wrapper); a generic one otherwise.
      const chatWrapper = resolveChatWrapper(model);
      return new LlamaCppEngine({ llama, model, context, chatWrapper, modelId, threads });
    } catch (error) {
      await llama.dispose().catch(() => undefined);
      if (options.signal?.aborted) throw new AtelierError("aborted", `Loading ${modelId} was cancelled.`, { cause: error });
      throw toEngineError(error, { modelId, doing: `loading ${modelPath}` });
    }
  }

  streamChat(request: ChatRequest, options?: { signal?: AbortSignal | undefined }): AsyncIterable<EngineEvent> {
    return this.generate(request, options?.signal);
  }

  /**
   * The canonical prompt size. A reply's `usage.promptTokens` is the size of the input really conditioned
   * on, which can differ from this by a few tokens when earlier replies were kept as sampled (see
   * prompt-splice.ts), or by one where the template has no beginning-of-sequence token and the vocabulary
   * needs one.
   */
  async countTokens(messages: readonly ChatMessage[]): Promise<number> {
    this.assertUsable();
    return this.renderMessages(messages).tokens.length;
  }

  /** Read-only counters for tests, benchmarks and readiness checks. */
  stats(): LlamaCppEngineStats {
    return {
      threads: this.threads,
      gpu: this.llama.gpu,
      sequences: this.pool.stats(),
      ...this.totals,
    };
  }

  get disposed(): boolean {
    return this.disposal !== undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.disposal ??= this.dispose();
    return this.disposal;
  }

  private async dispose(): Promise<void> {
    this.pool.close(() => disposedError(this.modelId));
    for (const controller of this.running.keys()) controller.abort(disposedError(this.modelId));
    await Promise.allSettled(this.running.values());
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }

  private async *generate(request: ChatRequest, signal: AbortSignal | undefined): AsyncGenerator<EngineEvent, void, undefined> {
    this.assertUsable();
    const prepared = await this.prepare(request);
    const abortedBeforeStart = end("aborted", { promptTokens: prepared.prompt.length, evaluatedPromptTokens: 0, completionTokens: 0 });
    if (signal?.aborted) {
      yield abortedBeforeStart;
      return;
    }
    const lease = await this.acquire(request.sessionKey, signal);
    if (!lease) {
      yield abortedBeforeStart;
      return;
    }
    try {
      yield* this.respond(lease.resource, prepared, signal);
    } finally {
      lease.release();
    }
  }

  private async prepare(request: ChatRequest): Promise<PreparedRequest> {
    const history = toChatHistory(request.messages);
    const rendered = this.renderMessages(request.messages);
    const prompt = this.withBeginningToken(rendered.tokens);
    // Fail before waiting for a sequence when the prompt cannot fit at all.
    this.replyBudget(prompt.length, request.sampling.maxTokens);
    const grammar = request.jsonSchema ? await this.grammarFor(request.jsonSchema) : undefined;
    return { history, prompt, stopTriggers: rendered.stopTriggers, sampling: request.sampling, grammar };
  }

  /** A sequence for the conversation, or undefined when the caller aborted while waiting for one. */
  private async acquire(sessionKey: string | undefined, signal: AbortSignal | undefined): Promise<PoolLease<Conversation> | undefined> {
    let lease: PoolLease<Conversation>;
    try {
      lease = await this.pool.acquire({ key: sessionKey, signal });
    } catch (error) {
      if (signal?.aborted && !AtelierError.is(error, "disposed")) return undefined;
      throw toEngineError(error, { modelId: this.modelId, doing: "waiting for a free sequence" });
    }
    if (this.disposal) {
      // Disposal began between the lease being granted and the caller resuming.
      lease.release();
      throw disposedError(this.modelId);
    }
    return lease;
  }

  /**
   * Generates on a leased sequence, bridging LlamaCompletion's callbacks to the event stream. The input is
   * the canonical prompt spliced onto what the sequence already holds (prompt-splice.ts); LlamaCompletion
   * then evaluates only the tokens after the common prefix of that input and the sequence's cache.
   */
  private async *respond(
    conversation: Conversation,
    prepared: PreparedRequest,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<EngineEvent, void, undefined> {
    const { sequence, completion } = conversation;
    const spliced = this.spliceInput(conversation.content, prepared);
    const maxTokens = this.replyBudget(spliced.input.length, prepared.sampling.maxTokens);
    // Unknown until this generation settles; an error or an abandoned stream leaves it unknown.
    const previousContent = conversation.content;
    conversation.content = undefined;

    const stop = new AbortController();
    const forwardAbort = (): void => stop.abort(signal?.reason);
    signal?.addEventListener("abort", forwardAbort, { once: true });
    if (signal?.aborted) stop.abort(signal.reason);

    const meterBefore = sequence.tokenMeter.getState();
    const deltas = new AsyncQueue<string>();
    const emittedTokens: Token[] = [];
    let settled = false;
    const { sampling } = prepared;
    const input = this.beginningToken === undefined ? spliced.input : spliced.input.slice(1);
    const generation = completion
      .generateCompletionWithMeta(input, {
        maxTokens,
        temperature: sampling.temperature,
        ...(sampling.topP === undefined ? {} : { topP: sampling.topP }),
        ...(sampling.seed === undefined ? {} : { seed: sampling.seed }),
        ...(prepared.grammar ? { grammar: prepared.grammar } : {}),
        // The end of the model's turn, as the chat template marks it (EOS/EOG tokens stop by themselves).
        customStopTriggers: prepared.stopTriggers,
        // maxTokens is capped to the room left, so the context never fills: no silent context shift, and
        // a contextShiftSize of 1 keeps LlamaCompletion from trimming the input's start to make room for one.
        disableContextShift: true,
        contextShiftSize: 1,
        signal: stop.signal,
        stopOnAbortSignal: true,
        onTextChunk: (text) => {
          if (text !== "") deltas.push(text);
        },
        onToken: (tokens) => {
          for (const token of tokens) emittedTokens.push(token);
        },
      })
      .finally(() => {
        settled = true;
        deltas.close();
      });
    this.running.set(stop, generation.catch(() => undefined));

    try {
      let emitted = "";
      for await (const delta of deltas) {
        emitted += delta;
        yield { type: "text-delta", delta };
      }
      let finishReason: FinishReason;
      try {
        const response = await generation;
        finishReason = toFinishReason(response.metadata.stopReason);
        // Text held back for stop-trigger detection can still be pending when an abort cuts generation short.
        const rest = response.response.startsWith(emitted) ? response.response.slice(emitted.length) : "";
        if (rest !== "") {
          emitted += rest;
          yield { type: "text-delta", delta: rest };
        }
      } catch (error) {
        if (!stop.signal.aborted) throw toEngineError(error, { modelId: this.modelId, doing: "generating a reply" });
        finishReason = "aborted";
      }
      const meter = sequence.tokenMeter.diff(meterBefore);
      // node-llama-cpp meters tokens decoded without logits as input and with logits as output. Of the
      // input only the last token is decoded with logits, so it is the one output token besides the
      // generated ones; the KV-cached prefix is not decoded at all and does not show here.
      const evaluatedPromptTokens = meter.usedInputTokens + (meter.usedOutputTokens > 0 ? 1 : 0);
      const replyTokens = this.remember(conversation, { previous: previousContent, spliced, prepared, emittedTokens, text: emitted });
      // completionTokens: the generated tokens that make up the reply (not an EOS token or stop trigger).
      const usage: TokenUsage = {
        promptTokens: spliced.input.length,
        evaluatedPromptTokens,
        completionTokens: replyTokens ?? emittedTokens.length,
      };
      if (spliced.point.canonical > 0 && !startsWith(spliced.input, prepared.prompt)) this.totals.splicedPrompts += 1;
      this.record(usage);
      yield end(finishReason, usage);
    } finally {
      signal?.removeEventListener("abort", forwardAbort);
      if (!settled) {
        // The consumer stopped early (break, return(), or an error in its loop): stop the model too.
        stop.abort(new AtelierError("aborted", "The reply was no longer being read."));
        await generation.catch(() => undefined);
      }
      this.running.delete(stop);
    }
  }

  /**
   * The input for this request on this sequence: the canonical prompt spliced onto what the sequence
   * holds, or the canonical prompt itself when nothing matches or the splice would not leave room for a
   * reply (it can be a few tokens longer).
   */
  private spliceInput(content: SequenceContent | undefined, prepared: PreparedRequest): SplicedPrompt {
    const spliced = splicePrompt(prepared.prompt, content);
    if (spliced.input.length + 1 < this.capabilities.contextSize) return spliced;
    return splicePrompt(prepared.prompt, undefined);
  }

  /**
   * Records what the sequence now holds (see prompt-splice.ts) and returns how many generated tokens make
   * up exactly the reply's text, or undefined when they cannot be matched to it.
   *
   * The sequence's context tokens are the fed input followed by every generated token that was decoded;
   * the last sampled token is never decoded, but LlamaCompletion handed it to onToken. Tokens after the
   * reply's text (a stop trigger's) are not part of the reply and are left out, so the next turn erases
   * them from the cache.
   */
  private remember(
    conversation: Conversation,
    options: { previous: SequenceContent | undefined; spliced: SplicedPrompt; prepared: PreparedRequest; emittedTokens: Token[]; text: string },
  ): number | undefined {
    try {
      return this.rememberContent(conversation, options);
    } catch {
      // Only reuse is lost (the engine may be being disposed while the reply ends, for example).
      conversation.content = undefined;
      return undefined;
    }
  }

  private rememberContent(
    conversation: Conversation,
    options: { previous: SequenceContent | undefined; spliced: SplicedPrompt; prepared: PreparedRequest; emittedTokens: Token[]; text: string },
  ): number | undefined {
    const { spliced, prepared, text } = options;
    const held = conversation.sequence.contextTokens;
    if (!startsWith(held, spliced.input)) return undefined; // not what was fed: remember nothing
    const decoded = held.slice(spliced.input.length);
    const generated =
      options.emittedTokens.length > decoded.length && startsWith(options.emittedTokens, decoded) ? options.emittedTokens : decoded;
    const detokenize = (tokens: readonly Token[]): string => this.model.detokenize(tokens as Token[]);
    const count = tokensForText(generated, text, detokenize);
    const base = { previous: options.previous, point: spliced.point, prompt: prepared.prompt, input: spliced.input };
    if (count === undefined) {
      conversation.content = contentAfterReply(base);
      return undefined;
    }
    const canonical = this.withBeginningToken(this.promptTokens(withReply(prepared.history, text)));
    // The reply must be rendered as its plain text after the prompt; a template that trims or rewrites
    // model text is not spliced at the reply (the prompt part is still remembered).
    const rendersAsText = startsWith(canonical, prepared.prompt) && detokenize(canonical.slice(prepared.prompt.length)) === text;
    conversation.content = contentAfterReply(
      rendersAsText ? { ...base, reply: { canonical, tokens: generated.slice(0, count) } } : base,
    );
    return count;
  }

  private promptTokens(history: readonly ChatHistoryItem[]): Token[] {
    try {
      return formatPrompt({ model: this.model, chatWrapper: this.chatWrapper, history });
    } catch (error) {
      throw toEngineError(error, { modelId: this.modelId, doing: "formatting the prompt" });
    }
  }

  /**
   * render() for messages, remembering the last few: a turn counts its prompt while fitting it to the
   * budget and then sends exactly those messages, so generation finds them rendered and tokenised
   * already (both scale with the prompt's length, and sit before the first token). Callers only read
   * the cached tokens.
   */
  private renderMessages(messages: readonly ChatMessage[]): RenderedPrompt {
    const key = messages.map((message) => `${message.role}\u0000${message.content}`).join("\u0001");
    let rendered = this.renders.get(key);
    if (!rendered) {
      rendered = this.render(toChatHistory(messages));
      this.renders.set(key, rendered);
    }
    return rendered;
  }

  private render(history: readonly ChatHistoryItem[]): ReturnType<typeof renderPrompt> {
    try {
      return renderPrompt({ model: this.model, chatWrapper: this.chatWrapper, history });
    } catch (error) {
      throw toEngineError(error, { modelId: this.modelId, doing: "formatting the prompt" });
    }
  }

  /**
   * Tokens as LlamaCompletion feeds them: it puts the vocabulary's beginning-of-sequence token first
   * itself, so a template that starts with it keeps one, and one that does not gets it added.
   */
  private withBeginningToken(tokens: Token[]): Token[] {
    if (this.beginningToken === undefined || tokens[0] === this.beginningToken) return tokens;
    return [this.beginningToken, ...tokens];
  }

  /**
   * Caps the reply so prompt + reply fit the sequence; a full context ends the reply with "length" rather
   * than shifting (dropping early history) mid-reply. One cell stays free, hence the - 1 (as LlamaChat
   * kept it, so limits did not move when generation switched to LlamaCompletion).
   */
  private replyBudget(promptTokens: number, requested: number): number {
    const { contextSize } = this.capabilities;
    const room = contextSize - promptTokens - 1;
    if (room < 1) {
      throw new AtelierError(
        "context_overflow",
        `The prompt needs ${promptTokens} tokens, but ${this.modelId} holds ${contextSize} tokens per conversation ` +
          "including the reply. Shorten the history or the agent's profile, or raise ATELIER_CONTEXT_SIZE.",
      );
    }
    return Math.max(1, Math.min(requested, room));
  }

  private grammarFor(schema: Record<string, unknown>): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    const cached = this.grammars.get(key);
    if (cached) return cached;
    const grammar = this.llama
      // The schema arrives untyped from the request; node-llama-cpp validates what it supports.
      .createGrammarForJsonSchema<GbnfJsonSchema>(schema as unknown as GbnfJsonSchema)
      .catch((error: unknown) => {
        this.grammars.delete(key);
        throw new AtelierError(
          "bad_request",
          `The JSON schema cannot constrain llama.cpp output: ${error instanceof Error ? error.message : String(error)}. ` +
            "Use type, properties, required, items, enum, const, oneOf or $ref.",
          { cause: error },
        );
      });
    if (this.grammars.size >= MAX_CACHED_GRAMMARS) this.grammars.delete(this.grammars.keys().next().value as string);
    this.grammars.set(key, grammar);
    return grammar;
  }

  private record(usage: TokenUsage): void {
    this.totals.generations += 1;
    this.totals.promptTokens += usage.promptTokens;
    this.totals.evaluatedPromptTokens += usage.evaluatedPromptTokens;
    this.totals.completionTokens += usage.completionTokens;
  }

  private assertUsable(): void {
    if (this.disposal) throw disposedError(this.modelId);
  }
}

/**
 * The token LlamaCompletion prepends to every input: node-llama-cpp's resolveBeginningTokenToPrepend
 * (utils/tokenizerUtils.js, not exported), mirrored so prompts can be compared with what a sequence holds.
 */
function beginningTokenToPrepend(model: LlamaModel): Token | undefined {
  switch (model.vocabularyType) {
    case LlamaVocabularyType.rwkv:
    case LlamaVocabularyType.ugm:
      return undefined;
    case LlamaVocabularyType.wpm:
      return model.tokens.bos ?? undefined;
    default:
      return model.tokens.shouldPrependBosToken ? (model.tokens.bos ?? undefined) : undefined;
  }
}

function end(finishReason: FinishReason, usage: TokenUsage): EngineEvent {
  return { type: "generation-end", finishReason, usage };
}

function toFinishReason(stopReason: string): FinishReason {
  switch (stopReason) {
    case "maxTokens":
      return "length";
    case "abort":
      return "aborted";
    default:
      // eogToken, stopGenerationTrigger (a grammar's end), customStopTrigger (the template's end of turn).
      return "stop";
  }
}

/** What createContext gets: on the CPU "auto" means off (see LlamaCppEngineOptions.flashAttention). */
export function flashAttentionFor(setting: "auto" | "on" | "off", gpu: string | false): "auto" | boolean {
  if (setting === "on") return true;
  if (setting === "off") return false;
  return gpu === false ? false : "auto";
}
