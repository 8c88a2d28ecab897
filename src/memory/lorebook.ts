import safeRegex from "safe-regex2";
import type { LorebookContent, LorebookEntry, LorePosition, TriggeredEntry } from "../contracts/index.js";

/**
 * Lorebook (world info) triggering: which entries the recent messages call for, and which of those
 * fit the token budget. Pure: no store, no engine (token counting is passed in).
 *
 * Cost guard: keys can be regular expressions written by anyone who imports a card, so a pathological
 * pattern could backtrack for a very long time on a long text. Keys shaped for that (a repeat inside a
 * repeat, like (a+)+, or too many repeats: safe-regex2's star-height check) are refused outright, as
 * no length limit tames exponential backtracking. For the rest, only the last SCAN_CHARS_PER_MESSAGE
 * characters of each message are scanned, at most SCAN_CHARS_TOTAL of the newest text over all scanned
 * messages (and as much again of triggered entries' text when scanning recursively), and recursion
 * is bounded by MAX_RECURSION_PASSES. A key hidden further back than that does not fire.
 */

export interface LoreSelection {
  /** Kept entries positioned before the persona, in insertion order, joined by a blank line. */
  before: string;
  /** Kept entries positioned after the persona, likewise. */
  after: string;
  /** Every triggered entry, in insertion order; those the budget could not hold are flagged leftOut. */
  entries: TriggeredEntry[];
  /** Tokens of the kept entries. */
  tokens: number;
}

export interface SelectLoreInput {
  lorebook: LorebookContent;
  /** Oldest first; the last is the message being answered. */
  messages: readonly string[];
  budgetTokens: number;
  countTokens: (text: string) => number | Promise<number>;
}

/** Characters scanned per message, counting back from its end (see the cost guard above). */
export const SCAN_CHARS_PER_MESSAGE = 20_000;
/** Characters scanned over all messages together, the newest kept (see the cost guard above). */
export const SCAN_CHARS_TOTAL = 200_000;
/** Quantifiers (*, +, ?, {n,m}) a regex key may hold in all: more is refused as too slow (safe-regex2's own default). */
const MAX_REPEATS = 25;
/** Rounds of scanning triggered entries' text for further keys, when the lorebook scans recursively. */
export const MAX_RECURSION_PASSES = 3;

/** Letters, digits and combining marks of any script, and "_": what a word is made of. */
const WORD_CHAR = "[\\p{L}\\p{N}\\p{M}_]";
/** A key written as /pattern/flags is a regular expression (the SillyTavern convention). */
const SLASHED = /^\/([\s\S]+)\/([a-z]*)$/;

type Matcher = (text: string) => boolean;
interface CompiledKey { key: string; test: Matcher }
interface CompiledEntry { settings: string; keys: CompiledKey[]; secondary: CompiledKey[] }

/**
 * Compiled keys per entry object. A cached lorebook (LorebookService) hands the same entry objects
 * in every turn, so its keys are compiled once; the book's settings are part of the cache key.
 */
const compiled = new WeakMap<LorebookEntry, CompiledEntry>();

