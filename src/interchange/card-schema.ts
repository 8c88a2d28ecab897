import { z } from "zod";

/**
 * Character Card V2 / V3 as found in the wild: optional fields are often null or missing, so the
 * schemas accept both and read them as empty; a field of the wrong type (name: 5) refuses the card.
 * Objects are loose so unknown keys reach the mapping, which keeps them.
 */
const text = z.string().nullish().transform((value) => value ?? "");
const texts = z.array(z.string()).nullish().transform((value) => value ?? []);
/** Some tools write comma-separated text where the spec has a list (V1 `tags`, old lorebook `key`). */
const textsOrCsv = z
  .union([z.array(z.string()), z.string()])
  .nullish()
  .transform((value) => (typeof value === "string" ? value.split(",") : (value ?? [])).map((item) => item.trim()).filter(Boolean));
const record = z.record(z.string(), z.unknown());

export const CharacterBookEntry = z.looseObject({
  keys: textsOrCsv,
  content: z.string(),
  extensions: record.nullish().transform((value) => value ?? {}),
  enabled: z.boolean().nullish(),
  insertion_order: z.number().nullish(),
  case_sensitive: z.boolean().nullish(),
  /** V3. */
  use_regex: z.boolean().nullish(),
  constant: z.boolean().nullish(),
  name: z.string().nullish(),
  priority: z.number().nullish(),
  id: z.union([z.number(), z.string()]).nullish(),
  comment: z.string().nullish(),
  selective: z.boolean().nullish(),
  secondary_keys: textsOrCsv,
  position: z.union([z.string(), z.number()]).nullish(),
});
export type CharacterBookEntry = z.output<typeof CharacterBookEntry>;

export const CharacterBook = z.looseObject({
  name: text,
  description: text,
  scan_depth: z.number().nullish(),
  token_budget: z.number().nullish(),
  recursive_scanning: z.boolean().nullish(),
  extensions: record.nullish().transform((value) => value ?? {}),
  entries: z.array(CharacterBookEntry),
});
export type CharacterBook = z.output<typeof CharacterBook>;

export const CardAsset = z.looseObject({
  type: z.string(),
  uri: z.string(),
  name: z.string(),
  ext: z.string(),
});
export type CardAsset = z.output<typeof CardAsset>;

/** `data` of a V2 or V3 card; V3-only fields are optional so one schema reads both. */
export const CardData = z.looseObject({
  name: z.string(),
  description: text,
  personality: text,
  scenario: text,
  first_mes: text,
  mes_example: text,
  creator_notes: text,
  system_prompt: text,
  post_history_instructions: text,
  alternate_greetings: texts,
  character_book: CharacterBook.nullish(),
  tags: textsOrCsv,
  creator: text,
  character_version: z.union([z.string(), z.number()]).nullish().transform((value) => (value === null || value === undefined ? "" : String(value))),
  extensions: record.nullish().transform((value) => value ?? {}),
  // V3
  nickname: z.string().nullish(),
  creator_notes_multilingual: z.record(z.string(), z.string()).nullish(),
  source: z.array(z.string()).nullish(),
  group_only_greetings: z.array(z.string()).nullish(),
  creation_date: z.number().nullish(),
  modification_date: z.number().nullish(),
  assets: z.array(CardAsset).nullish(),
});
export type CardData = z.output<typeof CardData>;

export const V3_ONLY_FIELDS = [
  "nickname", "creator_notes_multilingual", "source", "group_only_greetings", "creation_date", "modification_date", "assets",
] as const;
/** Fields the mapping reads; every other `data` key is kept in `card.extra` as it came. */
export const MAPPED_FIELDS = new Set<string>([
  "name", "description", "personality", "scenario", "first_mes", "mes_example", "creator_notes", "system_prompt",
  "post_history_instructions", "alternate_greetings", "character_book", "tags", "creator", "character_version", "extensions",
  ...V3_ONLY_FIELDS,
]);

export const CardV2 = z.looseObject({
  spec: z.literal("chara_card_v2"),
  spec_version: z.string().nullish(),
  data: CardData,
});
export const CardV3 = z.looseObject({
  spec: z.literal("chara_card_v3"),
  spec_version: z.string().nullish(),
  data: CardData,
});

/**
 * The V1 ("top-level") shape older tools write, including Pygmalion's char_* names; read into
 * card data. SillyTavern's V2 cards repeat these at the top level too, but there `data` wins.
 */
export const CardV1 = z
  .looseObject({
    name: z.string().optional(),
    char_name: z.string().optional(),
    description: text,
    personality: text,
    char_persona: text,
    scenario: text,
    world_scenario: text,
    first_mes: text,
    char_greeting: text,
    mes_example: text,
    example_dialogue: text,
    creator_notes: text,
    creatorcomment: text,
    tags: textsOrCsv,
    creator: text,
  })
  .transform((card, context) => {
    const name = card.name ?? card.char_name;
    if (name === undefined) {
      context.addIssue({ code: "invalid_type", expected: "string", input: undefined, path: ["name"] });
      return z.NEVER;
    }
    return {
      name,
      description: card.description || card.char_persona,
      personality: card.personality,
      scenario: card.scenario || card.world_scenario,
      first_mes: card.first_mes || card.char_greeting,
      mes_example: card.mes_example || card.example_dialogue,
      creator_notes: card.creator_notes || card.creatorcomment,
      tags: card.tags,
      creator: card.creator,
    };
  });

export const V1_MARKERS = ["first_mes", "char_greeting", "char_persona", "mes_example", "personality", "scenario"];
