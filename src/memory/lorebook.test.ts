import { describe, expect, it } from "vitest";
import { LorebookContent, type LorebookContentInput, type LorebookEntryInput } from "../contracts/index.js";
import { keyMatcher, regexProblems, SCAN_CHARS_PER_MESSAGE, selectLore } from "./lorebook.js";

/** One token per word: easy to reason about in budget tests. */
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

let ids = 0;
function entry(input: Partial<LorebookEntryInput>): LorebookEntryInput {
  return { id: `e${++ids}`, content: `content ${ids}`, ...input };
}

function book(entries: LorebookEntryInput[], settings: Partial<LorebookContentInput> = {}) {
  return LorebookContent.parse({ ...settings, entries });
}

async function fire(entries: LorebookEntryInput[], messages: string[], settings: Partial<LorebookContentInput> = {}, budgetTokens = 1_000) {
  return selectLore({ lorebook: book(entries, settings), messages, budgetTokens, countTokens: words });
}

/** Names of the entries that fired and were kept. */
async function kept(entries: LorebookEntryInput[], messages: string[], settings: Partial<LorebookContentInput> = {}, budgetTokens = 1_000) {
  const selection = await fire(entries, messages, settings, budgetTokens);
  return selection.entries.filter((hit) => !hit.leftOut).map((hit) => hit.name);
}