export async function selectLore(input: SelectLoreInput): Promise<LoreSelection> {
  const { lorebook } = input;
  const candidates = lorebook.entries.map((entry, index) => ({ entry, index })).filter(({ entry }) => entry.enabled);
  const fired = new Map<number, { entry: LorebookEntry; index: number; reason: string }>();
  for (const { entry, index } of candidates) {
    if (entry.constant) fired.set(index, { entry, index, reason: "constant" });
  }

  const scanTexts = new Map<number, string>();
  const scanText = (depth: number): string => {
    let text = scanTexts.get(depth);
    if (text === undefined) {
      text = input.messages.slice(-depth).map((message) => message.slice(-SCAN_CHARS_PER_MESSAGE)).join("\n").slice(-SCAN_CHARS_TOTAL);
      scanTexts.set(depth, text);
    }
    return text;
  };

  // Pass 0 scans the messages; each recursive pass adds the text of every entry triggered so far.
  let recursed = "";
  const passes = lorebook.recursiveScanning ? 1 + MAX_RECURSION_PASSES : 1;
  for (let pass = 0; pass < passes; pass++) {
    let newlyFired = 0;
    for (const { entry, index } of candidates) {
      if (fired.has(index)) continue;
      const depth = entry.scanDepth ?? lorebook.scanDepth;
      if (depth === 0) continue;
      const text = pass === 0 ? scanText(depth) : `${scanText(depth)}\n${recursed}`;
      const reason = triggerReason(compile(entry, lorebook), text, entry);
      if (reason === null) continue;
      fired.set(index, { entry, index, reason });
      newlyFired++;
    }
    if (pass > 0 && newlyFired === 0) break;
    recursed = [...fired.values()].map(({ entry }) => entry.content).join("\n").slice(0, SCAN_CHARS_TOTAL);
  }

  const triggered = await Promise.all([...fired.values()].map(async (hit) => ({ ...hit, tokens: Math.max(0, Math.ceil(await input.countTokens(hit.entry.content))) })));
  // Constants are kept first, then higher priority; the first entry that no longer fits ends the
  // selection, so a lower-priority entry is never kept while a higher one is left out.
  const ranked = [...triggered].sort((a, b) =>
    Number(b.entry.constant) - Number(a.entry.constant) || b.entry.priority - a.entry.priority || byInsertion(a, b));
  const kept = new Set<number>();
  let tokens = 0;
  for (const hit of ranked) {
    if (tokens + hit.tokens > input.budgetTokens) break;
    kept.add(hit.index);
    tokens += hit.tokens;
  }

  const inOrder = triggered.sort(byInsertion);
  const join = (position: LorePosition) => inOrder.filter((hit) => kept.has(hit.index) && hit.entry.position === position).map((hit) => hit.entry.content).join("\n\n");
  return {
    before: join("before-persona"),
    after: join("after-persona"),
    entries: inOrder.map((hit) => ({ entryId: hit.entry.id, name: hit.entry.name, reason: hit.reason, tokens: hit.tokens, leftOut: !kept.has(hit.index) })),
    tokens,
  };
}

function byInsertion(a: { entry: LorebookEntry; index: number }, b: { entry: LorebookEntry; index: number }): number {
  return a.entry.insertionOrder - b.entry.insertionOrder || a.index - b.index;
}

/** Why the entry fires on this text ("key "forest"", "key "forest" + "night""), or null when it does not. */
function triggerReason(entry: CompiledEntry, text: string, source: LorebookEntry): string | null {
  const primary = entry.keys.find((key) => key.test(text));
  if (!primary) return null;
  const base = `key ${JSON.stringify(primary.key)}`;
  if (!source.selective || entry.secondary.length === 0) return base;
  const matched = entry.secondary.filter((key) => key.test(text));
  switch (source.secondaryLogic) {
    case "and-any": return matched.length > 0 ? `${base} + ${JSON.stringify(matched[0]!.key)}` : null;
    case "and-all": return matched.length === entry.secondary.length ? [base, ...matched.map((key) => JSON.stringify(key.key))].join(" + ") : null;
    case "not-any": return matched.length === 0 ? base : null;
    case "not-all": return matched.length < entry.secondary.length ? base : null;
  }
}

function compile(entry: LorebookEntry, book: LorebookContent): CompiledEntry {
  const caseSensitive = entry.caseSensitive ?? book.caseSensitive;
  const wholeWords = entry.matchWholeWords ?? book.matchWholeWords;
  const settings = `${caseSensitive}/${wholeWords}`;
  const cached = compiled.get(entry);
  if (cached?.settings === settings) return cached;
  const options = { caseSensitive, wholeWords, useRegex: entry.useRegex };
  const keys = (list: readonly string[]) => list.filter((key) => key.trim() !== "").map((key) => ({ key, test: keyMatcher(key, options) }));
  const result = { settings, keys: keys(entry.keys), secondary: keys(entry.secondaryKeys) };
  compiled.set(entry, result);
  return result;
}

interface MatchOptions { caseSensitive: boolean; wholeWords: boolean; useRegex: boolean }

/**
 * How one key is matched. A regular expression (useRegex, or /pattern/flags) is taken as written:
 * whole-word matching does not apply, and a /…/ key's own flags decide its case sensitivity. A key
 * that is not a valid expression matches nothing (regexProblems names it).
 */
