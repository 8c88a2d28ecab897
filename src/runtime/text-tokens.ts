import type { ChatEngine } from "../engine/chat-engine.js";

/** Tokens of a piece of prompt text (lore entry, memory, summary), without the chat template's framing. */
export type TextTokens = (text: string) => Promise<number>;

/** Texts whose counts are kept per engine, and their characters in all: a bound on the memory the cache holds. */
const MAX_TEXTS = 10_000;
const MAX_CHARS = 4_000_000;

interface Cache {
  counts: Map<string, number>;
  chars: number;
  framing: Promise<number> | undefined;
}
const caches = new WeakMap<ChatEngine, Cache>();

/**
 * Counting a text through the engine renders the chat template and tokenises it: about half a
 * millisecond each on a CPU model, and a turn with a lorebook and memories counts the same lore
 * entries and memory lines turn after turn. So counts are kept per engine (least recently used
 * out first). A text counts as a system message's content less an empty one's, so that counts of
 * parts add up to about the count of their concatenation.
 */
export function textTokens(engine: ChatEngine): TextTokens {
  let cache = caches.get(engine);
  if (!cache) {
    cache = { counts: new Map(), chars: 0, framing: undefined };
    caches.set(engine, cache);
  }
  const state = cache;
  return async (text) => {
    const known = state.counts.get(text);
    if (known !== undefined) {
      state.counts.delete(text);
      state.counts.set(text, known);
      return known;
    }
    state.framing ??= engine.countTokens([{ role: "system", content: "" }]);
    const [framing, whole] = await Promise.all([state.framing, engine.countTokens([{ role: "system", content: text }])]);
    const count = Math.max(0, whole - framing);
    state.counts.set(text, count);
    state.chars += text.length;
    for (const [oldest] of state.counts) {
      if (state.counts.size <= MAX_TEXTS && state.chars <= MAX_CHARS) break;
      state.counts.delete(oldest);
      state.chars -= oldest.length;
    }
    return count;
  };
}
