import type { Memory } from "../contracts/index.js";

/** A message about the agent's memory of the sender, answered from the store rather than by the model. */
export type MemoryIntent = "recall" | "forget";

/** What to say to have the memories cleared; recognised by FORGET below. */
export const FORGET_PHRASE = "forget everything about me";

/** Fillers a question may start or end with without changing what it asks. */
const LEAD = String.raw`(?:(?:hey|hi|so|ok|okay|and|well|please|tell me|can you tell me|could you tell me)\s+)*`;
const TAIL = String.raw`(?:\s+(?:so far|already|now|please))*`;
const RECALL = new RegExp(
  String.raw`^${LEAD}(?:what (?:do|did) you (?:remember|know|recall) (?:about|of) me` +
    String.raw`|what have you (?:learned|learnt|remembered|noted) about me` +
    String.raw`|what you (?:remember|know) about me)${TAIL}$`,
);
/** Strict, whole message: forgetting is not undone, so only an unambiguous request does it. */
const FORGET = /^(?:please\s+)?forget (?:everything (?:about|you know about) me|me)(?:\s+please)?$/;

function normalise(message: string): string {
  return message.toLowerCase().replace(/[’']/g, "'").replace(/[.!?,;:¿¡"]+/g, " ").replace(/\s+/g, " ").trim();
}

export function detectMemoryIntent(message: string): MemoryIntent | null {
  if (message.length > 200) return null;
  const text = normalise(message);
  if (FORGET.test(text)) return "forget";
  if (RECALL.test(text)) return "recall";
  return null;
}

/** The answer to "what do you remember about me": the stored memories, and how to clear them. */
export function recallReply(memories: readonly Pick<Memory, "content">[]): string {
  if (memories.length === 0) {
    return "I don't remember anything about you yet. As we talk, I note things you tell me about yourself — your name, what you like, what you asked for — so I can help you better next time.";
  }
  const lines = memories.map((memory) => `- ${memory.content.replace(/\s+/g, " ").trim()}`);
  return `Here is what I remember about you:\n${lines.join("\n")}\n\nIf you want me to forget all of it, say "${FORGET_PHRASE}".`;
}

export function forgetReply(deleted: number): string {
  return deleted === 0
    ? "I had nothing stored about you, so there was nothing to forget."
    : `Done: I forgot everything I remembered about you (${deleted} ${deleted === 1 ? "note" : "notes"}). I will start afresh from here.`;
}
