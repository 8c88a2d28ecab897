import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AgentProfile } from "../contracts/agent.js";
import { LorebookContent } from "../contracts/lorebook.js";
import { expectRefusal, fixture, smallPng, utf8 } from "./cards.test-support.js";
import { AgentBundle, readAgentFile, readLorebookFile, writeBundle, writeWorldInfo, type AgentBundleInput } from "./index.js";

const eldoria = () => JSON.parse(new TextDecoder().decode(fixture("Eldoria.json"))) as unknown;

describe("SillyTavern World Info", () => {
  it("reads Eldoria.json", () => {
    const { content, format, warnings } = readLorebookFile(eldoria());
    expect(format).toBe("world-info");
    expect(warnings).toEqual([]);
    expect(content.entries).toHaveLength(4);
    expect(content.entries[1]).toMatchObject({
      id: "1", keys: ["shadowfang", "beast", "monster", "monsters", "beasts"], position: "before-persona", enabled: true,
      constant: false, selective: false, insertionOrder: 100, extensions: {},
    });
    expect(content.entries[0]!.content).toMatch(/^\{\{user\}\}: "What is Eldoria\?"/);
  });

  it("comes back whole through writeWorldInfo, settings included", () => {
    const first = readLorebookFile(eldoria()).content;
    const edited = LorebookContent.parse({ ...first, name: "Eldoria", scanDepth: 9, caseSensitive: true, matchWholeWords: false });
    const written = writeWorldInfo(edited) as { entries: Record<string, Record<string, unknown>> };
    expect(written.entries["0"]).toMatchObject({ uid: 0, key: ["eldoria", "wood", "forest", "magical forest"], position: 0, disable: false, order: 100 });
    expect(readLorebookFile(JSON.parse(JSON.stringify(written))).content).toEqual(edited);
  });

  it("maps selectiveLogic, keeps unknown keys and SillyTavern-only positions", () => {
    const { content, warnings } = readLorebookFile({
      entries: {
        "5": { uid: 5, key: ["king"], keysecondary: ["crown"], comment: "Royals", content: "The king is old.", selective: true, selectiveLogic: 3, position: 4, depth: 2, probability: 80, group: "court", caseSensitive: true, matchWholeWords: false, scanDepth: 3 },
        "6": { key: "queen, throne", content: "The queen rules.", disable: true },
      },
    });
    expect(warnings).toEqual([expect.stringMatching(/entry 5 is placed at SillyTavern position 4.*goes after the persona/)]);
    expect(content.entries[0]).toMatchObject({
      id: "5", name: "Royals", secondaryLogic: "and-all", position: "after-persona", caseSensitive: true, matchWholeWords: false, scanDepth: 3,
      extensions: { depth: 2, probability: 80, group: "court", position: 4 },
    });
    expect(content.entries[1]).toMatchObject({ id: "6", keys: ["queen", "throne"], enabled: false });
    const written = writeWorldInfo(content) as { entries: Record<string, Record<string, unknown>> };
    expect(written.entries["5"]).toMatchObject({ position: 4, depth: 2, group: "court", selectiveLogic: 3 });
    // Moved before the persona by the owner: the SillyTavern position follows.
    const moved = LorebookContent.parse({ ...content, entries: [{ ...content.entries[0]!, position: "before-persona" }] });
    expect((writeWorldInfo(moved) as { entries: Record<string, Record<string, unknown>> }).entries["5"]!.position).toBe(0);
  });

  it("reads a bare character_book and a card's book", async () => {
    const seraphina = await readAgentFile({ bytes: fixture("Seraphina.png"), filename: "Seraphina.png" });
    if (seraphina.kind !== "character") throw new Error("expected a character");
    const book = { name: "Mini", entries: [{ id: 1, keys: ["a"], content: "A.", extensions: { selectiveLogic: 1 }, selective: true, secondary_keys: ["b"] }] };
    const bare = readLorebookFile(book);
    expect(bare.format).toBe("character-book");
    expect(bare.content.entries[0]).toMatchObject({ id: "1", secondaryLogic: "not-all", extensions: {} });
    const fromCard = readLorebookFile({ spec: "chara_card_v2", data: { name: "X", character_book: book } });
    expect(fromCard.content).toEqual(bare.content);
    expect(seraphina.lorebook?.entries.map((entry) => entry.keys[0])).toEqual(readLorebookFile(eldoria()).content.entries.map((entry) => entry.keys[0]));
  });

  it("refuses what is not a lorebook", () => {
    expect(() => readLorebookFile([1, 2])).toThrow(/The file is not a lorebook: it is not a JSON object/);
    expect(() => readLorebookFile({ name: "x" })).toThrow(/it has no entries/);
    expect(() => readLorebookFile({ spec: "chara_card_v2", data: { name: "X" } })).toThrow(/the card has no character_book/);
    expect(() => readLorebookFile({ entries: { "0": { key: ["a"], content: 5 } } })).toThrow(/JSON at entries\.0\.content: expected text/);
  });
});

