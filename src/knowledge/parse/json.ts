import { decodeText, TITLE_FIELDS, unreadable, type ParsedDocument, type ParsedSection, type ParseInput } from "./common.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const MAX_DEPTH = 5;
const QUESTION_KEYS = ["question", "q"];
const ANSWER_KEYS = ["answer", "a"];
const POST_TEXT_KEYS = ["text", "full_text", "content", "body", "caption", "message"];
const DATE_KEYS = ["date", "created_at", "createdat", "timestamp", "published_at", "creation_timestamp", "posted_at"];
const URL_KEYS = ["url", "link", "permalink", "permalink_url"];

/**
 * Records from the shapes people export: an array of items, an object wrapping arrays of items
 * ({"faqs": [...]}), JSON Lines, or a single object. FAQ items, social posts and anything else
 * (catalogue entries) each read differently; every item becomes one section.
 */
export function parseJson(input: ParseInput): ParsedDocument {
  const value = parseJsonOrLines(input.name, decodeText(input.name, input.bytes).replace(/^\uFEFF/, ""));
  const sections: ParsedSection[] = [];
  findItems(value, 0).forEach((item, index) => {
    const section = itemToSection(item, index + 1);
    if (section) sections.push(section);
  });
  return { title: null, sections, records: true };
}

function parseJsonOrLines(name: string, text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    // JSON Lines (one value per line) is how many tools export posts and logs.
    const lines = text.split(/\r?\n/).filter((line) => line.trim());
    if (lines.length > 1) {
      try {
        return lines.map((line) => JSON.parse(line) as Json);
      } catch {
        // Not JSON Lines either: report the error of the whole-file parse.
      }
    }
    throw unreadable(name, `is not valid JSON: ${describeJsonError(text, error)}. Fix it (a JSON validator shows the exact spot) and re-upload it.`, error);
  }
}

function describeJsonError(text: string, error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  if (/unexpected end of json input/i.test(raw)) return "the file ends too early (a bracket, brace or quote is never closed)";
  const message = raw
    .replace(/ in JSON at position \d+.*$/s, "")
    .replace(/, ".*" is not valid JSON$/s, "")
    .replace(/\.$/, "");
  const position = /position (\d+)/.exec(raw);
  const offset = position ? Number(position[1]) : errorOffset(text);
  if (offset === undefined) return message;
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return `${message} at line ${line}, column ${column}`;
}

/**
 * Node 20 leaves the position out of some messages ("Unexpected token '}'"). The parser fails at the
 * same place for every prefix that contains the bad character and only runs out of input before it,
 * so a binary search over prefixes finds it.
 */
function errorOffset(text: string): number | undefined {
  const failsBefore = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      const message = error instanceof Error ? error.message : "";
      const position = /position (\d+)/.exec(message);
      // Running out of input reads "Unexpected end ..." or points at the very end.
      return !/unexpected end of json input/i.test(message) && !(position && Number(position[1]) >= length);
    }
  };
  if (!failsBefore(text.length)) return undefined;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (failsBefore(middle)) high = middle;
    else low = middle + 1;
  }
  return high - 1;
}

function isObject(value: Json): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isItemArray(value: Json): value is Json[] {
  return Array.isArray(value) && value.length > 0 && value.some(isObject);
}

/** The list of items inside whatever wrapper the export used. */
function findItems(value: Json, depth: number): Json[] {
  if (Array.isArray(value)) return value.map(unwrap);
  if (!isObject(value)) return [value];
  const keys = Object.keys(value);
  const arrays = keys.filter((key) => isItemArray(value[key]!));
  if (arrays.length > 0) {
    const items = arrays.flatMap((key) => (value[key] as Json[]).map(unwrap));
    // Whatever else the wrapper says ({"company": "Acme", "faqs": [...]}) is kept as its own record.
    const rest: JsonObject = {};
    for (const key of keys) if (!arrays.includes(key)) rest[key] = value[key]!;
    return hasContent(rest) ? [rest, ...items] : items;
  }
  const only = keys.length === 1 ? value[keys[0]!]! : undefined;
  if (only !== undefined && isObject(only) && depth < 3) return findItems(only, depth + 1);
  return [value];
}

