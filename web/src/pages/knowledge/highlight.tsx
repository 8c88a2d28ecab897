import type { ReactNode } from "react";

/** Words too common to be worth marking in a passage. */
const STOP_WORDS = new Set(
  "a an and are as at be but by can do does for from how i if in is it its me my of on or our so that the their then there this to was we what when where which who why will with you your".split(" "),
);

/** The distinct words of a question worth marking: letters and digits, two or more, common words left out. */
export function queryTerms(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? [];
  // A plural marks its other forms too: "refunds" finds "refund" and "refunded".
  return [...new Set(words.filter((word) => !STOP_WORDS.has(word)).map((word) => (word.length > 4 && word.endsWith("s") ? word.slice(0, -1) : word)))];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The text with each whole word that starts with a query term wrapped in <mark>, as React nodes: the
 * passage stays text, so nothing in a document can become markup.
 */
export function highlight(text: string, terms: readonly string[]): ReactNode[] {
  if (terms.length === 0) return [text];
  const alternatives = terms.map(escapeRegExp).join("|");
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])((?:${alternatives})[\\p{L}\\p{N}]*)`, "giu");
  const parts = text.split(pattern);
  // split() with one capturing group alternates: text, match, text, match, …
  return parts.map((part, index) => (index % 2 === 1 ? <mark key={index}>{part}</mark> : part));
}

/** The heading path without a leading document title already shown beside it ("FAQ › Returns" under "FAQ"). */
export function headingBelow(title: string, heading: string): string {
  if (heading === title) return "";
  return heading.startsWith(`${title} › `) ? heading.slice(title.length + 3) : heading;
}