describe("selectLore", () => {
  it("fires an entry when any primary key occurs, and says which key", async () => {
    const selection = await fire([entry({ name: "forest", keys: ["wood", "forest"], content: "The forest is old." }), entry({ name: "sea", keys: ["sea"] })], ["tell me about the forest"]);
    expect(selection.entries).toEqual([{ entryId: expect.any(String), name: "forest", reason: 'key "forest"', tokens: 4, leftOut: false }]);
    expect(selection.after).toBe("The forest is old.");
    expect(selection.before).toBe("");
    expect(selection.tokens).toBe(4);
  });

  it("and-any: a primary key plus at least one secondary key", async () => {
    const lore = [entry({ name: "night forest", keys: ["forest"], secondaryKeys: ["night", "dark"], selective: true, secondaryLogic: "and-any" })];
    expect(await kept(lore, ["the forest"])).toEqual([]);
    const selection = await fire(lore, ["the forest at night"]);
    expect(selection.entries[0]?.reason).toBe('key "forest" + "night"');
  });

  it("and-all: every secondary key must occur", async () => {
    const lore = [entry({ name: "x", keys: ["forest"], secondaryKeys: ["night", "wolf"], selective: true, secondaryLogic: "and-all" })];
    expect(await kept(lore, ["the forest at night"])).toEqual([]);
    expect((await fire(lore, ["a wolf in the forest at night"])).entries[0]?.reason).toBe('key "forest" + "night" + "wolf"');
  });

  it("not-any: fires only when no secondary key occurs", async () => {
    const lore = [entry({ name: "x", keys: ["forest"], secondaryKeys: ["night", "wolf"], selective: true, secondaryLogic: "not-any" })];
    expect(await kept(lore, ["the forest by day"])).toEqual(["x"]);
    expect(await kept(lore, ["the forest wolf"])).toEqual([]);
  });

  it("not-all: fires unless every secondary key occurs", async () => {
    const lore = [entry({ name: "x", keys: ["forest"], secondaryKeys: ["night", "wolf"], selective: true, secondaryLogic: "not-all" })];
    expect(await kept(lore, ["the forest at night"])).toEqual(["x"]);
    expect(await kept(lore, ["a wolf in the forest at night"])).toEqual([]);
  });

  it("ignores secondary keys when the entry is not selective", async () => {
    expect(await kept([entry({ name: "x", keys: ["forest"], secondaryKeys: ["night"], selective: false })], ["the forest"])).toEqual(["x"]);
  });

  it("matches case-insensitively by default, case-sensitively when the book says so, and an entry overrides its book", async () => {
    const lore = [entry({ name: "book", keys: ["Forest"] }), entry({ name: "strict", keys: ["Forest"], caseSensitive: true })];
    expect(await kept(lore, ["the forest"])).toEqual(["book"]);
    const loose = [entry({ name: "book", keys: ["Forest"] }), entry({ name: "loose", keys: ["Forest"], caseSensitive: false })];
    expect(await kept(loose, ["the forest"], { caseSensitive: true })).toEqual(["loose"]);
    expect(await kept(loose, ["the Forest"], { caseSensitive: true })).toEqual(["book", "loose"]);
  });

  it("matches whole words: \"cat\" fires on \"Cat!\" but not on \"concatenate\"; phrases still match", async () => {
    const lore = [entry({ name: "cat", keys: ["cat"] }), entry({ name: "phrase", keys: ["magical forest"] })];
    expect(await kept(lore, ["concatenate the strings"])).toEqual([]);
    expect(await kept(lore, ["Cat!"])).toEqual(["cat"]);
    expect(await kept(lore, ["a Magical  forest", "into the magical forest."])).toEqual(["phrase"]);
    expect(await kept(lore, ["concatenate"], { matchWholeWords: false })).toEqual(["cat"]);
    expect(await kept([entry({ name: "part", keys: ["cat"], matchWholeWords: false })], ["concatenate"])).toEqual(["part"]);
    expect(await kept([entry({ name: "whole", keys: ["cat"], matchWholeWords: true })], ["concatenate"], { matchWholeWords: false })).toEqual([]);
  });

  it("treats word boundaries in any script: letters with accents, Cyrillic and Japanese are word characters", async () => {
    const lore = [entry({ name: "café", keys: ["café"] }), entry({ name: "кот", keys: ["кот"] })];
    expect(await kept(lore, ["un cafés"])).toEqual([]);
    expect(await kept(lore, ["au CAFÉ, ce matin"])).toEqual(["café"]);
    expect(await kept(lore, ["котенок"])).toEqual([]);
    expect(await kept(lore, ["Кот спит."])).toEqual(["кот"]);
    expect(await kept([entry({ name: "é", keys: ["e"] })], ["é"])).toEqual([]);
  });

  it("takes keys as regular expressions with useRegex or when written /pattern/flags; whole words do not apply", async () => {
    expect(await kept([entry({ name: "rx", keys: ["fore?st"], useRegex: true })], ["FORST"])).toEqual(["rx"]);
    expect(await kept([entry({ name: "rx", keys: ["fore?st"], useRegex: true, caseSensitive: true })], ["FORST"])).toEqual([]);
    expect(await kept([entry({ name: "slash", keys: ["/drag(on|ons)/i"] })], ["DRAGONS!"])).toEqual(["slash"]);
    expect(await kept([entry({ name: "slash", keys: ["/drag(on|ons)/"] })], ["DRAGONS!"])).toEqual([]);
    expect(await kept([entry({ name: "inside", keys: ["/cat/"] })], ["concatenate"])).toEqual(["inside"]);
    expect(await kept([entry({ name: "global", keys: ["/cat/g"] })], ["cat", "cat"])).toEqual(["global"]);
  });

  it("an invalid regular expression never throws: it matches nothing and is reported", async () => {
    const lore = [entry({ name: "broken", keys: ["/([a-/", "fine"] }), entry({ name: "bad", keys: ["(unclosed"], useRegex: true })];
    expect(await kept(lore, ["([a-", "(unclosed"])).toEqual([]);
    expect(await kept(lore, ["this is fine"])).toEqual(["broken"]);
    const problems = regexProblems(book(lore));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('Entry "broken"');
    expect(problems[0]).toContain("cannot be used as a regular expression");
  });

  it("refuses keys that repeat a repeating group (exponential backtracking) instead of hanging", async () => {
    const started = Date.now();
    const lore = [entry({ name: "evil", keys: ["/(a+)+$/"] }), entry({ name: "evil too", keys: ["^(\\w+\\s?)*$"], useRegex: true }), entry({ name: "fine", keys: ["/(ab)+c/"] })];
    expect(await kept(lore, [`${"a".repeat(40)}!`, "ababc"])).toEqual(["fine"]);
    expect(Date.now() - started).toBeLessThan(1_000);
    const problems = regexProblems(book(lore));
    expect(problems.map((problem) => problem.slice(0, 14))).toEqual(['Entry "evil": ', 'Entry "evil to']);
    expect(problems[0]).toContain("can take minutes on some messages");
    expect(problems[0]).toContain("a+ rather than (a+)+");
  });

  it("judges regex keys by safe-regex2: nested and too many repeats refused, lazy quantifiers and lookbehind kept", async () => {
    const regex = { caseSensitive: false, wholeWords: false, useRegex: true };
    const refused = (pattern: string) => regexProblems(book([entry({ name: "key", keys: [pattern], useRegex: true })])).length === 1;
    // Refused: a repeat inside a repeat, however spelled ({n} counts as a repeat; an optional group does not), or more than 25 repeats.
    for (const pattern of ["((ab)+)+", "(a{2,})*", "(?<word>\\w+)*", "(?:a+){2}", "((a+)?)*", "(a+?)+", "(?<=x)(a+)+", "a?".repeat(26)]) {
      expect(refused(pattern), pattern).toBe(true);
      expect(keyMatcher(pattern, regex)("a".repeat(30)), pattern).toBe(false);
    }
    // Kept: brackets and parentheses that are not groups, one level of repeats, lazy quantifiers, lookbehind and lookahead.
    const allowed = [
      ["[(a+)]+", "a+"], ["\\(a+\\)+", "(aa)"], ["(?:x|y+)z+", "yyz"], ["drag(on|ons)", "dragons"], ["\\d{2,}?", "42"], ["<.+?>", "<b>"],
      ["(?<!\\w)dragon(?!\\w)", "a dragon!"], ["(?<=sir )\\w+", "sir Galahad"], ["[+?]\\?", "+?"], ["(\\w+ )?dragon", "red dragon"], ["(dark )??forest", "forest"], ["a?".repeat(25), "aaa"],
    ] as const;
    for (const [pattern, text] of allowed) {
      expect(refused(pattern), pattern).toBe(false);
      expect(keyMatcher(pattern, regex)(text), pattern).toBe(true);
    }
    // Through selection too: the refused key never fires, the lookbehind one does.
    const lore = [entry({ name: "nested", keys: ["/(\\w+\\s?)+!/"] }), entry({ name: "behind", keys: ["/(?<!\\w)elves?\\b/i"] })];
    expect(await kept(lore, ["Elves sing here!"])).toEqual(["behind"]);
  });

  it("always inserts constant entries, ahead of triggered ones in the budget", async () => {
    const lore = [
      entry({ name: "triggered", keys: ["forest"], priority: 1_000, content: "one two three" }),
      entry({ name: "rule", constant: true, priority: 0, content: "always here" }),
    ];
    const selection = await fire(lore, ["nothing relevant"]);
    expect(selection.entries).toEqual([expect.objectContaining({ name: "rule", reason: "constant", leftOut: false })]);
    const tight = await fire(lore, ["the forest"], {}, 3);
    expect(tight.entries.map((hit) => [hit.name, hit.leftOut])).toEqual([["triggered", true], ["rule", false]]);
    expect(tight.after).toBe("always here");
  });

  it("never fires a disabled entry, constant or not", async () => {
    const lore = [entry({ name: "off", keys: ["forest"], enabled: false }), entry({ name: "off constant", constant: true, enabled: false })];
    expect((await fire(lore, ["the forest"])).entries).toEqual([]);
  });

  it("orders kept entries by insertion order (lower first), per position", async () => {
    const lore = [
      entry({ name: "late", keys: ["forest"], insertionOrder: 300, content: "C" }),
      entry({ name: "early", keys: ["forest"], insertionOrder: 10, content: "A" }),
      entry({ name: "middle", keys: ["forest"], insertionOrder: 200, content: "B" }),
      entry({ name: "before", keys: ["forest"], insertionOrder: 5, position: "before-persona", content: "P" }),
      entry({ name: "tie", keys: ["forest"], insertionOrder: 200, content: "B2" }),
    ];
    const selection = await fire(lore, ["forest"]);
    expect(selection.after).toBe("A\n\nB\n\nB2\n\nC");
    expect(selection.before).toBe("P");
    expect(selection.entries.map((hit) => hit.name)).toEqual(["before", "early", "middle", "tie", "late"]);
  });

  it("leaves out lower priorities first under a tight budget, and never keeps one after a higher one did not fit", async () => {
    const lore = [
      entry({ name: "low", keys: ["forest"], priority: 1, content: "a" }),
      entry({ name: "high", keys: ["forest"], priority: 50, content: "b c d" }),
      entry({ name: "mid", keys: ["forest"], priority: 20, content: "e f" }),
    ];
    const selection = await fire(lore, ["forest"], {}, 4);
    expect(selection.entries.map((hit) => [hit.name, hit.tokens, hit.leftOut])).toEqual([["low", 1, true], ["high", 3, false], ["mid", 2, true]]);
    expect(selection.tokens).toBe(3);
    expect(selection.after).toBe("b c d");
    expect(await kept(lore, ["forest"], {}, 0)).toEqual([]);
    expect(await kept(lore, ["forest"], {}, 6)).toEqual(["low", "high", "mid"]);
  });

  it("scans only the last scanDepth messages; an entry's own depth overrides the book's, and 0 means constant only", async () => {
    const history = ["a story about the forest", "hello", "how are you", "fine"];
    const lore = [entry({ name: "forest", keys: ["forest"] })];
    expect(await kept(lore, history, { scanDepth: 4 })).toEqual(["forest"]);
    expect(await kept(lore, history, { scanDepth: 1 })).toEqual([]);
    expect(await kept([entry({ name: "deep", keys: ["forest"], scanDepth: 4 })], history, { scanDepth: 1 })).toEqual(["deep"]);
    expect(await kept([entry({ name: "never", keys: ["fine"], scanDepth: 0 }), entry({ name: "c", constant: true, scanDepth: 0 })], history)).toEqual(["c"]);
  });

  it("scans only the end of a very long message (the cost guard)", async () => {
    const long = `forest ${"x ".repeat(SCAN_CHARS_PER_MESSAGE)}`;
    expect(await kept([entry({ name: "forest", keys: ["forest"] })], [long])).toEqual([]);
    expect(await kept([entry({ name: "forest", keys: ["forest"] })], [`${long} forest`])).toEqual(["forest"]);
  });

  it("scans triggered entries' text for further keys when recursive, bounded, never firing an entry twice", async () => {
    const lore = [
      entry({ name: "forest", keys: ["forest"], content: "Wolves roam the forest." }),
      entry({ name: "wolves", keys: ["wolves"], content: "The wolves serve the Shadow King." }),
      entry({ name: "king", keys: ["shadow king"], content: "The Shadow King lives in the forest with wolves." }),
      entry({ name: "castle", keys: ["castle"], content: "never mentioned" }),
    ];
    expect(await kept(lore, ["the forest"])).toEqual(["forest"]);
    const selection = await fire(lore, ["the forest"], { recursiveScanning: true });
    expect(selection.entries.map((hit) => [hit.name, hit.reason])).toEqual([["forest", 'key "forest"'], ["wolves", 'key "wolves"'], ["king", 'key "shadow king"']]);
  });

  it("stops recursing after a bounded number of passes", async () => {
    // A chain of five links: the message fires the first, each link's text names the next.
    const chain = Array.from({ length: 6 }, (_, index) => entry({ name: `link${index}`, keys: [`link${index}`], content: `see link${index + 1}` }));
    expect(await kept(chain, ["link0"], { recursiveScanning: true })).toEqual(["link0", "link1", "link2", "link3"]);
  });
});

describe("the substring check before each key's regex", () => {
  it("never hides a match that case folding makes (long s, Kelvin sign, Greek final sigma)", () => {
    const insensitive = { caseSensitive: false, wholeWords: false, useRegex: false };
    expect(keyMatcher("mister", insensitive)("MIſTER Smith")).toBe(true);
    expect(keyMatcher("kelvin", insensitive)("\u212Aelvin scale")).toBe(true);
    expect(keyMatcher("ΟΔΟΣ", insensitive)("μια οδος")).toBe(true);
    expect(keyMatcher("ΟΔΟΣ", insensitive)("μια οδοσ")).toBe(true);
    expect(keyMatcher("forest", { ...insensitive, caseSensitive: true })("Forest")).toBe(false);
    expect(keyMatcher("forest", insensitive)("no trees")).toBe(false);
  });
});
