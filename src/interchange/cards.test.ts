import { describe, expect, it } from "vitest";
import { AgentProfile } from "../contracts/agent.js";
import type { ExportFormat } from "../contracts/interchange.js";
import { b64, fixture, pngWithTexts, smallPng, utf8, zip } from "./cards.test-support.js";
import { cardTexts, readPngChunks } from "./png.js";
import { readAgentFile, writeAgentFile, type AgentFile, type CharacterFile } from "./index.js";

function character(file: AgentFile): CharacterFile {
  if (file.kind !== "character") throw new Error(`expected a character, got ${file.kind}`);
  return file;
}

async function read(bytes: Uint8Array, filename: string): Promise<CharacterFile> {
  return character(await readAgentFile({ bytes, filename }));
}

/** Export in a format and import the result: the agent must come back as it was. */
async function roundTrip(file: CharacterFile, format: Exclude<ExportFormat, "bundle">): Promise<CharacterFile> {
  const written = await writeAgentFile({ format, profile: AgentProfile.parse(file.profile), lorebook: file.lorebook, avatar: file.avatar });
  return read(written.bytes, `agent.${written.extension}`);
}

describe("Seraphina.png (V2 PNG card with a character book)", async () => {
  const seraphina = await read(fixture("Seraphina.png"), "Seraphina.png");

  it("maps the card onto the profile and its book onto a lorebook", () => {
    expect(seraphina.format).toBe("card-v2");
    expect(seraphina.warnings).toEqual([]);
    const { profile, lorebook } = seraphina;
    expect(profile.name).toBe("Seraphina");
    expect(profile.description).toMatch(/^\[Seraphina's Personality=/);
    expect(profile.greetings).toHaveLength(1);
    expect(profile.greetings[0]).toMatch(/^\*You wake with a start/);
    expect(profile.card).toEqual({
      creator: "OtisAlejandro",
      creatorNotes: "ST Default Bot contest winner: roleplay bots category",
      characterVersion: "1.0.0",
      tags: [],
      extensions: { talkativeness: "0.5", fav: false, world: "Eldoria" },
      extra: {},
    });
    expect(lorebook?.name).toBe("Eldoria");
    expect(lorebook?.entries.map((entry) => entry.id)).toEqual(["0", "1", "2", "3"]);
    expect(lorebook?.entries[0]).toMatchObject({
      keys: ["eldoria", "wood", "forest", "magical forest"],
      position: "before-persona",
      insertionOrder: 100,
      enabled: true,
      extensions: { position: 0, probability: null, useProbability: false },
    });
    expect(lorebook?.entries[1]?.content).toMatch(/^\{\{user\}\}: "What are Shadowfangs\?"/);
  });

  it("takes the PNG without its card chunks as the avatar", () => {
    expect(seraphina.avatar?.mime).toBe("image/png");
    const chunks = readPngChunks(seraphina.avatar!.bytes, "avatar");
    expect(cardTexts(chunks).size).toBe(0);
    expect(chunks.map((chunk) => chunk.name)).toEqual(["IHDR", "IDAT", "IEND"]);
  });

  it.each(["card-v3-png", "card-v3-json", "card-v2-json", "charx"] as const)("comes back whole through %s", async (format) => {
    const again = await roundTrip(seraphina, format);
    expect(again.profile).toEqual(seraphina.profile);
    expect(again.lorebook).toEqual(seraphina.lorebook);
    expect(again.profile.card?.extensions).toEqual({ talkativeness: "0.5", fav: false, world: "Eldoria" });
    if (format === "card-v3-png" || format === "charx") expect(again.avatar).toEqual(seraphina.avatar);
  });

  it("writes both chunks to the PNG: ccv3 (V3) and chara (V2)", async () => {
    const written = await writeAgentFile({ format: "card-v3-png", profile: AgentProfile.parse(seraphina.profile), lorebook: seraphina.lorebook, avatar: seraphina.avatar });
    const texts = cardTexts(readPngChunks(written.bytes, "out.png"));
    const v2 = JSON.parse(Buffer.from(texts.get("chara")!, "base64").toString("utf8"));
    const v3 = JSON.parse(Buffer.from(texts.get("ccv3")!, "base64").toString("utf8"));
    expect(v2).toMatchObject({ spec: "chara_card_v2", spec_version: "2.0" });
    expect(v3).toMatchObject({ spec: "chara_card_v3", spec_version: "3.0" });
    expect(v2.data.assets).toBeUndefined();
    expect(v3.data.assets).toEqual([{ type: "icon", uri: "ccdefault:", name: "main", ext: "png" }]);
    expect(v2.data.extensions).toMatchObject({ talkativeness: "0.5", fav: false, world: "Eldoria", atelier: { version: 1 } });
    expect(v2.data.character_book.entries[0]).toMatchObject({ id: 0, keys: ["eldoria", "wood", "forest", "magical forest"], position: "before_char" });
  });
});

describe("FluxTheCat.png (V2 PNG card with post-history instructions)", async () => {
  const flux = await read(fixture("FluxTheCat.png"), "FluxTheCat.png");

  it("keeps post_history_instructions, scenario and personality", async () => {
    expect(flux.profile.name).toBe("Flux the Cat");
    expect(flux.profile.postHistoryInstructions).toMatch(/^\[System note: Please follow these steps:/);
    expect(flux.profile.scenario).toMatch(/^\{\{char\}\} is the new cat and owned by \{\{user\}\}/);
    expect(flux.profile.personality).toBe("Cool, Impulsive, Wary, Quick-Witted, Curious, Smart");
    expect(flux.lorebook).toBeNull();
    const again = await roundTrip(flux, "card-v3-png");
    expect(again.profile).toEqual(flux.profile);
    expect(again.lorebook).toBeNull();
  });
});

describe("PNG chunks", () => {
  const card = (name: string, spec: "chara_card_v2" | "chara_card_v3") =>
    ({ spec, spec_version: spec === "chara_card_v3" ? "3.0" : "2.0", data: { name, description: `I am ${name}` } });

  it("prefers ccv3 over chara when both are there", async () => {
    const bytes = pngWithTexts([["chara", b64(card("Old Name", "chara_card_v2"))], ["ccv3", b64(card("New Name", "chara_card_v3"))]]);
    const file = await read(bytes, "both.png");
    expect(file.format).toBe("card-v3");
    expect(file.profile.name).toBe("New Name");
  });

  it("falls back to chara when ccv3 is damaged, and says so", async () => {
    const bytes = pngWithTexts([["ccv3", "%%% not base64 %%%"], ["chara", b64(card("Old Name", "chara_card_v2"))]]);
    const file = await read(bytes, "damaged.png");
    expect(file.profile.name).toBe("Old Name");
    expect(file.warnings[0]).toMatch(/ccv3.*not valid base64/);
  });

  it("replaces old card chunks on export and keeps the picture's other chunks", async () => {
    const avatar = pngWithTexts([["chara", b64(card("Stale", "chara_card_v2"))], ["Software", "paint"]]);
    const profile = AgentProfile.parse({ name: "Fresh" });
    const written = await writeAgentFile({ format: "card-v3-png", profile, lorebook: null, avatar: { mime: "image/png", bytes: avatar } });
    const chunks = readPngChunks(written.bytes, "out.png");
    expect(chunks.filter((chunk) => chunk.name === "tEXt")).toHaveLength(3);
    expect(chunks.at(-1)?.name).toBe("IEND");
    expect((await read(written.bytes, "out.png")).profile.name).toBe("Fresh");
  });

  it("draws a placeholder when the avatar is not a PNG", async () => {
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]);
    const profile = AgentProfile.parse({ name: "No Picture" });
    const written = await writeAgentFile({ format: "card-v3-png", profile, lorebook: null, avatar: { mime: "image/jpeg", bytes: jpeg } });
    const file = await read(written.bytes, "out.png");
    expect(file.profile.name).toBe("No Picture");
    const header = readPngChunks(file.avatar!.bytes, "avatar")[0]!.data;
    expect([Buffer.from(header).readUInt32BE(0), Buffer.from(header).readUInt32BE(4)]).toEqual([400, 600]);
  });
});

/** A V3 card as a V3 app would write it: every V3 field, a regex lorebook entry, assets, foreign extensions. */
function v3Card(icon: { uri: string; ext: string }) {
  return {
    spec: "chara_card_v3",
    spec_version: "3.0",
    data: {
      name: "Captain Vey",
      nickname: "Vey",
      description: "A sky pirate with a soft spot for {{user}}.",
      personality: "bold, loyal",
      scenario: "{{user}} stowed away on the airship.",
      first_mes: "Well, well. A stowaway.",
      alternate_greetings: ["Oi! Who let you aboard?", "  "],
      group_only_greetings: ["Ahoy, crew."],
      mes_example: [
        "<START>",
        "{{user}}: Where are we headed?",
        "{{char}}: *She grins.*",
        "Somewhere with treasure.",
        "<START>",
        "{{char}}: Nobody asked me anything here.",
        "<START>",
        "{{user}}: Can I steer?",
        "Captain Vey: Over my dead body.",
      ].join("\r\n"),
      creator_notes: "Works best with long replies.",
      creator_notes_multilingual: { fr: "Fonctionne mieux avec de longues réponses." },
      system_prompt: "Stay in character as {{char}}.",
      post_history_instructions: "Keep replies under 200 words.",
      tags: ["pirate", "adventure"],
      creator: "vey-fan",
      character_version: 3,
      source: ["https://example.com/vey"],
      creation_date: 1_700_000_000,
      modification_date: 1_700_000_100,
      assets: [
        { type: "icon", uri: icon.uri, name: "main", ext: icon.ext },
        { type: "background", uri: "https://example.com/deck.jpg", name: "deck", ext: "jpg" },
        { type: "emotion", uri: "embeded://assets/emotion/image/angry.png", name: "angry", ext: "png" },
      ],
      extensions: {
        depth_prompt: { prompt: "Vey is tired.", depth: 4 },
        atelier: { version: 1, tagline: "Sky pirate", traits: ["bold"], interests: ["treasure"], tone: "salty", openers: ["Where to?"], avoidTopics: [], model: { temperature: 0.5, maxTokens: 300 } },
      },
      character_book: {
        name: "The Skyways",
        scan_depth: 6,
        token_budget: 800,
        recursive_scanning: true,
        extensions: { source_app: "test" },
        entries: [
          { id: 7, keys: ["/sky ?ship/i"], content: "The airship is called the Gull.", use_regex: true, enabled: true, insertion_order: 5, priority: 3, position: "after_char", extensions: { selectiveLogic: 2, custom: "kept" }, selective: true, secondary_keys: ["storm"] },
          { keys: ["Gull"], content: "The Gull has brass wings.", case_sensitive: true, name: "wings", constant: true },
        ],
      },
      future_field: { kept: true },
    },
  };
}

describe("V3 cards", () => {
  it("reads every V3 field into the profile, its card origin and its lorebook", async () => {
    const file = await read(utf8(v3Card({ uri: "https://example.com/vey.png", ext: "png" })), "vey.json");
    expect(file.format).toBe("card-v3");
    const { profile, lorebook } = file;
    expect(profile).toMatchObject({
      name: "Captain Vey",
      avatar: "https://example.com/vey.png",
      greetings: ["Well, well. A stowaway.", "Oi! Who let you aboard?"],
      instructions: "Stay in character as {{char}}.",
      postHistoryInstructions: "Keep replies under 200 words.",
      tagline: "Sky pirate",
      traits: ["bold"],
      model: { temperature: 0.5, maxTokens: 300 },
      exampleDialogues: [
        { user: "Where are we headed?", agent: "*She grins.*\nSomewhere with treasure." },
        { user: "Can I steer?", agent: "Over my dead body." },
      ],
    });
    expect(profile.card).toEqual({
      creator: "vey-fan",
      creatorNotes: "Works best with long replies.",
      characterVersion: "3",
      tags: ["pirate", "adventure"],
      extensions: { depth_prompt: { prompt: "Vey is tired.", depth: 4 } },
      extra: {
        nickname: "Vey",
        creator_notes_multilingual: { fr: "Fonctionne mieux avec de longues réponses." },
        source: ["https://example.com/vey"],
        group_only_greetings: ["Ahoy, crew."],
        creation_date: 1_700_000_000,
        modification_date: 1_700_000_100,
        assets: [{ type: "background", uri: "https://example.com/deck.jpg", name: "deck", ext: "jpg" }],
        future_field: { kept: true },
      },
    });
    expect(file.warnings.join("\n")).toMatch(/1 example dialogue block had no/);
    expect(file.warnings.join("\n")).toMatch(/embedded asset \(emotion "angry"\) was not imported/);
    expect(lorebook).toMatchObject({ name: "The Skyways", scanDepth: 6, tokenBudget: 800, recursiveScanning: true, extensions: { source_app: "test" } });
    expect(lorebook?.entries[0]).toMatchObject({
      id: "7", keys: ["/sky ?ship/i"], useRegex: true, selective: true, secondaryKeys: ["storm"], secondaryLogic: "not-any",
      insertionOrder: 5, priority: 3, position: "after-persona", extensions: { custom: "kept" },
    });
    expect(lorebook?.entries[1]).toMatchObject({ id: "0", name: "wings", caseSensitive: true, constant: true, useRegex: false });
  });

  it.each(["card-v3-json", "card-v3-png", "charx"] as const)("comes back whole through %s", async (format) => {
    const file = await read(utf8(v3Card({ uri: "https://example.com/vey.png", ext: "png" })), "vey.json");
    const again = await roundTrip(file, format);
    expect(again.lorebook).toEqual(file.lorebook);
    // A PNG card is its own picture, so the linked avatar gives way to the exported image there.
    expect(again.profile).toEqual(format === "card-v3-png" ? { ...file.profile, avatar: "" } : file.profile);
  });

  it("keeps V2-compatible data and drops V3-only fields in a V2 export", async () => {
    const file = await read(utf8(v3Card({ uri: "ccdefault:", ext: "png" })), "vey.json");
    const written = await writeAgentFile({ format: "card-v2-json", profile: AgentProfile.parse(file.profile), lorebook: file.lorebook, avatar: null });
    const v2 = JSON.parse(Buffer.from(written.bytes).toString("utf8"));
    expect(v2.spec).toBe("chara_card_v2");
    for (const key of ["nickname", "assets", "group_only_greetings", "creation_date", "source"]) expect(v2.data[key]).toBeUndefined();
    expect(v2.data.future_field).toEqual({ kept: true });
    expect(v2.data.character_book.entries[1].id).toBe(0);
    expect(v2.data.mes_example).toBe("<START>\n{{user}}: Where are we headed?\n{{char}}: *She grins.*\nSomewhere with treasure.\n<START>\n{{user}}: Can I steer?\n{{char}}: Over my dead body.");
  });

  it("reads a CHARX zip and takes the avatar from its main icon (embedded:// or embeded://)", async () => {
    const icon = smallPng(90);
    for (const scheme of ["embeded", "embedded"]) {
      const card = v3Card({ uri: `${scheme}://assets/icon/image/main.png`, ext: "png" });
      const bytes = await zip({ "card.json": JSON.stringify(card), "assets/icon/image/main.png": icon, "assets/emotion/image/angry.png": icon });
      const file = await read(bytes, "vey.charx");
      expect(file.format).toBe("charx");
      expect(file.profile.name).toBe("Captain Vey");
      expect(file.profile.avatar).toBe("");
      expect(file.avatar).toEqual({ mime: "image/png", bytes: icon });
      expect(file.lorebook?.entries).toHaveLength(2);
      const again = await roundTrip(file, "charx");
      expect(again.avatar).toEqual(file.avatar);
      expect(again.profile).toEqual(file.profile);
    }
  });

  it("unpacks a data: URI avatar from a JSON card", async () => {
    const icon = smallPng(30);
    const file = await read(utf8(v3Card({ uri: `data:image/png;base64,${b64Bytes(icon)}`, ext: "png" })), "vey.json");
    expect(file.avatar).toEqual({ mime: "image/png", bytes: icon });
    expect(file.profile.avatar).toBe("");
    const again = await roundTrip(file, "card-v3-json");
    expect(again.avatar).toEqual(file.avatar);
  });
});

const b64Bytes = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

describe("V2 and V1 JSON cards", () => {
  it("reads a V2 JSON card", async () => {
    const card = {
      spec: "chara_card_v2", spec_version: "2.0",
      data: { name: "Mira", description: "A librarian.", first_mes: "Shh.", mes_example: "<START>\n{{user}}: Hi\n{{char}}: Hello.", tags: ["quiet"], system_prompt: null, extensions: {} },
    };
    const file = await read(utf8(card), "mira.json");
    expect(file).toMatchObject({ format: "card-v2", profile: { name: "Mira", greetings: ["Shh."], exampleDialogues: [{ user: "Hi", agent: "Hello." }], card: { tags: ["quiet"] } } });
    const again = await roundTrip(file, "card-v2-json");
    expect(again.profile).toEqual(file.profile);
  });

  it("reads the V1 top-level shape and keeps an http(s) avatar link", async () => {
    const file = await read(utf8({ name: "Old Timer", description: "From 2022.", first_mes: "Howdy.", personality: "grumpy", tags: "western, old", avatar: "https://example.com/old.png" }), "old.json");
    expect(file.format).toBe("card-v2");
    expect(file.profile).toMatchObject({ name: "Old Timer", greetings: ["Howdy."], personality: "grumpy", avatar: "https://example.com/old.png", card: { tags: ["western", "old"] } });
  });

  it("keeps the first 30 greetings and 50 example dialogues, with warnings", async () => {
    const greetings = Array.from({ length: 40 }, (_, index) => `Hello number ${index}`);
    const examples = Array.from({ length: 60 }, (_, index) => `<START>\n{{user}}: Q${index}\n{{char}}: A${index}`).join("\n");
    const file = await read(utf8({ spec: "chara_card_v2", data: { name: "Chatty", first_mes: "Hi", alternate_greetings: greetings, mes_example: examples } }), "chatty.json");
    expect(file.profile.greetings).toHaveLength(30);
    expect(file.profile.exampleDialogues).toHaveLength(50);
    expect(file.warnings).toEqual([expect.stringMatching(/^41 greetings: Atelier keeps the first 30/), expect.stringMatching(/^60 example dialogues: Atelier keeps the first 50/)]);
  });

  it("ignores an invalid Atelier extension with a warning and keeps the rest", async () => {
    const file = await read(utf8({ spec: "chara_card_v2", data: { name: "Odd", extensions: { atelier: { version: 9 }, other: 1 } } }), "odd.json");
    expect(file.profile.tagline).toBe("");
    expect(file.profile.card?.extensions).toEqual({ other: 1 });
    expect(file.warnings[0]).toMatch(/data\.extensions\.atelier.*not valid and were ignored/);
  });
});

describe("elizaOS characters", () => {
  const eliza = {
    name: "Trader Joe",
    username: "joe",
    system: "You are Trader Joe, a market commentator.",
    bio: ["Trades crypto since 2013.", "Hates leverage."],
    lore: ["Lost everything in 2018.", "Came back stronger."],
    knowledge: ["Bitcoin halves every four years.", { path: "docs/whitepaper.md" }, "Never trade what you cannot afford to lose."],
    messageExamples: [
      [
        { user: "{{user1}}", content: { text: "Should I buy now?" } },
        { user: "Trader Joe", content: { text: "Not financial advice." } },
        { user: "Trader Joe", content: { text: "But I would wait." } },
      ],
      [
        { name: "{{user1}}", content: { text: "Thoughts on ETH?" } },
        { name: "{{agentName}}", content: { text: "Solid." } },
      ],
      [{ user: "Trader Joe", content: { text: "Talking to myself." } }],
    ],
    postExamples: ["Markets are down. Breathe.", "HODL is not a strategy."],
    topics: ["crypto", "markets"],
    adjectives: ["blunt", "funny"],
    style: { all: ["short sentences"], chat: ["asks questions back"], post: ["uses no hashtags"] },
    plugins: ["@elizaos/plugin-solana"],
    clients: ["twitter"],
    settings: { secrets: {} },
    modelProvider: "openai",
  };

  it("maps bio, lore, knowledge, examples, posts, topics, adjectives and style", async () => {
    const file = await read(utf8(eliza), "joe.character.json");
    expect(file.format).toBe("eliza");
    expect(file.profile).toMatchObject({
      name: "Trader Joe",
      description: "Trades crypto since 2013.\nHates leverage.\n\nBackground:\n- Lost everything in 2018.\n- Came back stronger.",
      instructions: "You are Trader Joe, a market commentator.\n\nExamples of your posts:\n- Markets are down. Breathe.\n- HODL is not a strategy.",
      interests: ["crypto", "markets"],
      traits: ["blunt", "funny"],
      tone: "short sentences\nasks questions back",
      exampleDialogues: [
        { user: "Should I buy now?", agent: "Not financial advice.\nBut I would wait." },
        { user: "Thoughts on ETH?", agent: "Solid." },
      ],
      card: null,
    });
    expect(file.knowledge).toHaveLength(1);
    expect(file.knowledge[0]!.name).toBe("eliza-knowledge.md");
    const knowledge = new TextDecoder().decode(file.knowledge[0]!.content);
    expect(knowledge).toContain("Bitcoin halves every four years.\n\nNever trade what you cannot afford to lose.");
    const warnings = file.warnings.join("\n");
    expect(warnings).toMatch(/plugins, clients, settings, modelProvider/);
    expect(warnings).toMatch(/1 knowledge item pointing at files or folders/);
    expect(warnings).toMatch(/1 example message without a partner/);
  });

  it("accepts a bio given as one string", async () => {
    const file = await read(utf8({ name: "Ann", bio: "Just Ann." }), "ann.json");
    expect(file.profile.description).toBe("Just Ann.");
  });
});
