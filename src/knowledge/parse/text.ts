import { decodeText, tidyText, type ParsedDocument, type ParseInput } from "./common.js";

/** Plain text has no structure to speak of: one section, paragraphs kept as blank-line separated. */
export function parseText(input: ParseInput): ParsedDocument {
  const text = tidyText(decodeText(input.name, input.bytes));
  return { title: null, sections: [{ headings: [], text }], records: false };
}