/** Twitter's archive wraps every item: [{"tweet": {...}}]. */
function unwrap(item: Json): Json {
  if (!isObject(item)) return item;
  const keys = Object.keys(item);
  const inner = keys.length === 1 ? item[keys[0]!]! : undefined;
  return inner !== undefined && isObject(inner) ? inner : item;
}

function field(item: JsonObject, names: string[]): { key: string; value: string } | undefined {
  const keys = Object.keys(item);
  for (const name of names) {
    const key = keys.find((candidate) => candidate.toLowerCase() === name);
    const value = key === undefined ? undefined : scalarText(item[key]!);
    if (key !== undefined && value) return { key, value };
  }
  return undefined;
}

function itemToSection(item: Json, number: number): ParsedSection | null {
  if (!isObject(item)) {
    const text = Array.isArray(item) ? flatten(item, "", 0).join("\n") : scalarText(item);
    return text ? { headings: [`Item ${number}`], text } : null;
  }
  const question = field(item, QUESTION_KEYS);
  const answer = field(item, ANSWER_KEYS);
  if (question && answer) {
    const extra = flattenExcept(item, [question.key, answer.key]);
    return { headings: [oneLine(question.value)], text: [`Q: ${question.value}`, `A: ${answer.value}`, ...extra].join("\n") };
  }
  const title = field(item, TITLE_FIELDS);
  const post = field(item, POST_TEXT_KEYS);
  if (post) {
    // Social exports carry ids, counters and media paths; only the words, date and link matter.
    const date = field(item, DATE_KEYS);
    const url = field(item, URL_KEYS);
    const when = date ? formatDate(date.value) : null;
    const heading = title ? oneLine(title.value) : when ? `Post ${when}` : `Post ${number}`;
    const lines = [post.value, when ? `Date: ${when}` : "", url ? `URL: ${url.value}` : ""].filter(Boolean);
    return { headings: [heading], text: lines.join("\n") };
  }
  const text = flatten(item, "", 0).join("\n");
  if (!text) return null;
  return { headings: [title ? oneLine(title.value) : `Item ${number}`], text };
}

function flattenExcept(item: JsonObject, skip: string[]): string[] {
  const rest: JsonObject = {};
  for (const [key, value] of Object.entries(item)) if (!skip.includes(key)) rest[key] = value;
  return flatten(rest, "", 0);
}

/** "key: value" lines; nested objects as "a.b: v", lists of scalars joined with ", ". */
function flatten(value: Json, prefix: string, depth: number): string[] {
  const scalar = scalarText(value);
  if (scalar !== undefined) return scalar ? [prefix ? `${prefix}: ${scalar}` : scalar] : [];
  if (depth >= MAX_DEPTH) return [];
  if (Array.isArray(value)) {
    const scalars = value.map(scalarText);
    if (scalars.every((entry) => entry !== undefined)) {
      const joined = scalars.filter(Boolean).join(", ");
      return joined ? [prefix ? `${prefix}: ${joined}` : joined] : [];
    }
    return value.flatMap((entry, index) => flatten(entry, `${prefix}[${index + 1}]`, depth + 1));
  }
  if (value === null) return [];
  return Object.entries(value).flatMap(([key, entry]) => flatten(entry, prefix ? `${prefix}.${key}` : key, depth + 1));
}

/** A scalar as text ("" for null or blank); undefined for arrays and objects. */
function scalarText(value: Json): string | undefined {
  if (value === null) return "";
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

function hasContent(value: JsonObject): boolean {
  return flatten(value, "", 0).length > 0;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** Unix timestamps (seconds or milliseconds) become ISO dates; anything else is shown as written. */
function formatDate(value: string): string {
  if (/^\d{9,13}$/.test(value)) {
    const number = Number(value);
    return new Date(number < 1e11 ? number * 1000 : number).toISOString().slice(0, 10);
  }
  return value;
}
