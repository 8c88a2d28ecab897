import { AtelierError } from "../../contracts/errors.js";
import type { DocumentFormat } from "../../contracts/knowledge.js";
import { requireText, throwIfAborted, type ParsedDocument } from "./common.js";
import { parseCsv } from "./csv.js";
import { parseHtml } from "./html.js";
import { parseJson } from "./json.js";
import { parseMarkdown } from "./markdown.js";
import { parsePdf } from "./pdf.js";
import { parseText } from "./text.js";

export type { ParsedDocument, ParsedSection } from "./common.js";

const BY_EXTENSION: Record<string, DocumentFormat> = {
  txt: "text",
  text: "text",
  md: "markdown",
  markdown: "markdown",
  html: "html",
  htm: "html",
  xhtml: "html",
  pdf: "pdf",
  docx: "docx",
  csv: "csv",
  json: "json",
  // JSON Lines: the JSON parser reads one value per line when the whole file is not one value.
  jsonl: "json",
  ndjson: "json",
};

const BY_MEDIA_TYPE: Record<string, DocumentFormat> = {
  "text/plain": "text",
  "text/markdown": "markdown",
  "text/x-markdown": "markdown",
  "text/html": "html",
  "application/xhtml+xml": "html",
  "application/pdf": "pdf",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "text/csv": "csv",
  "application/csv": "csv",
  "application/json": "json",
  "application/x-ndjson": "json",
  "application/jsonl": "json",
};

/**
 * The extension decides when it is known (browsers send vague media types for .md or .csv);
 * otherwise the media type, which is what fetched pages have. Names may be URLs.
 */
export function detectFormat(input: { name: string; mediaType?: string | undefined }): DocumentFormat | undefined {
  const extension = /\.([a-z0-9]+)$/i.exec(pathOf(input.name))?.[1]?.toLowerCase();
  const byExtension = extension === undefined ? undefined : BY_EXTENSION[extension];
  if (byExtension) return byExtension;
  const mediaType = input.mediaType?.split(";")[0]?.trim().toLowerCase();
  return mediaType ? BY_MEDIA_TYPE[mediaType] : undefined;
}

function pathOf(name: string): string {
  if (/^https?:\/\//i.test(name)) {
    try {
      return new URL(name).pathname;
    } catch {
      return name;
    }
  }
  return name;
}

/**
 * Reads a document into titled sections. Throws AtelierError `document_unreadable` (naming the file
 * and what to do) for damaged or empty files, and `aborted` when `signal` fires between steps.
 */
export async function parseDocument(input: {
  name: string;
  format: DocumentFormat;
  bytes: Uint8Array;
  signal?: AbortSignal;
}): Promise<ParsedDocument> {
  throwIfAborted(input.name, input.signal);
  const doc = await parseByFormat(input);
  throwIfAborted(input.name, input.signal);
  return requireText(input.name, doc);
}

function parseByFormat(input: { name: string; format: DocumentFormat; bytes: Uint8Array; signal?: AbortSignal }): ParsedDocument | Promise<ParsedDocument> {
  switch (input.format) {
    case "text":
      return parseText(input);
    case "markdown":
      return parseMarkdown(input);
    case "html":
      return parseHtml(input);
    case "pdf":
      return parsePdf(input);
    case "docx":
      // mammoth and its zip and XML libraries load with the first Word document (~0.15 s), not at start-up.
      return import("./docx.js").then(({ parseDocx }) => parseDocx(input));
    case "csv":
      return parseCsv(input);
    case "json":
      return parseJson(input);
    default: {
      const format: never = input.format;
      throw new AtelierError(
        "unsupported_media_type",
        `"${input.name}" is not a supported document type (${String(format)}). Upload text, Markdown, HTML, PDF, Word (.docx), CSV or JSON files.`,
      );
    }
  }
}
