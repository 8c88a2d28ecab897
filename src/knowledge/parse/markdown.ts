import { decodeText, HeadingPath, tidyText, type ParsedDocument, type ParsedSection, type ParseInput } from "./common.js";

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
// A line that cannot be a setext heading's text: "- item\n---" is a list then a rule.
const NOT_PARAGRAPH = /^ {0,3}(?:[-*+>|]|\d+[.)]\s|#|$)|^(?: {4}|\t)/;
const FRONT_MATTER = /^---\n([\s\S]*?)\n(?:---|\.\.\.)(?:\n|$)/;

/**
 * Sections by ATX and setext headings, ignoring "#" lines inside fenced code. The text stays
 * Markdown: a model reads it well, and stripping it would lose tables and lists.
 */
export function parseMarkdown(input: ParseInput): ParsedDocument {
  let source = decodeText(input.name, input.bytes).replace(/\r\n?/g, "\n");
  let title: string | null = null;
  const frontMatter = FRONT_MATTER.exec(source);
  if (frontMatter) {
    title = /^title:[ \t]*["']?(.*?)["']?[ \t]*$/m.exec(frontMatter[1]!)?.[1]?.trim() || null;
    source = source.slice(frontMatter[0].length);
  }

  const sections: ParsedSection[] = [];
  const path = new HeadingPath();
  let lines: string[] = [];
  let fence: { char: string; length: number } | null = null;
  const flush = (): void => {
    const text = tidyText(lines.join("\n"));
    if (text) sections.push({ headings: path.current(), text });
    lines = [];
  };
  const heading = (level: number, raw: string): void => {
    flush();
    const text = cleanHeading(raw);
    if (!text) return;
    path.enter(level, text);
    if (level === 1 && title === null) title = text;
  };

  for (const line of source.split("\n")) {
    const fenceMatch = FENCE.exec(line);
    if (fence) {
      const closes = fenceMatch && fenceMatch[1]![0] === fence.char && fenceMatch[1]!.length >= fence.length;
      if (closes && line.trim() === fenceMatch[1]) fence = null;
      lines.push(line);
      continue;
    }
    if (fenceMatch) {
      fence = { char: fenceMatch[1]![0]!, length: fenceMatch[1]!.length };
      lines.push(line);
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      heading(atx[1]!.length, atx[2] ?? "");
      continue;
    }
    const previous = lines[lines.length - 1];
    const setext = SETEXT.exec(line);
    if (setext && previous !== undefined && !NOT_PARAGRAPH.test(previous)) {
      lines.pop();
      heading(setext[1]![0] === "=" ? 1 : 2, previous);
      continue;
    }
    lines.push(line);
  }
  flush();
  return { title, sections, records: false };
}

/** Headings are shown in citations, so drop the inline markup: `**Returns**` -> `Returns`. */
function cleanHeading(raw: string): string {
  return raw
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/(\*\*|__|\*|_|`)(.+?)\1/g, "$2")
    .replace(/\s+/g, " ")
    .trim();
}
