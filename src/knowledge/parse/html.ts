import { Parser } from "htmlparser2";
import { decodeText, HeadingPath, type ParsedDocument, type ParsedSection, type ParseInput } from "./common.js";

/**
 * Never text: code, styling, invisible content. `nav` is skipped too: menus are lists of link labels
 * repeated on every page and only add noise to retrieval. `footer` is kept on purpose: on small
 * business sites it is where the address, opening hours and contact details live.
 */
const SKIPPED = new Set(["script", "style", "noscript", "template", "svg", "math", "canvas", "iframe", "object", "head", "nav", "select", "button"]);
/** Elements that end a paragraph (blank line) or a line (newline) in the extracted text. */
const PARAGRAPH = new Set(["p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "pre", "ul", "ol", "dl", "table", "figure", "figcaption", "form", "fieldset", "details", "summary", "address", "hr", "body"]);
const LINE = new Set(["br", "li", "tr", "dt", "dd", "caption", "thead", "tbody", "tfoot", "option", "label", "legend"]);
const HEADING = /^h([1-6])$/;

/** Walks HTML once; headings start sections, block elements become line and paragraph breaks. */
export function htmlToDocument(html: string): ParsedDocument {
  const sections: ParsedSection[] = [];
  const path = new HeadingPath();
  let pageTitle: string | null = null;
  let firstH1: string | null = null;
  let skipDepth = 0;
  let preDepth = 0;
  let inTitle = false;
  let titleText = "";
  let heading: { level: number; text: string } | null = null;
  let out = "";
  // Breaks are held back until text follows, so runs of empty blocks never pile up blank lines.
  let pendingBreak: "" | "\n" | "\n\n" = "";
  let pendingSpace = false;
  let cellsInRow = 0;

  const flush = (): void => {
    const text = out.trim();
    if (text) sections.push({ headings: path.current(), text });
    out = "";
    pendingBreak = "";
    pendingSpace = false;
  };
  const requestBreak = (kind: "\n" | "\n\n"): void => {
    if (out.length > 0 && pendingBreak !== "\n\n") pendingBreak = kind;
    pendingSpace = false;
  };
  const write = (raw: string): void => {
    if (preDepth > 0) {
      if (out.length > 0 && pendingBreak) out += pendingBreak;
      else if (pendingSpace && out.length > 0) out += " ";
      pendingBreak = "";
      pendingSpace = false;
      out += raw;
      return;
    }
    const collapsed = raw.replace(/\s+/g, " ");
    const leading = collapsed.startsWith(" ");
    const body = collapsed.trim();
    if (!body) {
      if (leading) pendingSpace = true;
      return;
    }
    if (out.length > 0) {
      if (pendingBreak) out += pendingBreak;
      else if (pendingSpace || leading) out += " ";
    }
    pendingBreak = "";
    out += body;
    pendingSpace = collapsed.endsWith(" ");
  };

  // While skipping, only depth matters; `skipRoot` says why, since <title> counts inside <head> only.
  let skipRoot: string | null = null;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (skipDepth > 0) {
          if (name === "title" && skipRoot === "head") inTitle = true;
          else if (!VOID.has(name)) skipDepth++;
          return;
        }
        if (SKIPPED.has(name) || "hidden" in attributes || attributes["aria-hidden"] === "true") {
          if (!VOID.has(name)) {
            skipDepth = 1;
            skipRoot = name;
          }
          return;
        }
        if (name === "title") {
          inTitle = true;
          return;
        }
        if (heading) return;
        const level = HEADING.exec(name);
        if (level) {
          flush();
          heading = { level: Number(level[1]), text: "" };
          return;
        }
        if (name === "pre") preDepth++;
        if (name === "tr") cellsInRow = 0;
        if (name === "td" || name === "th") {
          if (cellsInRow++ > 0) write(" | ");
        } else if (name === "li") {
          requestBreak("\n");
          write("- ");
        } else if (PARAGRAPH.has(name)) requestBreak("\n\n");
        else if (LINE.has(name)) requestBreak("\n");
      },
      ontext(data) {
        if (inTitle) titleText += data;
        else if (skipDepth > 0) return;
        else if (heading) heading.text += data;
        else write(data);
      },
      onclosetag(name) {
        if (inTitle && name === "title") {
          inTitle = false;
          pageTitle ??= collapse(titleText) || null;
          return;
        }
        if (skipDepth > 0) {
          if (!VOID.has(name)) skipDepth--;
          return;
        }
        if (heading) {
          if (name !== `h${heading.level}`) return;
          const text = collapse(heading.text);
          if (text) {
            path.enter(heading.level, text);
            if (heading.level === 1) firstH1 ??= text;
          }
          heading = null;
          return;
        }
        if (name === "pre") preDepth = Math.max(0, preDepth - 1);
        if (PARAGRAPH.has(name)) requestBreak("\n\n");
        else if (LINE.has(name)) requestBreak("\n");
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.end(html);
  flush();
  return { title: pageTitle ?? firstH1, sections, records: false };
}

export function parseHtml(input: ParseInput): ParsedDocument {
  return htmlToDocument(decodeText(input.name, input.bytes));
}

function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);
