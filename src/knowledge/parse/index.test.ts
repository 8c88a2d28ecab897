import { describe, expect, it } from "vitest";
import { rejection, utf8 } from "../fixtures.test-support.js";
import { detectFormat, parseDocument } from "./index.js";

describe("detectFormat", () => {
  it("goes by the extension first, whatever the media type says", () => {
    expect(detectFormat({ name: "notes.MD", mediaType: "application/octet-stream" })).toBe("markdown");
    expect(detectFormat({ name: "faq.json", mediaType: "text/plain" })).toBe("json");
    expect(detectFormat({ name: "posts.jsonl" })).toBe("json");
    expect(detectFormat({ name: "a.htm" })).toBe("html");
    expect(detectFormat({ name: "Price list.docx" })).toBe("docx");
    expect(detectFormat({ name: "readme.text" })).toBe("text");
  });

  it("falls back to the media type, parameters and case ignored", () => {
    expect(detectFormat({ name: "upload", mediaType: "Text/HTML; charset=utf-8" })).toBe("html");
    expect(detectFormat({ name: "blob", mediaType: "application/pdf" })).toBe("pdf");
    expect(detectFormat({ name: "https://example.com/about", mediaType: "text/html" })).toBe("html");
    expect(detectFormat({ name: "https://example.com/menu.pdf?v=2", mediaType: "application/octet-stream" })).toBe("pdf");
  });

  it("says undefined for what it cannot read", () => {
    expect(detectFormat({ name: "photo.jpg", mediaType: "image/jpeg" })).toBeUndefined();
    expect(detectFormat({ name: "old.doc" })).toBeUndefined();
    expect(detectFormat({ name: "noextension" })).toBeUndefined();
  });
});

describe("parseDocument", () => {
  it("reads plain text as one section, BOM and CRLF removed, paragraphs kept", async () => {
    const doc = await parseDocument({ name: "notes.txt", format: "text", bytes: utf8("\uFEFFFirst paragraph.\r\n\r\n\r\n\r\nSecond   \r\nline.") });
    expect(doc).toEqual({ title: null, records: false, sections: [{ headings: [], text: "First paragraph.\n\nSecond\nline." }] });
  });

  it("decodes UTF-16 (with BOM) and Windows-1252 text", async () => {
    const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from("Café au lait", "utf16le")]);
    expect((await parseDocument({ name: "a.txt", format: "text", bytes: utf16 })).sections[0]!.text).toBe("Café au lait");
    const latin = new Uint8Array([0x43, 0x61, 0x66, 0xe9, 0x20, 0x93, 0x6f, 0x6b, 0x94]);
    expect((await parseDocument({ name: "b.txt", format: "text", bytes: latin })).sections[0]!.text).toBe("Café “ok”");
  });

  it("refuses binary content sent as text, naming the file", async () => {
    const error = await rejection(parseDocument({ name: "image.txt", format: "text", bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]) }));
    expect(error.code).toBe("document_unreadable");
    expect(error.message).toContain('"image.txt"');
  });

  it("says an empty document contains no text", async () => {
    for (const [name, format, text] of [["empty.txt", "text", "  \n\n "], ["empty.md", "markdown", "# Only a heading\n"], ["empty.json", "json", "[]"], ["empty.csv", "csv", "name,price\n"]] as const) {
      const error = await rejection(parseDocument({ name, format, bytes: utf8(text) }));
      expect(error.code).toBe("document_unreadable");
      expect(error.message).toContain(`"${name}" contains no text`);
    }
  });

  it("stops when the signal is aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(parseDocument({ name: "a.txt", format: "text", bytes: utf8("hello"), signal: controller.signal }));
    expect(error.code).toBe("aborted");
  });
});
