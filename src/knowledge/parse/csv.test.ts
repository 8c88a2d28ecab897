import { describe, expect, it } from "vitest";
import { rejection, utf8 } from "../fixtures.test-support.js";
import { parseDocument } from "./index.js";

const parse = (text: string, name = "products.csv") => parseDocument({ name, format: "csv", bytes: utf8(text) });

describe("csv", () => {
  it("turns each row into a record titled by its name-like column", async () => {
    const doc = await parse('\uFEFFSKU,Name,Description,Price\r\nB-1, Sourdough ,"Slow rise, crusty",4.50\r\n\r\nC-2,,"Said ""best"" in town",12\r\n');
    expect(doc.records).toBe(true);
    expect(doc.title).toBeNull();
    expect(doc.sections).toEqual([
      { headings: ["Sourdough"], text: "SKU: B-1\nName: Sourdough\nDescription: Slow rise, crusty\nPrice: 4.50" },
      // No name: the next title-like column (sku) names it.
      { headings: ["C-2"], text: 'SKU: C-2\nDescription: Said "best" in town\nPrice: 12' },
    ]);
  });

  it("falls back to Row N, labels extra and blank-headed cells, and reads ; separated files", async () => {
    const doc = await parse("city;;hours\nParis;x;9-18;extra\nLyon;;;\n");
    expect(doc.sections).toEqual([
      { headings: ["Row 1"], text: "city: Paris\nColumn 2: x\nhours: 9-18\nColumn 4: extra" },
      { headings: ["Row 2"], text: "city: Lyon" },
    ]);
  });

  it("reports a broken quote with its line, naming the file", async () => {
    const error = await rejection(parse('name,price\nBread,3\n"Cake,4\nPie,5\n', "menu.csv"));
    expect(error.code).toBe("document_unreadable");
    expect(error.message).toMatch(/^"menu\.csv" could not be read as CSV: .*line \d/);
    const stray = await rejection(parse('name,price\n"Cake"x,4\n', "menu.csv"));
    expect(stray.code).toBe("document_unreadable");
    expect(stray.message).toContain("on line 2");
  });
});
