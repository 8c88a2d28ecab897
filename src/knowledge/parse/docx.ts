import mammoth from "mammoth";
import { throwIfAborted, unreadable, type ParsedDocument, type ParseInput } from "./common.js";
import { htmlToDocument } from "./html.js";

const OPTIONS = {
  // Word's "Title" style is how most documents name themselves; as an h1 it becomes the title.
  styleMap: ["p[style-name='Title'] => h1:fresh", "p[style-name='Subtitle'] => p:fresh"],
  // Images are dropped anyway; by default mammoth would base64 every one of them into the HTML.
  convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: "" })),
  externalFileAccess: false,
};

/** Word -> HTML with mammoth (which maps Heading 1..6 styles to h1..h6), then the HTML walker. */
export async function parseDocx(input: ParseInput): Promise<ParsedDocument> {
  let html: string;
  try {
    const buffer = Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
    html = (await mammoth.convertToHtml({ buffer }, OPTIONS)).value;
  } catch (error) {
    throw unreadable(
      input.name,
      "could not be read as a Word document: it looks damaged, or it is not a .docx file (older .doc files are not supported). Open it in Word or LibreOffice, save it as .docx, and re-upload it.",
      error,
    );
  }
  throwIfAborted(input.name, input.signal);
  return htmlToDocument(html);
}
