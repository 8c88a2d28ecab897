import type { ConversationSummary } from "../../../src/contracts/memory.js";

/**
 * The summary that stands in for a long conversation's older turns in the model's prompt, shown
 * collapsed at the top so readers know what the agent still "sees" of them.
 */
export function EarlierSummary({ summary }: { summary: ConversationSummary | null | undefined }) {
  if (!summary) return null;
  const covered = summary.coveredMessages === 1 ? "1 message" : `${summary.coveredMessages} messages`;
  return (
    <details className="earlier-summary">
      <summary>Earlier messages summarised</summary>
      <p className="earlier-summary__note">
        The first {covered} of this conversation no longer fit in what the model reads at once, so it reads this summary
        of them instead.
      </p>
      <p className="earlier-summary__text">{summary.content}</p>
    </details>
  );
}
