import { AtelierError, type ChatMessage, type ConversationSummary, type Role } from "../contracts/index.js";
import { collectChat, type ChatEngine } from "../engine/chat-engine.js";

/** A stored message as the summariser sees it. */
export interface SummarisableMessage {
  id: string;
  role: Role;
  content: string;
}

/**
 * How many of `tokens` (the messages after the current summary, oldest first) to summarise: the
 * newest messages are kept while they take at most `keepBudget` tokens (and at least `minKeep` of
 * them are kept whatever they take); the rest is covered. When it can, the cut moves one message
 * on so the kept part starts with the person's message, as chat templates expect after a system
 * message. 0: nothing to summarise.
 */
export function planCut(input: { tokens: readonly number[]; roles: readonly Role[]; keepBudget: number; minKeep: number }): number {
  const count = input.tokens.length;
  let kept = 0;
  let keptTokens = 0;
  while (kept < count) {
    const next = input.tokens[count - 1 - kept]!;
    if (kept >= input.minKeep && keptTokens + next > input.keepBudget) break;
    keptTokens += next;
    kept++;
  }
  let covered = count - kept;
  if (covered === 0) return 0;
  if (covered < count && input.roles[covered] !== "user" && count - covered - 1 >= input.minKeep) covered++;
  return covered;
}

const SUMMARY_INSTRUCTIONS = [
  "You summarise a conversation between {agent}, an AI agent, and a person, so that {agent} can carry on without the full transcript.",
  "Update the summary so far with the new messages. Keep what matters later: who the person is, what they asked for, what was decided or promised, facts given, open questions.",
  "Write plain prose in the third person, shorter than the messages. Answer with the summary only.",
].join("\n");

/** Most tokens a summary may take: it rides in every prompt after it. */
export const SUMMARY_MAX_TOKENS = 400;
/** Characters of a single message shown to the summariser, at most: one huge paste must not crowd out the rest. */
const MESSAGE_CLIP_CHARS = 6_000;

function transcript(messages: readonly SummarisableMessage[], agentName: string, clipChars: number): string {
  return messages
    .map((message) => {
      const speaker = message.role === "user" ? "Person" : message.role === "assistant" ? agentName : "Note";
      const text = message.content.trim();
      return `${speaker}: ${text.length > clipChars ? `${text.slice(0, clipChars)}…` : text}`;
    })
    .join("\n\n");
}

export function summaryPrompt(input: { agentName: string; previous: string | null; messages: readonly SummarisableMessage[]; clipChars?: number }): ChatMessage[] {
  const parts = [
    `Summary so far:\n${input.previous?.trim() || "(nothing yet: this is the start of the conversation)"}`,
    `New messages:\n${transcript(input.messages, input.agentName, input.clipChars ?? MESSAGE_CLIP_CHARS)}`,
    "Write the updated summary.",
  ];
  return [
    { role: "system", content: SUMMARY_INSTRUCTIONS.replaceAll("{agent}", input.agentName) },
    { role: "user", content: parts.join("\n\n") },
  ];
}

/** A summary cut off by its token limit ends at its last full sentence, when it has one. */
function tidy(text: string, finishedEarly: boolean): string {
  const trimmed = text.trim();
  if (!finishedEarly) return trimmed;
  const end = Math.max(trimmed.lastIndexOf(". "), trimmed.lastIndexOf(".\n"), trimmed.endsWith(".") ? trimmed.length - 1 : -1);
  return end > trimmed.length / 2 ? trimmed.slice(0, end + 1) : trimmed;
}

/**
 * Folds `messages` into `previous`, in as many generations as the model's context needs: each takes
 * the summary so far and as many of the next messages as fit. No sessionKey, so the conversation's
 * warm KV cache is left alone.
 */
export async function summarise(engine: ChatEngine, input: {
  agentName: string;
  previous: string | null;
  messages: readonly SummarisableMessage[];
  maxTokens: number;
  signal?: AbortSignal | undefined;
}): Promise<string> {
  const maxTokens = Math.max(32, Math.min(SUMMARY_MAX_TOKENS, input.maxTokens));
  const room = engine.capabilities.contextSize - maxTokens;
  let summary = input.previous;
  let start = 0;
  while (start < input.messages.length) {
    let end = start + 1;
    let clipChars = MESSAGE_CLIP_CHARS;
    const tokensFor = (to: number) => engine.countTokens(summaryPrompt({ agentName: input.agentName, previous: summary, messages: input.messages.slice(start, to), clipChars }));
    // One message that does not fit alone is shown clipped.
    while ((await tokensFor(end)) > room) {
      if (clipChars < 100) throw new AtelierError("context_overflow", "The summary so far leaves no room for the next message in the model's context.");
      clipChars = Math.floor(clipChars / 2);
    }
    // Then as many more as fit, found by bisection (the count grows with every message added).
    let high = input.messages.length;
    while (end < high) {
      const middle = Math.ceil((end + high) / 2);
      if ((await tokensFor(middle)) <= room) end = middle;
      else high = middle - 1;
    }
    const messages = summaryPrompt({ agentName: input.agentName, previous: summary, messages: input.messages.slice(start, end), clipChars });
    const reply = await collectChat(engine.streamChat({ messages, sampling: { temperature: 0.3, maxTokens } }, { signal: input.signal }));
    if (reply.finishReason === "aborted") throw new AtelierError("aborted", "The summary was cancelled.");
    if (reply.finishReason === "error") throw new AtelierError("engine_error", `${engine.modelId} failed while summarising the conversation.`);
    const text = tidy(reply.text, reply.finishReason === "length");
    if (text === "") throw new AtelierError("engine_error", `${engine.modelId} wrote an empty summary.`);
    summary = text;
    start = end;
  }
  if (summary === null) throw new AtelierError("bad_request", "There was nothing to summarise.");
  return summary;
}

/** The summary as it goes at the end of the system message: the same text every turn until the next summary. */
export function summarySection(summary: Pick<ConversationSummary, "content">): string {
  return `Summary of the earlier conversation:\n${summary.content.trim()}`;
}