describe("Atelier bundles", () => {
  const icon = smallPng(120);
  const sha = createHash("sha256").update(icon).digest("hex");
  const bundle = (): AgentBundleInput => ({
    format: "atelier.agent-bundle",
    version: 1,
    exportedAt: "2025-01-01T00:00:00.000Z",
    agent: { handle: "vey" },
    versions: [
      { version: 1, createdAt: "2025-01-01T00:00:00.000Z", profile: AgentProfile.parse({ name: "Vey" }) },
      { version: 2, createdAt: "2025-01-02T00:00:00.000Z", profile: AgentProfile.parse({ name: "Vey", avatar: `/media/${sha}.png` }) },
    ],
    lorebook: LorebookContent.parse({ entries: [{ id: "lor_1", keys: ["ship"], content: "The Gull." }] }),
    knowledge: [{ name: "notes.md", title: "Notes", format: "markdown", origin: "upload", url: null, contentBase64: Buffer.from("# Notes").toString("base64") }],
    media: [{ sha256: sha, mime: "image/png", base64: Buffer.from(icon).toString("base64") }],
  });

  it("round trips through writeBundle and readAgentFile", async () => {
    const parsed = AgentBundle.parse(bundle());
    const file = await readAgentFile({ bytes: writeBundle(parsed), filename: "vey.atelier.json" });
    expect(file).toEqual({ kind: "bundle", bundle: parsed, warnings: [] });
  });

  it("refuses a bundle whose media does not match its sha256", async () => {
    const damaged = bundle();
    damaged.media[0]!.base64 = Buffer.from(smallPng(1)).toString("base64");
    await expectRefusal(readAgentFile({ bytes: utf8(damaged), filename: "vey.json" }), "document_unreadable", /vey\.json is not a valid Atelier bundle: JSON at media\[0\]\.sha256: does not match the image's bytes/);
  });

  it("refuses versions out of order, invalid profiles and invalid base64", async () => {
    const unordered = bundle();
    unordered.versions.reverse();
    await expectRefusal(readAgentFile({ bytes: utf8(unordered), filename: "b.json" }), "document_unreadable", /versions\[1\]\.version: versions must be in increasing order/);
    const badProfile = bundle() as { versions: Array<{ profile: unknown }> };
    badProfile.versions[0]!.profile = { name: "" };
    await expectRefusal(readAgentFile({ bytes: utf8(badProfile), filename: "b.json" }), "document_unreadable", /versions\[0\]\.profile\.name/);
    const badKnowledge = bundle();
    badKnowledge.knowledge[0]!.contentBase64 = "***";
    await expectRefusal(readAgentFile({ bytes: utf8(badKnowledge), filename: "b.json" }), "document_unreadable", /knowledge\[0\]\.contentBase64: is not valid base64/);
  });
});
