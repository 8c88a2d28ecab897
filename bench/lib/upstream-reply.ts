/** The instant upstream's scripted reply, shared by the upstream process and the load generator. */

const WORDS = (
  "Once upon a time there was a little cat named Lily who lived in a small house by a garden. " +
  "Every morning she ran outside to chase the butterflies and smell the flowers. One day she found a red ball under a big tree"
).split(" ");

/** The reply as word pieces (leading space attached), like the test stub's tokens. */
export function replyPieces(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${index === 0 ? "" : " "}${WORDS[index % WORDS.length]!}`);
}

/** Word pieces per SSE chunk, from a model name such as "bench-c8"; 1 when the name says nothing. */
export function tokensPerChunkOf(model: string): number {
  const match = /-c(\d+)\b/.exec(model);
  return match ? Math.max(1, Number(match[1])) : 1;
}

export const UPSTREAM_REPLY_TOKENS = 64;
