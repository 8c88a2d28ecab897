import { z } from "zod";
import { AgentProfile, type AgentProfileInput, type CardOrigin } from "../contracts/agent.js";
import type { LorebookContent } from "../contracts/lorebook.js";
import { MAPPED_FIELDS, V3_ONLY_FIELDS, type CardAsset, type CardData } from "./card-schema.js";
import { readCharacterBook, writeCharacterBook } from "./character-book.js";
import { checkLength, describeIssues, keepFirst, type ReadContext } from "./common.js";
import { parseMesExample, writeMesExample } from "./examples.js";

/** Atelier's own fields, kept in a card under `data.extensions.atelier` so an export comes back whole. */
const AtelierExtension = AgentProfile.pick({
  tagline: true, traits: true, interests: true, tone: true, openers: true, avoidTopics: true, model: true,
}).extend({ version: z.literal(1) });

export type ProfileWithoutHandle = Omit<AgentProfile, "handle">;

/** Where the card says its picture is; the caller resolves it for its container (PNG, CHARX, JSON). */
export type IconRef = { uri: string } | null;

export type MappedCard = { profile: ProfileWithoutHandle; lorebook: LorebookContent | null; icon: IconRef };

const isMainIcon = (asset: CardAsset) => asset.type === "icon" && asset.name === "main";
const isEmbedded = (uri: string) => /^embedd?ed:\/\//i.test(uri);

/** A card's `data` (V2 or V3) as an Atelier profile and lorebook. */
export function cardToProfile(data: CardData, context: ReadContext): MappedCard {
  const { warnings } = context;
  const name = checkLength(context, "data.name", data.name, 80);
  if (name === "") throw context.fail("its name (data.name) is empty");
  const text = (field: string, value: string, max: number) => checkLength(context, field, value, max);

  const greetingTexts = [data.first_mes, ...data.alternate_greetings].map((greeting) => greeting.trim()).filter(Boolean);
  const greetings = keepFirst(greetingTexts, 30, warnings, "greetings").map((greeting, index) =>
    text(index === 0 ? "first_mes" : `alternate_greetings[${index - 1}]`, greeting, 8_000));
  const exampleDialogues = keepFirst(parseMesExample(data.mes_example, name, warnings), 50, warnings, "example dialogues");

  const { atelier, ...extensions } = data.extensions;
  let own: Partial<z.infer<typeof AtelierExtension>> = {};
  if (atelier !== undefined) {
    const parsed = AtelierExtension.safeParse(atelier);
    if (parsed.success) own = parsed.data;
    else warnings.push(`The card's Atelier fields (data.extensions.atelier) were not valid and were ignored: ${describeIssues(parsed.error, "data.extensions.atelier")}.`);
  }
  const { version: _version, ...ownFields } = own;

  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (!MAPPED_FIELDS.has(key) && value !== undefined) extra[key] = value;
  }
  for (const key of V3_ONLY_FIELDS) {
    const value = data[key];
    if (value === null || value === undefined || key === "assets") continue;
    if (Array.isArray(value) && value.length === 0) continue;
    extra[key] = value;
  }
  const assets = data.assets ?? [];
  const icon = assets.find(isMainIcon) ?? assets.find((asset) => asset.type === "icon");
  const others = assets.filter((asset) => asset !== icon);
  const embedded = others.filter((asset) => isEmbedded(asset.uri));
  if (embedded.length > 0) {
    warnings.push(`${embedded.length} embedded asset${embedded.length === 1 ? "" : "s"} (${embedded.map((asset) => `${asset.type} "${asset.name}"`).slice(0, 5).join(", ")}) ${embedded.length === 1 ? "was" : "were"} not imported: Atelier keeps only the avatar.`);
  }
  const kept = others.filter((asset) => !isEmbedded(asset.uri));
  if (kept.length > 0) extra.assets = kept;

  const card: CardOrigin = {
    creator: text("data.creator", data.creator, 500),
    creatorNotes: text("data.creator_notes", data.creator_notes, 20_000),
    characterVersion: text("data.character_version", data.character_version, 100),
    tags: keepFirst(data.tags.map((tag) => tag.trim()).filter(Boolean), 100, warnings, "tags").map((tag, index) => text(`data.tags[${index}]`, tag, 100)),
    extensions,
    extra,
  };
  const input: AgentProfileInput = {
    ...ownFields,
    name,
    description: text("description", data.description, 16_000),
    personality: text("personality", data.personality, 8_000),
    scenario: text("scenario", data.scenario, 8_000),
    instructions: text("system_prompt", data.system_prompt, 16_000),
    postHistoryInstructions: text("post_history_instructions", data.post_history_instructions, 4_000),
    greetings,
    exampleDialogues,
    card,
  };
  const lorebook = data.character_book ? readCharacterBook(data.character_book, context, "data.character_book") : null;
  return { profile: finishProfile(input, context), lorebook, icon: icon ? { uri: icon.uri } : null };
}

/** The profile must be one Atelier can store; checked here so a bad card fails before anything is created. */
export function finishProfile(input: AgentProfileInput, context: ReadContext): ProfileWithoutHandle {
  const parsed = AgentProfile.safeParse({ ...input, handle: undefined });
  if (!parsed.success) throw context.fail(`it does not fit an Atelier profile: ${describeIssues(parsed.error)}`);
  const { handle: _handle, ...profile } = parsed.data;
  return profile;
}

/**
 * An Atelier profile as a card. V2 is the V3 data without the V3-only fields; unknown `extra` keys
 * and every foreign extension key go back as they came.
 */
export function profileToCard(input: {
  profile: AgentProfile; lorebook: LorebookContent | null; version: 2 | 3; icon: CardAsset | null;
}): Record<string, unknown> {
  const { profile, lorebook, version } = input;
  const card = profile.card;
  const extra: Record<string, unknown> = { ...card?.extra };
  const v3Fields: Record<string, unknown> = {};
  for (const key of V3_ONLY_FIELDS) {
    if (key in extra) v3Fields[key] = extra[key];
    delete extra[key];
  }
  const keptAssets = Array.isArray(v3Fields.assets) ? (v3Fields.assets as unknown[]) : [];
  const atelier: z.input<typeof AtelierExtension> = {
    version: 1,
    tagline: profile.tagline,
    traits: profile.traits,
    interests: profile.interests,
    tone: profile.tone,
    openers: profile.openers,
    avoidTopics: profile.avoidTopics,
    model: profile.model,
  };
  const data: Record<string, unknown> = {
    ...extra,
    name: profile.name,
    description: profile.description,
    personality: profile.personality,
    scenario: profile.scenario,
    first_mes: profile.greetings[0] ?? "",
    mes_example: writeMesExample(profile.exampleDialogues),
    creator_notes: card?.creatorNotes ?? "",
    system_prompt: profile.instructions,
    post_history_instructions: profile.postHistoryInstructions,
    alternate_greetings: profile.greetings.slice(1),
    tags: card?.tags ?? [],
    creator: card?.creator ?? "",
    character_version: card?.characterVersion ?? "",
    extensions: { ...card?.extensions, atelier },
    ...(lorebook ? { character_book: writeCharacterBook(lorebook, version) } : {}),
  };
  if (version === 2) return { spec: "chara_card_v2", spec_version: "2.0", data };
  return {
    spec: "chara_card_v3",
    spec_version: "3.0",
    data: {
      ...data,
      ...v3Fields,
      group_only_greetings: v3Fields.group_only_greetings ?? [],
      assets: [...(input.icon ? [input.icon] : []), ...keptAssets],
    },
  };
}
