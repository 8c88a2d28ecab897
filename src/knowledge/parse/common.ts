import { AtelierError } from "../../contracts/errors.js";

export interface ParsedSection {
  /** heading path, outermost first, e.g. ["Returns", "Refunds"]; [] when none; for PDFs ["Page 3"]; for records the record's title */
  headings: string[];
  text: string;
}

export interface ParsedDocument {
  /** the document's own title (HTML <title>, first H1 of markdown/docx, PDF metadata Title) or null */
  title: string | null;
  sections: ParsedSection[];
  /** true when each section is a self-contained record (CSV row, JSON item) that must not be merged with neighbours */
  records: boolean;
}

export interface ParseInput {
  name: string;
  bytes: Uint8Array;
  signal?: AbortSignal | undefined;
}

/** The error for a file we cannot read; `problem` continues the sentence after the quoted name. */
export function unreadable(name: string, problem: string, cause?: unknown): AtelierError {
  return new AtelierError("document_unreadable", `"${name}" ${problem}`, cause === undefined ? undefined : { cause });
}

export function throwIfAborted(name: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AtelierError("aborted", `Reading "${name}" was cancelled.`, { cause: signal.reason });
  }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Text files come from everywhere: UTF-8 (BOM stripped), UTF-16 with a BOM (Excel's "Unicode text"),
 * and legacy Windows-1252 exports, which are the usual reason a file is not valid UTF-8.
 */
export function decodeText(name: string, bytes: Uint8Array): string {
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder("utf-16le").decode(bytes);
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = new TextDecoder("utf-16be").decode(bytes);
  else {
    try {
      text = UTF8.decode(bytes);
    } catch {
      text = decodeWindows1252(bytes);
    }
  }
  if (text.includes("\u0000")) {
    throw unreadable(name, "does not look like a text file: it contains binary data. Upload it as text, Markdown, HTML, PDF, Word (.docx), CSV or JSON.");
  }
  return text;
}

// Bytes 0x80-0x9F of Windows-1252 (the rest is Latin-1). Written out because Node 20's
// TextDecoder("windows-1252") decodes them as Latin-1 control characters.
const CP1252_HIGH = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ";

function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString("latin1")
    .replace(/[\u0080-\u009f]/g, (char) => CP1252_HIGH[char.charCodeAt(0) - 0x80]!);
}

/** Unix newlines, no trailing spaces, at most one blank line in a row; trimmed. */
export function tidyText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t\f\v\u00a0]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Every parser ends here, so "nothing to index" reads the same whatever the format. */
export function requireText(name: string, doc: ParsedDocument): ParsedDocument {
  const sections = doc.sections.filter((section) => section.text.trim().length > 0);
  if (sections.length === 0) {
    throw unreadable(name, "contains no text. Check that it is the right file, and re-upload it.");
  }
  return { ...doc, sections };
}

/** Field names, lower-cased, that name a record, in order of preference (CSV columns, JSON keys). */
export const TITLE_FIELDS = ["title", "name", "product", "product_name", "question", "subject", "sku"];

/** Heading stack for formats with nested headings: a heading closes those at its level or deeper. */
export class HeadingPath {
  private readonly stack: { level: number; text: string }[] = [];

  enter(level: number, text: string): void {
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.level >= level) this.stack.pop();
    this.stack.push({ level, text });
  }

  current(): string[] {
    return this.stack.map((entry) => entry.text);
  }
}
