import { encode } from "gpt-tokenizer";
import { describe, expect, it } from "vitest";
import { chunkDocument, countTokens, type Chunk } from "./chunk.js";
import type { ParsedDocument } from "./parse/index.js";

const doc = (sections: ParsedDocument["sections"], records = false): ParsedDocument => ({ title: null, sections, records });
const options = { chunkTokens: 64, overlapTokens: 12 };

/** Deterministic prose: numbered words make every position unique and checkable. */
function sentences(count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, index) => {
    const n = from + index;
    return `Sentence ${n} says word${n}a word${n}b and word${n}c, then ends.`;
  });
}

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/** How many words chunk `next` repeats from the end of `previous`. */
function overlapWords(previous: Chunk, next: Chunk): number {
  const a = words(previous.text);
  const b = words(next.text);
  for (let size = Math.min(a.length, b.length - 1); size > 0; size--) {
    if (a.slice(a.length - size).join(" ") === b.slice(0, size).join(" ")) return size;
  }
  return 0;
}

function expectCovers(chunks: Chunk[], text: string): void {
  const rebuilt = words(chunks[0]!.text);
  for (let index = 1; index < chunks.length; index++) rebuilt.push(...words(chunks[index]!.text).slice(overlapWords(chunks[index - 1]!, chunks[index]!)));
  expect(rebuilt).toEqual(words(text));
}

describe("countTokens", () => {
  it("counts exactly what the tokenizer encodes, and treats special-token text as text", () => {
    expect(countTokens("Hello, world! Ça va?")).toBe(encode("Hello, world! Ça va?").length);
    expect(countTokens("")).toBe(0);
    expect(countTokens("<|endoftext|> is just text here")).toBeGreaterThan(5);
  });
});

