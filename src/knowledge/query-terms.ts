/** Words too common to help a lexical search find anything (BM25 would weigh them near zero anyway). */
const STOPWORDS = new Set(
  ("a about above after again against all am an and any are as at be because been before being below between both but by can " +
    "could did do does doing down during each few for from further had has have having he her here hers herself him himself his " +
    "how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours " +
    "ourselves out over own same she should so some such than that the their theirs them themselves then there these they " +
    "this those through to too under until up very was we were what when where which while who whom why will with would you " +
    "your yours yourself yourselves tell please know").split(" "),
);

const MAX_TERMS = 32;

/**
 * The search terms of a question: words (letters and digits, any script), lowercased, without
 * stopwords, each once, at most 32. A question of stopwords alone keeps them, so it still finds something.
 */
export function queryTerms(question: string): string[] {
  const words = question.toLowerCase().normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? [];
  const unique = [...new Set(words)];
  const meaningful = unique.filter((word) => !STOPWORDS.has(word));
  return (meaningful.length > 0 ? meaningful : unique).slice(0, MAX_TERMS);
}

/** Reciprocal rank fusion: each list adds 1 / (k + rank); k = 60 as in Cormack et al. (2009). */
export function fuseRankings(lists: ReadonlyArray<readonly number[]>, k = 60): Array<{ seq: number; score: number; ranks: Array<number | null> }> {
  const fused = new Map<number, { seq: number; score: number; ranks: Array<number | null> }>();
  lists.forEach((list, listIndex) => {
    list.forEach((seq, index) => {
      let entry = fused.get(seq);
      if (!entry) {
        entry = { seq, score: 0, ranks: lists.map(() => null) };
        fused.set(seq, entry);
      }
      entry.score += 1 / (k + index + 1);
      entry.ranks[listIndex] = index + 1;
    });
  });
  return [...fused.values()].sort((a, b) => b.score - a.score || a.seq - b.seq);
}
