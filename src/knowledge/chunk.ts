import { countTokens as countWithTokenizer } from "gpt-tokenizer";
import type { ParsedDocument } from "./parse/index.js";

/**
 * Token counts use gpt-tokenizer's default encoding, o200k_base (the modern ~200k vocabulary, closest
 * in granularity to the open-weight chat models' own tokenizers). Chunk sizes are therefore
 * approximate for the chat model; the prompt assembler re-counts with the engine.
 */

export interface Chunk {
  position: number;
  /** heading path joined with " › " ("" when none) */
  heading: string;
  text: string;
  tokens: number;
}

interface ChunkOptions {
  chunkTokens: number;
  overlapTokens: number;
}

// Documents may legitimately contain strings like "<|endoftext|>"; they are text, not control tokens.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Exact o200k_base token count of `text`. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  // Passing options costs more than the counting itself on short strings; only use them when needed.
  return text.includes("<|") ? countWithTokenizer(text, PLAIN_TEXT) : countWithTokenizer(text);
}

/*
 * Speed: BPE-encoding every chunk runs at roughly 5,000 chunks/s, below what ingestion needs. So text
 * is cut into "atoms" (a non-space run with the whitespace before it) and each distinct atom is
 * counted once, through a cache. The tokenizer's pre-split never joins a non-space character to the
 * whitespace after it (one exception, corrected below), so atom counts add up to the exact count.
 *
 * The cache is an open-addressing table keyed by text ranges: a hit hashes the characters in place
 * and compares with startsWith, so the hot path allocates no strings. Cleared when half full.
 */
const TABLE_SIZE = 1 << 18;
const tableKeys = new Array<string | undefined>(TABLE_SIZE).fill(undefined);
const tableHashes = new Int32Array(TABLE_SIZE);
const tableCounts = new Int32Array(TABLE_SIZE);
let tableUsed = 0;

