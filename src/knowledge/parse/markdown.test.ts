import { describe, expect, it } from "vitest";
import { utf8 } from "../fixtures.test-support.js";
import { parseDocument } from "./index.js";

const parse = (text: string) => parseDocument({ name: "guide.md", format: "markdown", bytes: utf8(text) });

describe("markdown", () => {
  it("nests sections by heading level and takes the first H1 as the title", async () => {
    const doc = await parse(
      ["Intro before any heading.", "", "# Shop guide", "Welcome.", "## Returns", "Send it back.", "### Refunds", "Within **30** days.", "## Shipping #", "Two days.", "# Appendix", "More."].join("\n"),
    );
    expect(doc.title).toBe("Shop guide");
    expect(doc.records).toBe(false);
    expect(doc.sections).toEqual([
      { headings: [], text: "Intro before any heading." },
      { headings: ["Shop guide"], text: "Welcome." },
      { headings: ["Shop guide", "Returns"], text: "Send it back." },
      { headings: ["Shop guide", "Returns", "Refunds"], text: "Within **30** days." },
      { headings: ["Shop guide", "Shipping"], text: "Two days." },
      { headings: ["Appendix"], text: "More." },
    ]);
  });

  it("ignores heading-like lines inside ``` and ~~~ fences and keeps the code as text", async () => {
    const doc = await parse(["# Setup", "Run this:", "```bash", "# not a heading", "echo hi", "```", "~~~", "## nor this", "~~~", "Done."].join("\n"));
    expect(doc.sections).toHaveLength(1);
    expect(doc.sections[0]!.headings).toEqual(["Setup"]);
    expect(doc.sections[0]!.text).toContain("# not a heading");
    expect(doc.sections[0]!.text).toContain("## nor this");
    expect(doc.sections[0]!.text.endsWith("Done.")).toBe(true);
  });

  it("understands setext headings but not rules after lists or blank lines", async () => {
    const doc = await parse(["Opening hours", "=============", "Mon to Fri.", "", "Holidays", "--------", "Closed.", "", "---", "- item", "---", "After."].join("\n"));
    expect(doc.title).toBe("Opening hours");
    expect(doc.sections.map((section) => section.headings)).toEqual([["Opening hours"], ["Opening hours", "Holidays"]]);
    expect(doc.sections[1]!.text).toBe("Closed.\n\n---\n- item\n---\nAfter.");
  });

  it("cleans inline markup out of headings and reads a front-matter title", async () => {
    const doc = await parse(["---", 'title: "Bakery FAQ"', "---", "## **Gluten** and [allergens](https://x.y)", "Ask us."].join("\n"));
    expect(doc.title).toBe("Bakery FAQ");
    expect(doc.sections).toEqual([{ headings: ["Gluten and allergens"], text: "Ask us." }]);
  });

  it("treats #hashtag (no space) as text", async () => {
    const doc = await parse("#tbt to our opening day\n\nGreat times.");
    expect(doc.sections).toEqual([{ headings: [], text: "#tbt to our opening day\n\nGreat times." }]);
  });
});
