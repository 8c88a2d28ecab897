import { z } from "zod";
import { AtelierError } from "../contracts/errors.js";

export const MiB = 1024 * 1024;
/** The largest file import reads at all (a PNG card with a large avatar, a bundle with media). */
export const FILE_MAX_BYTES = 32 * MiB;
/** The largest card JSON (real cards are tens of kilobytes; megabytes of JSON is not a character). */
export const CARD_JSON_MAX_BYTES = 4 * MiB;

export const ACCEPTED_TYPES =
  "a character card (.png with a 'chara' or 'ccv3' chunk, .json, .charx), an elizaOS character (.json) or an Atelier bundle (.json)";

export const REEXPORT = "Export it again from the app that made it, or pick another file.";

export type Avatar = { mime: string; bytes: Uint8Array };

export function formatCount(value: number): string {
  return value.toLocaleString("en-US");
}

/** The one way a file is refused as malformed: what the file is, what is wrong, what to do. */
export function unreadable(filename: string, what: string, todo: string = REEXPORT, cause?: unknown): AtelierError {
  return new AtelierError("document_unreadable", `${filename} is not a character card: ${what}. ${todo}`, cause === undefined ? undefined : { cause });
}

export function tooLarge(filename: string, what: string, limit: number): AtelierError {
  return new AtelierError(
    "payload_too_large",
    `${filename} is too large: ${what} is ${formatSize(limit + 1)} or more; Atelier reads at most ${formatSize(limit)}. Remove large images or entries from it and try again.`,
  );
}

export function formatSize(bytes: number): string {
  return bytes >= MiB ? `${Math.floor(bytes / MiB)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * A text field over Atelier's limit refuses the file rather than cutting the author's text short
 * ("description is 20,000 characters; Atelier keeps at most 16,000").
 */
export function checkLength(context: { filename: string }, field: string, value: string, max: number): string {
  const text = value.trim();
  if (text.length > max) {
    throw new AtelierError(
      "document_unreadable",
      `${context.filename} cannot be imported: ${field} is ${formatCount(text.length)} characters; Atelier keeps at most ${formatCount(max)}. Shorten it in the app that made the card and export it again.`,
    );
  }
  return text;
}

const EXPECTED: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  record: "an object",
};

/** zod issues in words a card author can act on: "JSON at data.name: expected text". */
export function describeIssues(error: z.ZodError, prefix = ""): string {
  return error.issues
    .slice(0, 3)
    .map((outer) => {
      const issue = deepestBranch(outer);
      const path = [prefix, ...issue.path.map((part) => (typeof part === "number" ? `[${part}]` : String(part)))]
        .filter(Boolean)
        .join(".")
        .replace(/\.\[/g, "[");
      const where = path === "" ? "JSON" : `JSON at ${path}`;
      if (issue.code === "invalid_type") {
        const expected = EXPECTED[String(issue.expected)] ?? String(issue.expected);
        return `${where}: expected ${expected}`;
      }
      return `${where}: ${issue.message}`;
    })
    .join("; ");
}

type Issue = z.core.$ZodIssue;

/**
 * A union ("a list or comma-separated text") fails as "Invalid input"; the branch that got furthest
 * into the value says what is actually wrong ("keys[1]: expected text").
 */
function deepestBranch(issue: Issue): Issue {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return issue;
  let best: Issue | undefined;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first && (!best || first.path.length > best.path.length)) best = first;
  }
  return best ? deepestBranch({ ...best, path: [...issue.path, ...best.path] }) : issue;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/** Node's decoder skips characters it does not know; cards with such text are damaged, not lucky. */
export function decodeBase64(text: string): Uint8Array | null {
  const compact = text.replace(/\s+/g, "");
  if (!BASE64.test(compact)) return null;
  return new Uint8Array(Buffer.from(compact, "base64"));
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    return null;
  }
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isHttpUrl(value: string): boolean {
  return /^https?:\/\/\S+$/i.test(value);
}

/** Keeps the first `max` items of a list that may be longer, saying so. */
export function keepFirst<T>(items: T[], max: number, warnings: string[], what: string): T[] {
  if (items.length <= max) return items;
  warnings.push(`${formatCount(items.length)} ${what}: Atelier keeps the first ${formatCount(max)}; the other ${formatCount(items.length - max)} were left out.`);
  return items.slice(0, max);
}

/** Where a reader reports to: the file's name for messages, warnings to return, and how to refuse it. */
export type ReadContext = { filename: string; warnings: string[]; fail: (what: string, todo?: string) => AtelierError };

export function cardContext(filename: string, warnings: string[] = []): ReadContext {
  return { filename, warnings, fail: (what, todo) => unreadable(filename, what, todo) };
}