/** Token count of text[from, to), cached. */
function rangeTokens(text: string, from: number, to: number): number {
  // Long runs (URLs, data) rarely repeat; caching them would only pin memory.
  if (to - from > 64) return countTokens(text.slice(from, to));
  let hash = 0x811c9dc5;
  for (let index = from; index < to; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  const length = to - from;
  let slot = hash & (TABLE_SIZE - 1);
  for (let key = tableKeys[slot]; key !== undefined; key = tableKeys[slot]) {
    if (tableHashes[slot] === hash && key.length === length && text.startsWith(key, from)) return tableCounts[slot]!;
    slot = (slot + 1) & (TABLE_SIZE - 1);
  }
  const atom = text.slice(from, to);
  const tokens = countTokens(atom);
  if (tableUsed >= TABLE_SIZE >>> 1) {
    tableKeys.fill(undefined);
    tableUsed = 0;
    slot = hash & (TABLE_SIZE - 1);
  }
  tableKeys[slot] = atom;
  tableHashes[slot] = hash;
  tableCounts[slot] = tokens;
  tableUsed++;
  return tokens;
}

// Strength of the boundary before an atom: the cutter prefers the strongest one that fills enough.
// A bare line break ranks below a sentence end: hard-wrapped text and PDFs break lines mid-sentence.
const INSIDE_WORD = -1;
const WORD = 0;
const CLAUSE = 1;
const LINE = 2;
const SENTENCE = 3;
const PARAGRAPH = 4;

/** A section's text as atoms: parallel arrays, because chunking large corpora allocates a lot. */
interface Atoms {
  text: string;
  starts: number[];
  ends: number[];
  /** Token count of each atom including its leading whitespace. */
  tokens: number[];
  /** Strength of the boundary before each atom (index 0 unused). */
  breaks: number[];
}

function toAtoms(text: string, maxAtomTokens: number): Atoms {
  const atoms: Atoms = { text, starts: [], ends: [], tokens: [], breaks: [] };
  const length = text.length;
  // A hand-written scan instead of a regex: this loop is the chunker's hot path.
  let index = 0;
  while (index < length) {
    const start = index;
    let newlines = 0;
    let afterNewline = start;
    let code = text.charCodeAt(index);
    while (isWhitespace(code)) {
      if (code === 10 || code === 13) {
        if (code === 10) newlines++;
        afterNewline = index + 1;
      }
      if (++index >= length) return atoms;
      code = text.charCodeAt(index);
    }
    const wordStart = index;
    do code = text.charCodeAt(++index);
    while (index < length && !isWhitespace(code));
    const strength =
      start === 0 || newlines > 1 ? PARAGRAPH : newlines === 1 ? Math.max(LINE, punctuationStrength(text, start)) : punctuationStrength(text, start);
    let tokens = spacedWordTokens(text, start, afterNewline, wordStart, index);
    if (newlines > 0 && start > 0) tokens = afterPunctuationTokens(text, start, index, tokens);
    if (tokens > maxAtomTokens) {
      splitLongAtom(atoms, start, index, { strength, tokens, maxTokens: maxAtomTokens });
    } else {
      atoms.starts.push(start);
      atoms.ends.push(index);
      atoms.tokens.push(tokens);
      atoms.breaks.push(strength);
    }
  }
  return atoms;
}

/**
 * o200k_base's pre-split cuts whitespace before a word at its last newline, and then keeps only the
 * last space with the word: "\n    word" is "\n" + "   " + " word". Counting those parts apart is
 * exact and lets indented and line-initial words share cache entries with the plain " word".
 */
function spacedWordTokens(text: string, start: number, afterNewline: number, wordStart: number, end: number): number {
  if (wordStart - start <= 1) return rangeTokens(text, start, end);
  const attached = wordStart > afterNewline ? wordStart - 1 : wordStart;
  let tokens = rangeTokens(text, attached, end);
  if (afterNewline > start) tokens += rangeTokens(text, start, afterNewline);
  if (attached > afterNewline) tokens += rangeTokens(text, afterNewline, attached);
  return tokens;
}

/**
 * The one place where atom counts do not add up: o200k_base keeps a trailing punctuation run with
 * the newlines (and slashes) right after it: ".\n\n" is one piece in "days.\n\nAsk", "'\n//" in
 * "'glob'\n// note". The difference is booked on the atom after the break, which is also the atom
 * that drops it when a chunk starts there.
 */
function afterPunctuationTokens(text: string, start: number, end: number, tokens: number): number {
  let runStart = start;
  while (runStart > 0 && isPunctuationLike(text.charCodeAt(runStart - 1))) runStart--;
  if (runStart === start) return tokens;
  if (runStart > 0 && text.charCodeAt(runStart - 1) === 32) runStart--;
  let runEnd = start;
  for (let code = text.charCodeAt(runEnd); runEnd < end && (code === 10 || code === 13 || code === 47); code = text.charCodeAt(++runEnd));
  if (runEnd === start) return tokens;
  return rangeTokens(text, runStart, runEnd) + rangeTokens(text, runEnd, end) - rangeTokens(text, runStart, start);
}

const NOT_PUNCTUATION = /[\s\p{L}\p{N}\p{M}]/u;

/** Neither space, letter, digit nor mark: what the tokenizer groups as a punctuation run. */
function isPunctuationLike(code: number): boolean {
  if (code < 128) return (code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) || (code >= 123 && code <= 126);
  return !NOT_PUNCTUATION.test(String.fromCharCode(code));
}

/** Exactly the characters of JavaScript's (and so the tokenizer's) `\s`. */
function isWhitespace(code: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return (
    code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 ||
    code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff
  );
}

/** Strength of a boundary made of spaces only, from the character that ends the previous atom. */
function punctuationStrength(text: string, previousEnd: number): number {
  let last = text.charCodeAt(previousEnd - 1);
  // Closing quotes and brackets after the stop still end the sentence: `He said "no."`.
  if (PUNCTUATION[last] === CLOSER && previousEnd >= 2) last = text.charCodeAt(previousEnd - 2);
  const kind = PUNCTUATION[last];
  if (kind === SENTENCE) return SENTENCE;
  if (kind === CLAUSE) return CLAUSE;
  return WORD;
}

const CLOSER = 9;
/** What each UTF-16 code unit ends: a sentence, a clause, or a quotation/bracket (look behind it). */
const PUNCTUATION = new Uint8Array(0x10000);
for (const char of ".!?…。！？") PUNCTUATION[char.charCodeAt(0)] = SENTENCE;
for (const char of ",;:—–") PUNCTUATION[char.charCodeAt(0)] = CLAUSE;
for (const char of "\"'\u201d\u2019»)]") PUNCTUATION[char.charCodeAt(0)] = CLOSER;

/**
 * Last resort for a run with no spaces (a data URI, a long URL, CJK prose): pieces sized from the
 * run's average characters per token, shrunk until they fit, cut after a sentence stop (。) when one
 * is near the end. Each piece is counted once, so a megabyte-long run stays linear.
 */
function splitLongAtom(atoms: Atoms, start: number, end: number, options: { strength: number; tokens: number; maxTokens: number }): void {
  const { text } = atoms;
  const { maxTokens } = options;
  const guess = Math.max(1, Math.floor(((end - start) / options.tokens) * maxTokens * 0.9));
  let pieceStart = start;
  let strength = options.strength;
  while (pieceStart < end) {
    let length = Math.min(guess, end - pieceStart);
    if (pieceStart + length < end) length = afterLastStop(text, pieceStart, length);
    let tokens = countTokens(text.slice(pieceStart, pieceStart + length));
    while (tokens > maxTokens && length > 1) {
      length = Math.max(1, Math.floor(length * 0.8));
      if (isLowSurrogateAt(text, pieceStart + length)) length--;
      tokens = countTokens(text.slice(pieceStart, pieceStart + length));
    }
    atoms.starts.push(pieceStart);
    atoms.ends.push(pieceStart + length);
    atoms.tokens.push(tokens);
    atoms.breaks.push(strength);
    pieceStart += length;
    strength = PUNCTUATION[text.charCodeAt(pieceStart - 1)] === SENTENCE ? SENTENCE : INSIDE_WORD;
  }
}

/** The length up to just after the last sentence stop in the second half of the window, else as is. */
function afterLastStop(text: string, from: number, length: number): number {
  for (let index = from + length - 1; index >= from + (length >> 1); index--) {
    if (PUNCTUATION[text.charCodeAt(index)] === SENTENCE) return index + 1 - from;
  }
  return isLowSurrogateAt(text, from + length) ? length - 1 : length;
}

function isLowSurrogateAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * Cuts each section into chunks of at most `chunkTokens` tokens, preferring paragraph ends, then
 * sentence ends, line breaks, clauses and words, and the inside of a long unbroken run only as a last
 * resort. Consecutive chunks of a section repeat about `overlapTokens` tokens. `tokens` is exact,
 * except for a rare off-by-one when a chunk starts at a lone punctuation mark before a line break.
 */
export function chunkDocument(doc: ParsedDocument, options: { chunkTokens: number; overlapTokens: number }): Chunk[] {
  const chunkTokens = Math.max(8, Math.floor(options.chunkTokens));
  // An overlap of half a chunk or more would leave too little room to move forward.
  const overlapTokens = Math.max(0, Math.min(Math.floor(options.overlapTokens), Math.floor(chunkTokens / 2)));
  const chunks: Chunk[] = [];
  // Sections are never merged, records or not: a chunk then always sits under exactly one heading,
  // so citations point at the right place; the prompt assembler can fit several small passages.
  for (const section of doc.sections) {
    const text = section.text.trim();
    if (text.length === 0) continue;
    const heading = section.headings.join(" › ");
    // Pieces of an over-long word leave room for the overlap.
    chunkSection(toAtoms(text, chunkTokens - overlapTokens), { chunkTokens, overlapTokens }, (chunkText, tokens) => {
      chunks.push({ position: chunks.length, heading, text: chunkText, tokens });
    });
  }
  return chunks;
}

function chunkSection(atoms: Atoms, options: ChunkOptions, emit: (text: string, tokens: number) => void): void {
  const { text, starts, ends, tokens, breaks } = atoms;
  const count = tokens.length;
  const { chunkTokens, overlapTokens } = options;
  // Below this fill a weaker boundary further on is better than a strong one this early.
  const minimumFill = Math.ceil(chunkTokens * 0.5);
  const cumulative = new Array<number>(count + 1);
  cumulative[0] = 0;
  for (let index = 0; index < count; index++) cumulative[index + 1] = cumulative[index]! + tokens[index]!;
  const sum = (from: number, to: number): number => cumulative[to]! - cumulative[from]!;

  let start = 0;
  let previousEnd = 0;
  while (start < count) {
    // The first atom loses its leading whitespace, which can change its count.
    const firstTokens = start === 0 ? tokens[0]! : trimmedTokens(text, starts[start]!, ends[start]!);
    const extra = firstTokens - tokens[start]!;
    let end = Math.max(start + 1, previousEnd + 1);
    while (end < count && sum(start, end + 1) + extra <= chunkTokens) end++;
    if (end < count) {
      // A cut inside the overlap would repeat the previous chunk's tail and make no progress.
      const lowest = Math.max(start, previousEnd);
      end = bestCut(breaks, lowest, end, (cut) => sum(start, cut) + extra >= minimumFill);
    }
    emit(text.slice(starts[start]!, ends[end - 1]!).trimStart(), sum(start, end) + extra);
    if (end >= count) break;
    previousEnd = end;
    start = overlapStart({ tokens, breaks, sum }, start, end, Math.min(overlapTokens, chunkTokens - tokens[end]! - 1));
  }
}

/** The strongest boundary in (start, end] that leaves the chunk filled enough; the latest on ties. */
function bestCut(breaks: number[], start: number, end: number, fillsEnough: (cut: number) => boolean): number {
  let best = end;
  let bestStrength = breaks[end]!;
  for (let cut = end - 1; cut > start; cut--) {
    if (!fillsEnough(cut)) break;
    if (breaks[cut]! > bestStrength) {
      best = cut;
      bestStrength = breaks[cut]!;
    }
  }
  return best;
}

/**
 * Where the next chunk starts: as far back as `budget` tokens allows, preferring the start of a
 * sentence (or line) when that still keeps at least half the overlap; else the furthest word.
 */
function overlapStart(
  atoms: { tokens: number[]; breaks: number[]; sum: (from: number, to: number) => number },
  previousStart: number,
  end: number,
  budget: number,
): number {
  let furthest = end;
  let sentenceStart = -1;
  for (let candidate = end - 1; candidate > previousStart; candidate--) {
    if (atoms.sum(candidate, end) > budget) break;
    furthest = candidate;
    if (atoms.breaks[candidate]! >= LINE) sentenceStart = candidate;
  }
  if (sentenceStart !== -1 && atoms.sum(sentenceStart, end) * 2 >= budget) return sentenceStart;
  // Never start inside a word that was cut up, unless there is nothing else.
  while (furthest < end && atoms.breaks[furthest] === INSIDE_WORD) furthest++;
  return furthest;
}

function trimmedTokens(text: string, start: number, end: number): number {
  let wordStart = start;
  while (wordStart < end && isWhitespace(text.charCodeAt(wordStart))) wordStart++;
  return rangeTokens(text, wordStart, end);
}
