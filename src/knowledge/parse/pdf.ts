import { extractText, getDocumentProxy } from "unpdf";
import { throwIfAborted, unreadable, type ParsedDocument, type ParsedSection, type ParseInput } from "./common.js";

/** One section per page, so citations can say "Page 3". */
export async function parsePdf(input: ParseInput): Promise<ParsedDocument> {
  const { name, signal } = input;
  // PDF.js takes ownership of (detaches) the buffer it is given; the caller keeps theirs.
  const data = new Uint8Array(input.bytes);
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // Errors only: PDF.js otherwise logs warnings about damaged files to the console.
    pdf = await getDocumentProxy(data, { verbosity: 0 });
  } catch (error) {
    if (error instanceof Error && error.name === "PasswordException") {
      throw unreadable(name, "is password-protected. Save a copy without the password and re-upload it.", error);
    }
    throw unreadable(name, "could not be read as a PDF: it looks damaged or is not a PDF. Export it again and re-upload it.", error);
  }
  try {
    throwIfAborted(name, signal);
    let title: string | null = null;
    try {
      const metadata = await pdf.getMetadata();
      const info = metadata.info as Record<string, unknown> | undefined;
      if (typeof info?.["Title"] === "string" && info["Title"].trim()) title = info["Title"].replace(/\s+/g, " ").trim();
    } catch {
      // A broken info dictionary costs the title, not the document.
    }
    throwIfAborted(name, signal);
    let pages: string[];
    try {
      pages = (await extractText(pdf, { mergePages: false })).text;
    } catch (error) {
      throw unreadable(name, "could not be read as a PDF: some pages look damaged. Export it again and re-upload it.", error);
    }
    throwIfAborted(name, signal);
    const sections: ParsedSection[] = [];
    pages.forEach((page, index) => {
      const text = tidyPage(page);
      if (text) sections.push({ headings: [`Page ${index + 1}`], text });
    });
    if (sections.length === 0) {
      throw unreadable(
        name,
        "has no text to read: it looks like scanned pages (images only). Run it through OCR (text recognition) first, then upload the result.",
      );
    }
    return { title, sections, records: false };
  } finally {
    await pdf.destroy().catch(() => undefined);
  }
}

/** PDF text arrives as positioned runs: collapse the spacing, keep the line breaks. */
function tidyPage(page: string): string {
  return page
    .replace(/[^\S\n]+/g, " ")
    .replace(/ ?\n ?/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
