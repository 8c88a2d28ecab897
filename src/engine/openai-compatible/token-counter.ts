/**
 * Token counting for an OpenAI-compatible upstream.
 *
 * The OpenAI protocol has no tokenize endpoint, so there is no exact, portable answer. Two popular
 * servers expose one beside /v1, and we use whichever answers:
 *   - vLLM: `POST {origin}/tokenize` with `{ model, messages }` applies the model's chat template and
 *     answers `{ count, max_model_len, tokens }` - exact.
 *   - llama.cpp server: `POST {origin}/tokenize` with `{ content }` answers `{ tokens }`. It tokenizes
 *     text only, so the chat template's own tokens are approximated by a per-message overhead.
 * Anything else (Ollama, hosted APIs) gets a character-based estimate that deliberately over-counts,
 * because the prompt assembler trusts this number to keep the prompt inside the context window.
 */
import type { ChatMessage } from "../../contracts/index.js";

/** Chat templates wrap each message in role markers; 4 tokens covers ChatML, Llama 3 and Mistral styles. */
export const TEMPLATE_TOKENS_PER_MESSAGE = 4;
/** The assistant header the template appends for the reply to start from. */
export const TEMPLATE_TOKENS_FOR_REPLY = 3;
/** How long a probe or tokenize call may take before we fall back to the estimate. */
const TOKENIZE_TIMEOUT_MS = 2_000;
/** After an unreachable server, estimate for this long before probing again (not on every call). */
const PROBE_RETRY_MS = 30_000;

/**
 * A conservative estimate of the tokens in `text`. BPE vocabularies average about 4 characters per
 * token for English prose and about 3 for code; we divide ASCII by 3 so prose is over-counted by a
 * quarter or more. Other scripts (CJK, emoji, accented words) take roughly one token per UTF-16 code
 * unit or fewer, so each counts as one. This errs on the side of a smaller prompt, never a bigger one,
 * for typical text; it cannot be exact.
 */
export function estimateTextTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) < 0x80) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 3 + other);
}

/** The estimate for whole chat messages, template overhead included. */
export function estimateMessageTokens(messages: readonly ChatMessage[]): number {
  let total = TEMPLATE_TOKENS_FOR_REPLY;
  for (const message of messages) total += estimateTextTokens(message.content) + TEMPLATE_TOKENS_PER_MESSAGE;
  return total;
}

export type TokenizerDialect = "vllm" | "llama-cpp" | "estimate";

export interface TokenCounterOptions {
  /** The upstream's base URL (usually ending in /v1); /tokenize lives beside /v1. */
  baseUrl: string;
  apiKey: string;
  model: string;
  fetch?: typeof globalThis.fetch;
}

export class UpstreamTokenCounter {
  readonly #tokenizeUrl: string;
  readonly #headers: Record<string, string>;
  readonly #model: string;
  readonly #fetch: typeof globalThis.fetch;
  /** Decided once per counter, except that a probe which could not connect is retried later. */
  #dialect: Promise<TokenizerDialect> | undefined;
  #probeAgainAt = 0;

  constructor(options: TokenCounterOptions) {
    // Beside /v1 rather than at the origin, so a server behind a path prefix (https://host/llm/v1) works too.
    this.#tokenizeUrl = `${options.baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "")}/tokenize`;
    this.#headers = { "content-type": "application/json", authorization: `Bearer ${options.apiKey}` };
    this.#model = options.model;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** Which tokenizer answered the probe. */
  dialect(): Promise<TokenizerDialect> {
    if (this.#dialect === undefined || (this.#probeAgainAt !== 0 && Date.now() >= this.#probeAgainAt)) {
      this.#probeAgainAt = 0;
      this.#dialect = this.#probe().catch(() => {
        this.#probeAgainAt = Date.now() + PROBE_RETRY_MS;
        return "estimate" as const;
      });
    }
    return this.#dialect;
  }

  async countMessages(messages: readonly ChatMessage[]): Promise<number> {
    const dialect = await this.dialect();
    try {
      if (dialect === "vllm") return await this.#countWithVllm(messages);
      if (dialect === "llama-cpp") {
        const text = messages.map((message) => message.content).join("\n");
        const overhead = TEMPLATE_TOKENS_FOR_REPLY + TEMPLATE_TOKENS_PER_MESSAGE * messages.length;
        return (await this.#countWithLlamaCpp(text)) + overhead;
      }
    } catch {
      // The endpoint worked at probe time; a passing failure (restart, overload) falls back for this call.
    }
    return estimateMessageTokens(messages);
  }

  async countText(text: string): Promise<number> {
    const dialect = await this.dialect();
    try {
      if (dialect === "llama-cpp") return await this.#countWithLlamaCpp(text);
      if (dialect === "vllm") return await this.#countWithVllmPrompt(text);
    } catch {
      // As above: fall back for this call only.
    }
    return estimateTextTokens(text);
  }

  /**
   * Asks with vLLM's body first: llama.cpp ignores the unknown fields and answers an empty token list,
   * which the `count` check rejects; then asks with llama.cpp's body. Throws only when the server
   * could not be reached at all.
   */
  async #probe(): Promise<TokenizerDialect> {
    const sample: ChatMessage[] = [{ role: "user", content: "Hello there" }];
    const vllm = await this.#post({ model: this.#model, messages: sample, add_generation_prompt: true });
    if (vllm.ok && isVllmCount(vllm.body)) return "vllm";
    const llama = await this.#post({ content: "Hello there" });
    if (llama.ok && isTokenList(llama.body) && llama.body.tokens.length > 0) return "llama-cpp";
    return "estimate";
  }

  async #countWithVllm(messages: readonly ChatMessage[]): Promise<number> {
    const response = await this.#post({ model: this.#model, messages, add_generation_prompt: true });
    if (!response.ok || !isVllmCount(response.body)) throw new Error("vLLM tokenize failed");
    return response.body.count;
  }

  async #countWithVllmPrompt(text: string): Promise<number> {
    const response = await this.#post({ model: this.#model, prompt: text, add_special_tokens: false });
    if (!response.ok || !isVllmCount(response.body)) throw new Error("vLLM tokenize failed");
    return response.body.count;
  }

  async #countWithLlamaCpp(text: string): Promise<number> {
    const response = await this.#post({ content: text, add_special: false });
    if (!response.ok || !isTokenList(response.body)) throw new Error("llama.cpp tokenize failed");
    return response.body.tokens.length;
  }

  /** Resolves for any HTTP answer (ok or not); rejects when the server cannot be reached. */
  async #post(body: object): Promise<{ ok: boolean; body: unknown }> {
    const response = await this.#fetch(this.#tokenizeUrl, {
      method: "POST",
      headers: this.#headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TOKENIZE_TIMEOUT_MS),
    });
    const parsed: unknown = await response.json().catch(() => undefined);
    return { ok: response.ok, body: parsed };
  }
}

function isVllmCount(body: unknown): body is { count: number } {
  return typeof body === "object" && body !== null && typeof (body as { count?: unknown }).count === "number";
}

function isTokenList(body: unknown): body is { tokens: unknown[] } {
  return typeof body === "object" && body !== null && Array.isArray((body as { tokens?: unknown }).tokens);
}
