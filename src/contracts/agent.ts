import { z } from "zod";

export const EngineKind = z.enum(["llama-cpp", "openai-compatible"]);
export type EngineKind = z.infer<typeof EngineKind>;

const modelFields = {
  engine: EngineKind.optional().describe("Engine to use; defaults to the instance's engine."),
  model: z.string().trim().min(1).max(500).optional()
    .describe("GGUF path, hf: URI, or the upstream model name; defaults to the instance's model."),
  temperature: z.number().min(0).max(2),
  topP: z.number().gt(0).max(1).optional(),
  maxTokens: z.number().int().min(1).max(32_768),
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
};

/** Which model answers and how it samples. Unset engine and model fall back to the instance configuration. */
export const ModelSettings = z.object({
  ...modelFields,
  temperature: modelFields.temperature.default(0.8),
  maxTokens: modelFields.maxTokens.default(512),
});
export type ModelSettings = z.infer<typeof ModelSettings>;

/**
 * A change to model settings: only the fields given change (no defaults fill the rest). null clears
 * an optional setting: engine and model go back to the instance's, topP and seed to the engine's.
 */
export const ModelSettingsPatch = z.object({
  engine: modelFields.engine.unwrap().nullable(),
  model: modelFields.model.unwrap().nullable(),
  temperature: modelFields.temperature,
  topP: modelFields.topP.unwrap().nullable(),
  maxTokens: modelFields.maxTokens,
  seed: modelFields.seed.unwrap().nullable(),
}).partial().strict();
export type ModelSettingsPatch = z.infer<typeof ModelSettingsPatch>;

export const ExampleDialogue = z.object({
  user: z.string().trim().min(1).max(8_000),
  agent: z.string().trim().min(1).max(8_000),
});
export type ExampleDialogue = z.infer<typeof ExampleDialogue>;

/** Room for real character cards, whose descriptions and greetings run to thousands of characters. */
const DESCRIPTION_MAX = 16_000;
const INSTRUCTIONS_MAX = 16_000;
const GREETING_MAX = 8_000;

const shortText = (max: number) => z.string().trim().max(max);
const list = (itemMax: number, count: number) => z.array(z.string().trim().min(1).max(itemMax)).max(count);

/** private: the owner only; unlisted: anyone with the link; public: also listed in the directory. */
export const Visibility = z.enum(["private", "unlisted", "public"]);
export type Visibility = z.infer<typeof Visibility>;

export const Handle = z.string().trim().toLowerCase()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, "use 1-40 lowercase letters, digits or dashes (not at the ends)");

/**
 * What a character card carried that Atelier does not use itself, kept so that exporting the agent
 * gives it back: the card's author, notes, version and tags, and every `extensions` key other than
 * Atelier's own (`extensions.atelier`), untouched.
 */
export const CardOrigin = z.object({
  creator: shortText(500).default(""),
  creatorNotes: shortText(20_000).default(""),
  characterVersion: shortText(100).default(""),
  tags: list(100, 100).default([]),
  /** The card's `data.extensions` without Atelier's key: opaque, returned as they came. */
  extensions: z.record(z.string(), z.unknown()).default({}),
  /** Character Card V3 fields Atelier has no place for (nickname, source, creation_date, …), as they came. */
  extra: z.record(z.string(), z.unknown()).default({}),
});
export type CardOrigin = z.infer<typeof CardOrigin>;

/** Everything an owner writes about their agent. Versioned as a whole. */
export const AgentProfile = z.object({
  name: z.string().trim().min(1, "give the agent a name").max(80),
  handle: Handle.optional().describe("URL-safe unique name; derived from the name when omitted."),
  tagline: shortText(160).default(""),
  avatar: z.string().trim().max(2_000).default("").describe("Image URL or data: URI."),
  description: shortText(DESCRIPTION_MAX).default(""),
  personality: shortText(8_000).default(""),
  /** The situation the conversation starts in (a character card's `scenario`). */
  scenario: shortText(8_000).default(""),
  traits: list(60, 30).default([]),
  interests: list(80, 30).default([]),
  tone: shortText(2_000).default("").describe("Tone and style of speech."),
  instructions: shortText(INSTRUCTIONS_MAX).default(""),
  /** Said after the conversation, right before the agent answers (a card's `post_history_instructions`). */
  postHistoryInstructions: shortText(4_000).default(""),
  /** The first is the conversation's opening message; the others are alternatives (a card's `alternate_greetings`). */
  greetings: list(GREETING_MAX, 30).default([]),
  /** Suggested first messages visitors can tap on the share page and in the widget. */
  openers: list(200, 6).default([]),
  exampleDialogues: z.array(ExampleDialogue).max(50).default([]),
  avoidTopics: list(200, 50).default([]),
  model: ModelSettings.default({ temperature: 0.8, maxTokens: 512 }),
  /** Set when the agent came from a character card: what the card held that Atelier keeps only to give back. */
  card: CardOrigin.nullable().default(null),
});
export type AgentProfile = z.infer<typeof AgentProfile>;
export type AgentProfileInput = z.input<typeof AgentProfile>;

/** A partial edit: any subset of the profile. Produces a new version. */
export const AgentPatch = z.object({
  name: AgentProfile.shape.name.optional(),
  handle: Handle.optional(),
  tagline: shortText(160).optional(),
  avatar: z.string().trim().max(2_000).optional(),
  description: shortText(DESCRIPTION_MAX).optional(),
  personality: shortText(8_000).optional(),
  scenario: shortText(8_000).optional(),
  traits: list(60, 30).optional(),
  interests: list(80, 30).optional(),
  tone: shortText(2_000).optional(),
  instructions: shortText(INSTRUCTIONS_MAX).optional(),
  postHistoryInstructions: shortText(4_000).optional(),
  greetings: list(GREETING_MAX, 30).optional(),
  openers: list(200, 6).optional(),
  exampleDialogues: z.array(ExampleDialogue).max(50).optional(),
  avoidTopics: list(200, 50).optional(),
  model: ModelSettingsPatch.optional(),
  card: CardOrigin.nullable().optional(),
}).strict();
export type AgentPatch = z.infer<typeof AgentPatch>;

export const Agent = AgentProfile.extend({
  id: z.string(),
  handle: Handle,
  version: z.number().int().min(1),
  /** The user who owns it; null only for agents made before accounts existed, until the first admin adopts them. */
  ownerId: z.string().nullable(),
  /** When visitors could first talk to it (share page, widget, API); null while private. */
  publishedAt: z.string().nullable(),
  visibility: Visibility,
  /**
   * The version visitors talk to, pinned when the owner publishes; editing makes new versions that
   * visitors do not see until the owner publishes again. Null while private.
   */
  publishedVersion: z.number().int().min(1).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Agent = z.infer<typeof Agent>;

/** What visitors see of a published agent: never its instructions, model settings or owner. */
export const PublicAgent = Agent.pick({
  id: true, handle: true, name: true, tagline: true, avatar: true, description: true, greetings: true, openers: true,
});
export type PublicAgent = z.infer<typeof PublicAgent>;

export const AgentVersionSummary = z.object({
  version: z.number().int().min(1),
  createdAt: z.string(),
  name: z.string(),
});
export type AgentVersionSummary = z.infer<typeof AgentVersionSummary>;
