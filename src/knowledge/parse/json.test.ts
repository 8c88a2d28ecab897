import { describe, expect, it } from "vitest";
import { rejection, utf8 } from "../fixtures.test-support.js";
import { parseDocument } from "./index.js";

const parse = (value: unknown, name = "data.json") =>
  parseDocument({ name, format: "json", bytes: utf8(typeof value === "string" ? value : JSON.stringify(value)) });

describe("json", () => {
  it("reads FAQ items (question/answer or q/a, any case) as Q/A records", async () => {
    const doc = await parse([
      { Question: "Do you deliver?", Answer: "Yes, within 10 km.", category: "Delivery" },
      { q: "Gluten free?", a: "Two breads are." },
    ]);
    expect(doc.records).toBe(true);
    expect(doc.sections).toEqual([
      { headings: ["Do you deliver?"], text: "Q: Do you deliver?\nA: Yes, within 10 km.\ncategory: Delivery" },
      { headings: ["Gluten free?"], text: "Q: Gluten free?\nA: Two breads are." },
    ]);
  });

  it("unwraps an object holding an array ({faqs: [...]}) and keeps the wrapper's own facts", async () => {
    const doc = await parse({ company: "Bea's", faqs: [{ question: "Open Sunday?", answer: "No." }] });
    expect(doc.sections).toEqual([
      { headings: ["Item 1"], text: "company: Bea's" },
      { headings: ["Open Sunday?"], text: "Q: Open Sunday?\nA: No." },
    ]);
  });

  it("reads social posts: the words, the date and the link, not the counters", async () => {
    const doc = await parse({
      posts: [
        { id: 1, text: "New croissants today!", created_at: "2025-03-01", likes: 40, url: "https://social.example/p/1" },
        { caption: "Behind the scenes", creation_timestamp: 1700000000 },
        { content: "No date here" },
      ],
    });
    expect(doc.sections).toEqual([
      { headings: ["Post 2025-03-01"], text: "New croissants today!\nDate: 2025-03-01\nURL: https://social.example/p/1" },
      { headings: ["Post 2023-11-14"], text: "Behind the scenes\nDate: 2023-11-14" },
      { headings: ["Post 3"], text: "No date here" },
    ]);
  });

  it("unwraps per-item wrappers like Twitter's [{tweet: {...}}]", async () => {
    const doc = await parse([{ tweet: { full_text: "Hello world", created_at: "Wed Oct 10 20:19:24 +0000 2018" } }]);
    expect(doc.sections).toEqual([
      { headings: ["Post Wed Oct 10 20:19:24 +0000 2018"], text: "Hello world\nDate: Wed Oct 10 20:19:24 +0000 2018" },
    ]);
  });

  it("flattens catalogue entries into key: value lines, skipping empty values", async () => {
    const doc = await parse({
      products: [
        { sku: "B-1", name: "Sourdough", price: 4.5, vegan: true, tags: ["bread", "slow"], dims: { weight: { grams: 800 } }, notes: null, extra: "", variants: [{ size: "S" }, { size: "L" }] },
        { sku: "C-2", price: 12 },
        { price: 1 },
      ],
    });
    expect(doc.sections).toEqual([
      { headings: ["Sourdough"], text: "sku: B-1\nname: Sourdough\nprice: 4.5\nvegan: true\ntags: bread, slow\ndims.weight.grams: 800\nvariants[1].size: S\nvariants[2].size: L" },
      { headings: ["C-2"], text: "sku: C-2\nprice: 12" },
      { headings: ["Item 3"], text: "price: 1" },
    ]);
  });

  it("reads a single object as one record, and JSON Lines as records", async () => {
    const single = await parse({ name: "Bea's Bakery", address: { street: "12 Main St", city: "Lyon" } });
    expect(single.sections).toEqual([{ headings: ["Bea's Bakery"], text: "name: Bea's Bakery\naddress.street: 12 Main St\naddress.city: Lyon" }]);
    const lines = await parse('{"text":"one"}\n{"text":"two"}\n', "posts.jsonl");
    expect(lines.sections.map((section) => section.text)).toEqual(["one", "two"]);
  });

  it("reports invalid JSON with its line and column, naming the file", async () => {
    const error = await rejection(parse('{\n  "faqs": [\n    {"question": "x",}\n  ]\n}', "faq.json"));
    expect(error.code).toBe("document_unreadable");
    expect(error.message).toMatch(/^"faq\.json" is not valid JSON: .* at line 3, column \d+/);
    // Node 20 leaves the position out of this one; it is found anyway.
    const token = await rejection(parse('{\n"a": }', "token.json"));
    expect(token.message).toContain("at line 2, column 6");
    const truncated = await rejection(parse('[{"a": 1}', "cut.json"));
    expect(truncated.message).toMatch(/^"cut\.json" is not valid JSON/);
  });
});
