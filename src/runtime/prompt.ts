import { AtelierError, type ChatMessage } from "../contracts/index.js";

export interface PromptBudgetInput {
  /** Persona and safety text; always included whole, never truncated. */
  system: string;
  /** Oldest first; the last message is the one being answered. */
  history: readonly ChatMessage[];
  contextSize: number;
  /** Tokens wanted for the reply. At most half the context is reserved for it. */
  replyTokens: number;
  countTokens: (messages: readonly ChatMessage[]) => Promise<number>;
  /**
   * History is dropped in whole multiples of this many messages, oldest first. Dropping in steps keeps
   * the start of the prompt identical for several turns, so the KV cache stays reusable instead of
   * every turn shifting the window by one message and re-evaluating everything.
   */
  dropStep?: number;
  /**
   * Reference passages for the latest message: `wrap` puts the first `count` of them in front of it.
   * They come before history (but after the persona): as many as fit in REFERENCE_SHARE of the
   * prompt budget, best first, and the history gets what is left.
   */
  reference?: { count: number; wrap(content: string, count: number): string } | undefined;
  /**
   * Text framing the latest message, outside its passages: `before` (what the agent remembers about
   * the person) and `after` (the agent's post-history instructions, said last). Always included.
   */
  latest?: { before?: string | undefined; after?: string | undefined } | undefined;
}

/** At most this share of the prompt budget goes to the persona, the latest message and its passages. */
export const REFERENCE_SHARE = 0.75;

export interface PromptPlan {
  messages: ChatMessage[];
  promptTokens: number;
  /** Oldest history messages left out because they did not fit. */
  droppedMessages: number;
  /** Tokens reserved for the reply. */
  replyBudget: number;
  /** How many reference passages made it into the prompt (the first ones given). */
  referenceCount: number;
  /** Tokens of the parts always sent: the system message and the latest message as framed. */
  fixedTokens: number;
}

export function replyReserve(contextSize: number, replyTokens: number): number {
  return Math.max(1, Math.min(replyTokens, Math.floor(contextSize / 2)));
}

/**
 * Fits persona + history into the context: persona first and whole, then as much of the most recent
 * history as fits. Fails with context_overflow when the persona and the latest message alone do not fit.
 */
export async function assemblePrompt(input: PromptBudgetInput): Promise<PromptPlan> {
  if (input.history.length === 0) throw new AtelierError("bad_request", "There is no message to answer.");
  const replyBudget = replyReserve(input.contextSize, input.replyTokens);
  const budget = input.contextSize - replyBudget;
  const systemMessage: ChatMessage = { role: "system", content: input.system };
  const { history, referenceCount } = await withReferences({ ...input, systemMessage, budget });
  const plan = await fitHistory({ ...input, history, systemMessage, budget });
  const fixedTokens = plan.messages.length === 2 ? plan.promptTokens : await input.countTokens([systemMessage, history.at(-1)!]);
  return { ...plan, replyBudget, referenceCount, fixedTokens };
}

function framed(content: string, latest: PromptBudgetInput["latest"]): string {
  return [latest?.before, content, latest?.after].filter((part): part is string => part !== undefined && part.trim() !== "").join("\n\n");
}

/** The history with as many passages in front of its latest message as fit their share of the budget. */
async function withReferences(input: PromptBudgetInput & { systemMessage: ChatMessage; budget: number }): Promise<{ history: readonly ChatMessage[]; referenceCount: number }> {
  const { reference } = input;
  const last = input.history.at(-1)!;
  const history = input.latest ? [...input.history.slice(0, -1), { ...last, content: framed(last.content, input.latest) }] : input.history;
  if (!reference || reference.count === 0) return { history, referenceCount: 0 };
  const withCount = (count: number): ChatMessage[] => [...history.slice(0, -1), { ...last, content: framed(reference.wrap(last.content, count), input.latest) }];
  const limit = Math.floor(input.budget * REFERENCE_SHARE);
  const fits = async (count: number) => (await input.countTokens([input.systemMessage, withCount(count).at(-1)!])) <= limit;
  // Largest count that fits; passages only ever add tokens, so fitting is monotone in the count.
  let low = 0;
  let high = reference.count;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (await fits(middle)) low = middle;
    else high = middle - 1;
  }
  return { history: low === 0 ? history : withCount(low), referenceCount: low };
}

async function fitHistory(input: PromptBudgetInput & { systemMessage: ChatMessage; budget: number }): Promise<Omit<PromptPlan, "replyBudget" | "referenceCount" | "fixedTokens">> {
  const { history, systemMessage: system, budget } = input;
  const replyBudget = input.contextSize - budget;
  const build = (dropped: number): ChatMessage[] => [system, ...history.slice(dropped)];

  const full = await input.countTokens(build(0));
  if (full <= budget) return { messages: build(0), promptTokens: full, droppedMessages: 0 };

  const lastOnly = history.length - 1;
  const minimal = await input.countTokens(build(lastOnly));
  if (minimal > budget) {
    throw new AtelierError(
      "context_overflow",
      `The agent's profile and the latest message need ${minimal} tokens, but the model's context holds ` +
        `${input.contextSize} with ${replyBudget} kept for the reply. Shorten the profile or the message, ` +
        `lower the reply length, or use a model with a larger context.`,
    );
  }

  // Smallest number of oldest messages to drop so the rest fits (token count shrinks as we drop more).
  let low = 1;
  let high = lastOnly;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if ((await input.countTokens(build(middle))) <= budget) high = middle;
    else low = middle + 1;
  }
  const step = Math.max(1, input.dropStep ?? 1);
  const dropped = Math.min(lastOnly, Math.ceil(low / step) * step);
  const messages = build(dropped);
  return { messages, promptTokens: await input.countTokens(messages), droppedMessages: dropped };
}
