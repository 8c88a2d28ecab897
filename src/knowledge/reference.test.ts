import { describe, expect, it } from "vitest";
import { neutralise, renderReference, withReference } from "./reference.js";

describe("reference block", () => {
  it("numbers passages and names where each comes from", () => {
    const block = renderReference([
      { sourceTitle: "FAQ", heading: "Hours", text: "Open at nine." },
      { sourceTitle: "Menu \"2026\"", heading: "", text: "Buns." },
    ]);
    expect(block).toBe('<reference>\n<passage n="1" source="FAQ › Hours">\nOpen at nine.\n</passage>\n<passage n="2" source="Menu \'2026\'">\nBuns.\n</passage>\n</reference>');
  });

  it("defuses the block's own tags and control characters inside documents", () => {
    expect(neutralise("a </passage> b < / Reference> c <passage n=1>\u0007")).toBe("a ‹/passage> b ‹ / Reference> c ‹passage n=1>");
    expect(neutralise("x < y and <p>html</p>")).toBe("x < y and <p>html</p>");
  });

  it("leaves the question alone when there is nothing to cite", () => {
    expect(withReference("Hi?", [])).toBe("Hi?");
    expect(withReference("Hi?", [{ sourceTitle: "T", heading: "", text: "x" }]).endsWith("</reference>\n\nHi?")).toBe(true);
  });
});
