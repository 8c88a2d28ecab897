import type { KnowledgeSource } from "../../contracts/index.js";

/** No source is waiting or being indexed. */
export function settled(sources: readonly KnowledgeSource[]): boolean {
  return sources.every((source) => source.status === "ready" || source.status === "failed");
}

/**
 * Polls `list` until `done` holds for its sources (default: all settled), and returns them; throws
 * with their statuses after `timeoutMs`.
 */
export async function waitForIndexing(
  list: () => Promise<KnowledgeSource[]>,
  options: { done?: (sources: KnowledgeSource[]) => boolean; timeoutMs?: number; intervalMs?: number } = {},
): Promise<KnowledgeSource[]> {
  const { done = settled, timeoutMs = 30_000, intervalMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sources = await list();
    if (done(sources)) return sources;
    if (Date.now() > deadline) {
      throw new Error(`Indexing did not get there in ${timeoutMs} ms: ${sources.map((source) => `${source.name} ${source.status}`).join(", ")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
