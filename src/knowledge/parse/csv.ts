import { parse } from "csv-parse/sync";
import { decodeText, TITLE_FIELDS, unreadable, type ParsedDocument, type ParsedSection, type ParseInput } from "./common.js";

/** Each row is a record: its title as the heading, its non-empty cells as "column: value" lines. */
export function parseCsv(input: ParseInput): ParsedDocument {
  const text = decodeText(input.name, input.bytes);
  let rows: string[][];
  try {
    rows = parse(text, {
      delimiter: guessDelimiter(text),
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      // Spreadsheets write `5" screen` unquoted; accept stray quotes inside values.
      relax_quotes: true,
    });
  } catch (error) {
    throw unreadable(input.name, `could not be read as CSV: ${describeCsvError(error)}`, error);
  }
  const [header, ...records] = rows;
  if (!header) return { title: null, sections: [], records: true };
  const columns = columnNames(header);
  const titleIndex = pickTitleColumn(columns);
  const sections: ParsedSection[] = [];
  records.forEach((row, index) => {
    const lines: string[] = [];
    row.forEach((value, column) => {
      if (value) lines.push(`${columns[column] ?? `Column ${column + 1}`}: ${value}`);
    });
    if (lines.length === 0) return;
    const title = titleIndex.map((column) => row[column]).find((value) => value) ?? `Row ${index + 1}`;
    sections.push({ headings: [title.replace(/\s+/g, " ")], text: lines.join("\n") });
  });
  return { title: null, sections, records: true };
}

/** What went wrong and what to do, with the line csv-parse stopped at. */
function describeCsvError(error: unknown): string {
  const { code, lines } = error as { code?: unknown; lines?: unknown };
  const line = typeof lines === "number" ? lines : "?";
  switch (code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return `a quoted value is never closed (the file ends inside quotes at line ${line}). Add the missing closing quote (") and re-upload the file.`;
    case "CSV_INVALID_CLOSING_QUOTE":
    case "CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE":
      return `unexpected text after a closing quote on line ${line} (a quote inside a quoted value must be doubled: ""). Fix that line and re-upload the file.`;
    default: {
      const message = (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
      return `${message}${typeof lines === "number" && !message.includes(`line ${lines}`) ? ` (line ${lines})` : ""}. Fix the file and re-upload it.`;
    }
  }
}

/** Header cells, made unique and never empty, so every value keeps a readable label. */
function columnNames(header: string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((raw, index) => {
    const base = raw.replace(/\s+/g, " ").trim() || `Column ${index + 1}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base} ${count}`;
  });
}

/** Columns that could title a row, best first (for each row the first non-empty one wins). */
function pickTitleColumn(columns: string[]): number[] {
  const lower = columns.map((column) => column.toLowerCase());
  return TITLE_FIELDS.map((field) => lower.indexOf(field)).filter((index) => index !== -1);
}

/** Spreadsheets in many locales export ";"-separated "CSV"; tabs come from copy-paste exports. */
function guessDelimiter(text: string): string {
  const firstLine = text.slice(0, text.search(/\r?\n|$/)).replace(/"[^"]*"/g, "");
  let best = ",";
  let bestCount = count(firstLine, ",");
  for (const candidate of [";", "\t", "|"]) {
    const found = count(firstLine, candidate);
    if (found > bestCount) {
      best = candidate;
      bestCount = found;
    }
  }
  return best;
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}
