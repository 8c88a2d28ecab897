import { describe, expect, it } from "vitest";
import { makeDocx, rejection } from "../fixtures.test-support.js";
import { parseDocument } from "./index.js";

describe("docx", () => {
  it("maps Word heading styles to nested sections, the Title style to the title", async () => {
    const bytes = await makeDocx([
      { style: "Title", text: "Staff handbook" },
      { text: "Read this first." },
      { style: "Heading1", text: "Returns" },
      { text: "Customers can return items." },
      { text: "Keep the receipt & the box." },
      { style: "Heading2", text: "Refunds" },
      { text: "Refunds take 5 days." },
      { style: "Heading1", text: "Shipping" },
      { text: "We ship on Mondays." },
    ]);
    const doc = await parseDocument({ name: "handbook.docx", format: "docx", bytes });
    expect(doc.title).toBe("Staff handbook");
    expect(doc.sections).toEqual([
      { headings: ["Staff handbook"], text: "Read this first." },
      { headings: ["Returns"], text: "Customers can return items.\n\nKeep the receipt & the box." },
      { headings: ["Returns", "Refunds"], text: "Refunds take 5 days." },
      { headings: ["Shipping"], text: "We ship on Mondays." },
    ]);
  });

  it("uses the first Heading 1 as the title when there is no Title paragraph", async () => {
    const doc = await parseDocument({ name: "a.docx", format: "docx", bytes: await makeDocx([{ style: "Heading1", text: "Menu" }, { text: "Soup" }]) });
    expect(doc.title).toBe("Menu");
  });

  it("says random bytes or a broken zip are not a Word document, naming the file", async () => {
    const valid = await makeDocx([{ text: "Hello" }]);
    const random = new Uint8Array(2048).map((_, index) => (index * 7919 + 13) % 251);
    for (const bytes of [random, valid.slice(0, valid.length / 2)]) {
      const error = await rejection(parseDocument({ name: "contract.docx", format: "docx", bytes }));
      expect(error.code).toBe("document_unreadable");
      expect(error.message).toMatch(/^"contract\.docx" could not be read as a Word document/);
    }
  });
});
