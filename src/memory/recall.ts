import type { Memory } from "../contracts/index.js";
import { neutralise } from "../knowledge/reference.js";
import { wordsOf } from "./dedupe.js";

export const RECALL_HEADING = "What you remember about the person you are talking to:";

/** Words too common to say that a memory is about what the person just wrote. */
const STOP_WORDS = new Set([
  "a", "an", "and", "are", "as", "at", "be", "but", "by", "do", "for", "from", "has", "have", "he", "her", "his", "i",
  "in", "is", "it", "its", "me", "my", "of", "on", "or", "she", "so", "that", "the", "their", "them", "they", "this",
  "to", "was", "we", "were", "what", "when", "who", "will", "with", "you", "your",
]);

function topicWords(text: string): Set<string> {
  return new Set([...wordsOf(text)].filter((word) => !STOP_WORDS.has(word)));
}

/** The person's memories, most useful first: their name, then those sharing words with the message, then the most recent. */
export function rankMemories<T extends Pick<Memory, "kind" | "content" | "updatedAt">>(memories: readonly T[], message: string): T[] {
  const asked = topicWords(message);
  const overlap = (memory: T) => {
    let shared = 0;
    for (const word of topicWords(memory.content)) if (asked.has(word)) shared++;
    return shared;
  };
  return memories
    .map((memory) => ({ memory, name: memory.kind === "name" ? 1 : 0, shared: overlap(memory) }))
    .sort((a, b) => b.name - a.name || b.shared - a.shared || b.memory.updatedAt.localeCompare(a.memory.updatedAt))
    .map(({ memory }) => memory);
}

export function renderRecall(memories: readonly Pick<Memory, "content">[]): string {
  if (memories.length === 0) return "";
  const lines = memories.map((memory) => `- ${neutralise(memory.content).replace(/\s+/g, " ").trim()}`);
  return `${RECALL_HEADING}\n${lines.join("\n")}`;
}

/**
 * The block of memories for the prompt: as many of the ranked memories as fit `budgetTokens`, each
 * whole (a memory cut in half could say the opposite of what it said). Lines are counted one by one
 * (the same memories come back turn after turn, and a caching counter answers those at once), then
 * the block is counted whole, dropping from the end in the rare case where joining them cost more.
 */
export async function recallBlock<T extends Pick<Memory, "kind" | "content" | "updatedAt">>(input: {
  memories: readonly T[];
  message: string;
  budgetTokens: number;
  countTokens: (text: string) => number | Promise<number>;
}): Promise<{ text: string; used: T[] }> {
  const ranked = rankMemories(input.memories, input.message);
  if (ranked.length === 0 || input.budgetTokens <= 0) return { text: "", used: [] };
  let total = await input.countTokens(RECALL_HEADING);
  let count = 0;
  for (const memory of ranked) {
    const line = await input.countTokens(renderRecall([memory]).slice(RECALL_HEADING.length + 1));
    if (total + line > input.budgetTokens) break;
    total += line;
    count++;
  }
  while (count > 0 && (await input.countTokens(renderRecall(ranked.slice(0, count)))) > input.budgetTokens) count--;
  const used = ranked.slice(0, count);
  return { text: renderRecall(used), used };
}

/**
 * The person's name for {{user}}, from their "name" memory: "Sam" as written, or the name in a
 * sentence like "Their name is Sam". Null when there is none or it does not read as a name.
 */
export function rememberedName(memories: readonly Pick<Memory, "kind" | "content">[]): string | null {
  const memory = memories.find((candidate) => candidate.kind === "name");
  if (!memory) return null;
  const content = memory.content.trim();
  const stated = /\b(?:name is|named|called|goes by|call (?:me|them|him|her))\s+(.+)$/i.exec(content);
  const name = (stated?.[1] ?? content).replace(/[.!]+$/, "").trim();
  return name.length > 0 && name.length <= 60 && name.split(/\s+/).length <= 4 ? name : null;
}