describe("chunkDocument", () => {
  it("keeps a short section whole, with its heading path and exact token count", () => {
    const chunks = chunkDocument(doc([{ headings: ["Returns", "Refunds"], text: "  Refunds take five days\n\nAsk us.  " }]), options);
    expect(chunks).toEqual([{ position: 0, heading: "Returns › Refunds", text: "Refunds take five days\n\nAsk us.", tokens: countTokens("Refunds take five days\n\nAsk us.") }]);
  });

  it("counts exactly where punctuation meets a line break (the tokenizer joins them)", () => {
    for (const text of ["Refunds take five days.\n\nAsk us.", "import x from 'y'\n// note", "Prices (2025):\n- bread\n- cake!\n\n/* end */"]) {
      const [chunk] = chunkDocument(doc([{ headings: [], text }]), { chunkTokens: 500, overlapTokens: 0 });
      expect(chunk!.tokens).toBe(countTokens(text));
    }
  });

  it("splits long text into chunks that fit, overlap, and lose nothing", () => {
    const text = [sentences(6, 0).join(" "), sentences(9, 6).join(" "), sentences(5, 15).join(" ")].join("\n\n");
    const chunks = chunkDocument(doc([{ headings: ["Guide"], text }]), options);
    expect(chunks.length).toBeGreaterThan(4);
    expect(chunks.map((chunk) => chunk.position)).toEqual(chunks.map((_, index) => index));
    for (const chunk of chunks) {
      expect(chunk.heading).toBe("Guide");
      expect(chunk.text).toBe(chunk.text.trim());
      expect(countTokens(chunk.text)).toBeLessThanOrEqual(options.chunkTokens);
      expect(chunk.tokens).toBe(countTokens(chunk.text));
    }
    for (let index = 1; index < chunks.length; index++) {
      const repeated = words(chunks[index - 1]!.text).slice(-overlapWords(chunks[index - 1]!, chunks[index]!)).join(" ");
      expect(countTokens(repeated)).toBeGreaterThanOrEqual(options.overlapTokens / 2);
      expect(countTokens(repeated)).toBeLessThanOrEqual(options.overlapTokens + 1);
    }
    expectCovers(chunks, text);
  });

  it("cuts at sentence ends when it can, and the overlap starts at a sentence", () => {
    const text = sentences(30).join(" ");
    // A sentence is about 17 tokens here, so a 24-token overlap has room for one.
    const chunks = chunkDocument(doc([{ headings: [], text }]), { chunkTokens: 64, overlapTokens: 24 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.text).toMatch(/^Sentence \d+/);
      expect(chunk.text).toMatch(/ends\.$/);
    }
  });

  it("prefers sentence ends over the line breaks of hard-wrapped text", () => {
    const wrapped = sentences(24).join(" ").replace(/(.{50,60}?) /g, "$1\n");
    const chunks = chunkDocument(doc([{ headings: [], text: wrapped }]), { chunkTokens: 64, overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(4);
    for (const chunk of chunks) expect(chunk.text).toMatch(/ends\.$/);
  });

  it("prefers paragraph ends over sentence ends once a chunk is half full", () => {
    const paragraphs = Array.from({ length: 8 }, (_, index) => sentences(2, index * 2).join(" "));
    const chunks = chunkDocument(doc([{ headings: [], text: paragraphs.join("\n\n") }]), { chunkTokens: 80, overlapTokens: 0 });
    for (const chunk of chunks) {
      const last = chunk.text.split("\n\n").pop()!;
      expect(paragraphs).toContain(last);
    }
    expectCovers(chunks, paragraphs.join("\n\n"));
  });

  it("never merges records, however small, and chunks each independently", () => {
    const records = doc(
      [
        { headings: ["Sourdough"], text: "price: 4.50" },
        { headings: ["Baguette"], text: "price: 1.20" },
        { headings: ["Catalogue notes"], text: sentences(20).join(" ") },
      ],
      true,
    );
    const chunks = chunkDocument(records, options);
    expect(chunks.slice(0, 2)).toEqual([
      { position: 0, heading: "Sourdough", text: "price: 4.50", tokens: countTokens("price: 4.50") },
      { position: 1, heading: "Baguette", text: "price: 1.20", tokens: countTokens("price: 1.20") },
    ]);
    expect(chunks.slice(2).every((chunk) => chunk.heading === "Catalogue notes")).toBe(true);
    expect(chunks.length).toBeGreaterThan(3);
  });

  it("skips empty sections and never emits an empty chunk", () => {
    const chunks = chunkDocument(doc([{ headings: ["A"], text: "  \n " }, { headings: ["B"], text: "Text." }]), options);
    expect(chunks).toEqual([{ position: 0, heading: "B", text: "Text.", tokens: countTokens("Text.") }]);
  });

  it("splits a long paragraph with no sentence breaks at word boundaries", () => {
    const text = Array.from({ length: 400 }, (_, index) => `item${index}`).join(" ");
    const chunks = chunkDocument(doc([{ headings: [], text }]), options);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(countTokens(chunk.text)).toBeLessThanOrEqual(options.chunkTokens);
    expectCovers(chunks, text);
  });

  it("cuts a run with no spaces at all (a data URI, CJK prose) by tokens", () => {
    const blob = "data:image/png;base64," + Buffer.from(Array.from({ length: 3000 }, (_, index) => (index * 37) % 256)).toString("base64");
    const cjk = "我们的面包每天早上新鲜出炉欢迎光临".repeat(40);
    for (const text of [blob, cjk]) {
      const chunks = chunkDocument(doc([{ headings: [], text: `Before. ${text} After.` }]), options);
      expect(chunks.length).toBeGreaterThan(3);
      // Re-encoding a piece cut from inside a BPE word can differ by a token or two from the cut.
      for (const chunk of chunks) expect(countTokens(chunk.text)).toBeLessThanOrEqual(options.chunkTokens + 2);
      expect(chunks.map((chunk) => chunk.text).join("")).toContain(text.slice(0, 100));
      expect(chunks.at(-1)!.text.endsWith("After.")).toBe(true);
    }
  });

  it("cuts CJK prose after a sentence stop, and stays linear on a 200 kB run", () => {
    const cjk = Array.from({ length: 60 }, (_, index) => `第${index}句我们的面包每天早上新鲜出炉欢迎光临`).join("。") + "。";
    const chunks = chunkDocument(doc([{ headings: [], text: cjk }]), options);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(chunk.text.endsWith("。")).toBe(true);
    const blob = Buffer.from(Array.from({ length: 150_000 }, (_, index) => (index * 131) % 256)).toString("base64");
    const started = performance.now();
    const pieces = chunkDocument(doc([{ headings: [], text: blob }]), { chunkTokens: 256, overlapTokens: 32 });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(pieces.map((chunk) => chunk.text).join("")).toBe(blob);
  });

  it("counts indented and multi-line text exactly", () => {
    const text = "Menu\n    soup of the day\n\tbread   and  butter\n\n\n   cakes\r\n  tea <|endoftext|> coffee";
    const [chunk] = chunkDocument(doc([{ headings: [], text }]), { chunkTokens: 500, overlapTokens: 0 });
    expect(chunk!.tokens).toBe(countTokens(text));
  });

  it("clamps an overlap too large to make progress", () => {
    const text = sentences(20).join(" ");
    const chunks = chunkDocument(doc([{ headings: [], text }]), { chunkTokens: 40, overlapTokens: 400 });
    expect(chunks.length).toBeGreaterThan(3);
    expectCovers(chunks, text);
  });
});
