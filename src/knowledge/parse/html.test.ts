import { describe, expect, it } from "vitest";
import { utf8 } from "../fixtures.test-support.js";
import { parseDocument } from "./index.js";

const parse = (html: string) => parseDocument({ name: "page.html", format: "html", bytes: utf8(html) });

describe("html", () => {
  it("builds nested sections from headings, skipping scripts, styles and navigation", async () => {
    const doc = await parse(`<!doctype html><html><head><title>Bea&#39;s Bakery</title><style>h1{color:red}</style>
      <script>var x = "<h2>not a heading</h2>";</script></head>
      <body><nav><a href="/">Home</a> <a href="/menu">Menu</a></nav>
      <h1>Our   <em>bakery</em></h1><p>Fresh bread &amp; cakes&nbsp;daily.</p>
      <h2>Opening hours</h2><ul><li>Mon&ndash;Fri: 7&ndash;18</li><li>Sat: 8&ndash;13</li></ul>
      <noscript>Enable JavaScript</noscript><template><p>hidden template</p></template>
      <svg><title>logo</title><text>SVG text</text></svg>
      <h3>Holidays</h3><p>Closed on<br>public holidays.</p><div hidden>secret</div>
      <h2>Prices</h2><table><tr><th>Item</th><th>Price</th></tr><tr><td>Loaf</td><td>3 €</td></tr></table>
      <footer>12 Main Street · 555-0100</footer></body></html>`);
    expect(doc.title).toBe("Bea's Bakery");
    expect(doc.sections).toEqual([
      { headings: ["Our bakery"], text: "Fresh bread & cakes daily." },
      { headings: ["Our bakery", "Opening hours"], text: "- Mon–Fri: 7–18\n- Sat: 8–13" },
      { headings: ["Our bakery", "Opening hours", "Holidays"], text: "Closed on\npublic holidays." },
      { headings: ["Our bakery", "Prices"], text: "Item | Price\nLoaf | 3 €\n\n12 Main Street · 555-0100" },
    ]);
    const all = doc.sections.map((section) => section.text).join(" ");
    for (const hidden of ["not a heading", "color:red", "Home", "Enable JavaScript", "hidden template", "SVG text", "logo", "secret"]) {
      expect(all).not.toContain(hidden);
    }
  });

  it("takes the first h1 as the title when there is no <title>, and keeps <pre> whitespace", async () => {
    const doc = await parse("<h1>Menu</h1><p>Soups</p><pre>  a\n    b</pre><p>after</p>");
    expect(doc.title).toBe("Menu");
    expect(doc.sections).toEqual([{ headings: ["Menu"], text: "Soups\n\n  a\n    b\n\nafter" }]);
  });

  it("keeps text before the first heading, joins inline elements with the right spaces", async () => {
    const doc = await parse("<div>Hello <b>world</b>, <a href=#>click</a>here.</div><div>  </div><div>Next</div>");
    expect(doc.title).toBeNull();
    expect(doc.sections).toEqual([{ headings: [], text: "Hello world, clickhere.\n\nNext" }]);
  });
});
