import type { Token } from "node-llama-cpp";

/**
 * Token-level KV-cache reuse across turns.
 *
 * Each turn the conversation is rendered with the chat template and tokenised as text: the canonical
 * prompt. A reply's tokens as sampled are often not the canonical tokenisation of its text (SentencePiece
 * gives a reply that starts with "\n" a leading-space token when it is re-tokenised; small vocabularies
 * merge differently mid-reply), so re-rendering the history diverges from what the sequence holds at the
 * first such token, and everything from there on would be evaluated again.
 *
 * Instead, a sequence remembers which token prefixes of its canonical rendering correspond to which token
 * prefixes of the tokens it really evaluated (`SplicePoint`s), and a new prompt that extends a known
 * canonical prefix is fed as the really-evaluated tokens of that prefix followed by the canonical tokens of
 * the rest. The model then sees exactly what is in its cache, followed by only the new tokens.
 *
 * Correctness never depends on the cache: every point pairs two token lists that render the same text (the
 * reply part is checked by detokenising it), and the sequence itself reuses only the exact common token
 * prefix of what it holds and what it is given.
 */

/** `canonical.slice(0, canonical)` and `actual.slice(0, actual)` render the same content. */
export interface SplicePoint {
  readonly canonical: number;
  readonly actual: number;
}

export interface SequenceContent {
  /** The canonical tokens of the conversation so far; after a reply they end with it as an open model turn. */
  readonly canonical: readonly Token[];
  /** The tokens the model conditioned on and generated for the same content (sampled reply tokens as sampled). */
  readonly actual: readonly Token[];
  /** Matching prefixes of `canonical` and `actual`, ascending; `{0, 0}` is implied. */
  readonly points: readonly SplicePoint[];
}

export interface SplicedPrompt {
  /** What to feed the model: a known prefix as it was really evaluated, then the rest canonically. */
  readonly input: Token[];
  /** The point the splice was made at; `{0, 0}` when the canonical prompt is fed unchanged. */
  readonly point: SplicePoint;
}

const START: SplicePoint = { canonical: 0, actual: 0 };

/**
 * Splices `prompt` (canonical tokens) onto what the sequence is known to hold: at the longest recorded
 * point whose canonical prefix `prompt` starts with. Without one (new conversation, history edited before
 * the first reply, another template) the prompt is returned unchanged.
 */
export function splicePrompt(prompt: readonly Token[], content: SequenceContent | undefined): SplicedPrompt {
  if (!content) return { input: prompt.slice(), point: START };
  const common = commonPrefixLength(prompt, content.canonical);
  let point = START;
  for (const candidate of content.points) {
    if (candidate.canonical <= common && candidate.canonical >= point.canonical) point = candidate;
  }
  if (point.canonical === 0) return { input: prompt.slice(), point: START };
  return { input: [...content.actual.slice(0, point.actual), ...prompt.slice(point.canonical)], point };
}

/**
 * What a sequence holds after a generation that was fed `input` (spliced from `previous` at `point`) for
 * the canonical `prompt`. `reply` is the reply as it was generated: `canonical` renders the conversation
 * with the reply as an open model turn, `tokens` are the generated tokens that make up exactly the reply's
 * text. Without `reply` (it could not be matched to its tokens) only the prompt part is remembered.
 */
export function contentAfterReply(options: {
  previous: SequenceContent | undefined;
  point: SplicePoint;
  prompt: readonly Token[];
  input: readonly Token[];
  reply?: { canonical: readonly Token[]; tokens: readonly Token[] } | undefined;
}): SequenceContent {
  const { previous, point, prompt, input, reply } = options;
  const canonical = reply ? reply.canonical : prompt;
  const actual = reply ? [...input, ...reply.tokens] : input.slice();
  // Points stay valid while both sides are still prefixes of the new content: the old points up to the
  // splice point (the new input starts with them), then the prompt itself, then the whole.
  const stable = commonPrefixLength(canonical, prompt);
  const candidates: SplicePoint[] = [
    ...(previous?.points ?? []).filter((candidate) => candidate.canonical <= point.canonical),
    { canonical: prompt.length, actual: input.length },
  ];
  const points = candidates.filter((candidate) => candidate.canonical > 0 && candidate.canonical <= stable);
  // The whole pairs up only where the reply's rendering extends the prompt (then it is the reply's text).
  if (reply && stable === prompt.length && canonical.length > prompt.length) points.push({ canonical: canonical.length, actual: actual.length });
  return { canonical: canonical.slice(), actual, points: dedupe(points) };
}

/**
 * The shortest prefix of `tokens` that detokenises to exactly `text`, or undefined when there is none
 * (the text was cut inside a token, for example by a stop trigger). Binary search on the detokenised
 * length, then a short scan: byte-fallback tokens can make lengths move non-monotonically by a character.
 */
export function tokensForText(tokens: readonly Token[], text: string, detokenize: (tokens: readonly Token[]) => string): number | undefined {
  if (text === "") return 0;
  let low = 1;
  let high = tokens.length;
  if (high === 0) return undefined;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (detokenize(tokens.slice(0, middle)).length >= text.length) high = middle;
    else low = middle + 1;
  }
  for (let count = Math.max(1, low - 2); count <= Math.min(tokens.length, low + 2); count++) {
    if (detokenize(tokens.slice(0, count)) === text) return count;
  }
  return undefined;
}

export function commonPrefixLength(a: readonly Token[], b: readonly Token[]): number {
  const length = Math.min(a.length, b.length);
  let index = 0;
  while (index < length && a[index] === b[index]) index++;
  return index;
}

export function startsWith(tokens: readonly Token[], prefix: readonly Token[]): boolean {
  return prefix.length <= tokens.length && commonPrefixLength(tokens, prefix) === prefix.length;
}

function dedupe(points: readonly SplicePoint[]): SplicePoint[] {
  const sorted = [...points].sort((a, b) => a.canonical - b.canonical);
  return sorted.filter((point, index) => index === 0 || point.canonical !== sorted[index - 1]!.canonical);
}
