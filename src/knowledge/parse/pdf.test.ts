import { describe, expect, it } from "vitest";
import { PDFDocument } from "pdf-lib";
import { makePdf, rejection, utf8 } from "../fixtures.test-support.js";
import { parseDocument } from "./index.js";

describe("pdf", () => {
  it("reads one section per page, with the metadata title", async () => {
    const bytes = await makePdf({ title: "Price list 2025", pages: [["Bread: 3 euros", "Cake:   12 euros"], [], ["Delivery is free above 50 euros."]] });
    const doc = await parseDocument({ name: "prices.pdf", format: "pdf", bytes });
    expect(doc.title).toBe("Price list 2025");
    expect(doc.records).toBe(false);
    // The empty second page is skipped; page numbers stay true to the file.
    expect(doc.sections).toEqual([
      { headings: ["Page 1"], text: "Bread: 3 euros\nCake: 12 euros" },
      { headings: ["Page 3"], text: "Delivery is free above 50 euros." },
    ]);
  });

  it("leaves the caller's bytes intact (PDF.js detaches the buffer it reads)", async () => {
    const bytes = await makePdf({ pages: [["Hello"]] });
    const copy = bytes.slice();
    const doc = await parseDocument({ name: "a.pdf", format: "pdf", bytes });
    expect(doc.title).toBeNull();
    expect(bytes).toEqual(copy);
  });

  it("says a damaged PDF is damaged, naming the file", async () => {
    const bytes = await makePdf({ pages: [["Hello"]] });
    for (const broken of [bytes.slice(0, 60), utf8("this is not a pdf at all")]) {
      const error = await rejection(parseDocument({ name: "report.pdf", format: "pdf", bytes: broken }));
      expect(error.code).toBe("document_unreadable");
      expect(error.message).toMatch(/^"report\.pdf" could not be read as a PDF/);
    }
  });

  it("says a PDF without any text looks scanned and needs OCR", async () => {
    const pdf = await PDFDocument.create();
    pdf.addPage();
    pdf.addPage();
    const error = await rejection(parseDocument({ name: "scan.pdf", format: "pdf", bytes: await pdf.save() }));
    expect(error.code).toBe("document_unreadable");
    expect(error.message).toContain('"scan.pdf"');
    expect(error.message).toMatch(/scanned.*OCR/);
  });
});