export function keyMatcher(key: string, options: MatchOptions): Matcher {
  const regex = asRegex(key, options);
  if (regex !== undefined) {
    if (regex instanceof Error) return () => false;
    return (text) => regex.test(text);
  }
  const needle = key.trim();
  const escaped = needle.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const pattern = options.wholeWords ? `(?<!${WORD_CHAR})${escaped}(?!${WORD_CHAR})` : escaped;
  const plain = new RegExp(pattern, options.caseSensitive ? "u" : "iu");
  // A substring check first: most keys of a large book are absent, and includes() is far cheaper
  // than a Unicode regex with lookarounds. Only then does the regex decide (word boundaries).
  if (options.caseSensitive) return (text) => text.includes(needle) && plain.test(text);
  // Without case, only ASCII keys get the check: the few characters whose case folding lands in
  // ASCII are handled by foldCase, while other scripts fold in ways toLowerCase() does not (σ/ς).
  if (!/^[\x00-\x7f]*$/.test(needle)) return (text) => plain.test(text);
  const folded = foldCase(needle);
  return (text) => foldedText(text).includes(folded) && plain.test(text);
}

/**
 * Lower case as the regex "iu" flags compare ASCII: toLowerCase() plus the long s, which simple case
 * folding maps to "s" (the Kelvin sign already lowers to "k"). A text the regex matches for an ASCII
 * key then always contains the folded key, so the substring check never hides a match.
 */
function foldCase(text: string): string {
  return text.toLowerCase().replace(/\u017f/g, "s");
}

/** The scan text is the same for every key of every entry in one pass: folded once. */
let lastText = "";
let lastFolded = "";
function foldedText(text: string): string {
  if (text !== lastText) {
    lastText = text;
    lastFolded = foldCase(text);
  }
  return lastFolded;
}

/** The key as a regular expression, an Error when it is one but invalid, undefined when it is a plain key. */
function asRegex(key: string, options: MatchOptions): RegExp | Error | undefined {
  const slashed = SLASHED.exec(key.trim());
  if (!slashed && !options.useRegex) return undefined;
  // "g" and "y" make test() stateful (lastIndex): dropped, they mean nothing for "does it occur".
  const [source, flags] = slashed ? [slashed[1]!, slashed[2]!.replace(/[gy]/g, "")] : [key, options.caseSensitive ? "" : "i"];
  let regex: RegExp;
  try {
    regex = new RegExp(source, [...new Set(flags)].join(""));
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
  if (!safeRegex(forSafetyCheck(source), { limit: MAX_REPEATS })) {
    return new Error(
      `it repeats something that itself repeats, like (a+)+ or (\\w+\\s?)*, or has more than ${MAX_REPEATS} repeats, which can take minutes on some messages; ` +
      "write it without a repeat inside a repeat (a+ rather than (a+)+, [\\w\\s]* rather than (\\w+\\s?)*) or split it into several keys",
    );
  }
  return regex;
}

/**
 * The source as safe-regex2's parser (ret) can judge it. That parser misreads two things JavaScript
 * allows: it takes a lazy quantifier (a+?) for an optional repeat ((a+)?, a repeat inside a repeat),
 * and cannot parse lookbehind ((?<=a), (?<!a)) at all, which it reports as unsafe; both would refuse
 * harmless keys. Neither changes how a pattern can backtrack: laziness changes the order in which
 * matches are tried, not how many, and a lookbehind nests like the lookahead it is replaced with.
 * Escapes and character classes are passed over as they are.
 */
function forSafetyCheck(source: string): string {
  return source.replace(SAFETY_MISREADS, (match, look: string | undefined, optional: string | undefined, quantifier: string | undefined) =>
    (look ? `(?${look}` : optional ? ")" : quantifier ?? match));
}
/*
 * Also: an optional group ((\w+ )?) counts as a repeat to the library, so a common key like
 * /(\w+ )?dragon/ would be refused. A group taken at most once cannot multiply the ways a match
 * is tried; under an outer repeat (((a+)?)*) the group without its "?" is still refused.
 */
const SAFETY_MISREADS = /\\[\s\S]|\[(?:\\[\s\S]|[^\]\\])*\]|\(\?<([=!])|(\))\?\??|([*+?]|\{\d+(?:,\d*)?\})\?/g;

/** Keys of enabled entries that are meant as regular expressions but are invalid or refused as too slow, in words. */
export function regexProblems(book: LorebookContent): string[] {
  const problems: string[] = [];
  for (const entry of book.entries) {
    if (!entry.enabled) continue;
    for (const key of [...entry.keys, ...entry.secondaryKeys]) {
      const regex = asRegex(key, { caseSensitive: true, wholeWords: false, useRegex: entry.useRegex });
      if (regex instanceof Error) {
        problems.push(`Entry "${entry.name || entry.id}": the key ${JSON.stringify(key)} cannot be used as a regular expression (${regex.message}); it never matches until you fix it.`);
      }
    }
  }
  return problems;
}
