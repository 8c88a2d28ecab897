import { z } from "zod";

const key = z.string().min(1).max(500);
const keys = z.array(key).max(200);

/** How an entry's secondary keys combine with its primary keys when the entry is selective. */
export const SecondaryLogic = z.enum(["and-any", "and-all", "not-any", "not-all"]);
export type SecondaryLogic = z.infer<typeof SecondaryLogic>;

/** Where triggered text goes: before the agent's persona or after it (a card's before_char/after_char). */
export const LorePosition = z.enum(["before-persona", "after-persona"]);
export type LorePosition = z.infer<typeof LorePosition>;

export const LorebookEntry = z.object({
  /** Stable within the lorebook; "lor_…" for entries made here, the card's id (as text) for imported ones. */
  id: z.string().min(1).max(100),
  /** What the owner calls it (a card's `comment`/`name`). */
  name: z.string().trim().max(500).default(""),
  keys: keys.default([]),
  secondaryKeys: keys.default([]),
  /** When true, secondaryKeys must also match, combined by secondaryLogic. */
  selective: z.boolean().default(false),
  secondaryLogic: SecondaryLogic.default("and-any"),
  content: z.string().max(20_000),
  enabled: z.boolean().default(true),
  /** Always inserted, triggered or not (still within the token budget, ahead of triggered ones). */
  constant: z.boolean().default(false),
  /** Keys are regular expressions (also: a key written as /pattern/flags is one, as in SillyTavern). */
  useRegex: z.boolean().default(false),
  /** null: the lorebook's setting. */
  caseSensitive: z.boolean().nullable().default(null),
  matchWholeWords: z.boolean().nullable().default(null),
  /** Messages scanned for keys, counting back from the latest; null: the lorebook's scanDepth. */
  scanDepth: z.number().int().min(0).max(1_000).nullable().default(null),
  /** Lower comes first in the prompt. */
  insertionOrder: z.number().int().min(-1_000_000).max(1_000_000).default(100),
  /** When the token budget cannot hold every triggered entry, lower priorities are left out first. */
  priority: z.number().int().min(-1_000_000).max(1_000_000).default(10),
  position: LorePosition.default("after-persona"),
  /** Keys of the source format Atelier does not use, kept for a round trip. */
  extensions: z.record(z.string(), z.unknown()).default({}),
});
export type LorebookEntry = z.infer<typeof LorebookEntry>;
export type LorebookEntryInput = z.input<typeof LorebookEntry>;

export const LOREBOOK_MAX_ENTRIES = 2_000;

/** World info attached to an agent: keyword-triggered entries inserted into the prompt. Not versioned. */
export const LorebookContent = z.object({
  name: z.string().trim().max(200).default(""),
  description: z.string().trim().max(4_000).default(""),
  /** Messages scanned for keys, counting back from the latest (the latest alone: 1). */
  scanDepth: z.number().int().min(1).max(1_000).default(4),
  /** Most tokens the inserted entries may take; also capped at a quarter of the model's context. */
  tokenBudget: z.number().int().min(16).max(32_768).default(512),
  /** Triggered entries' text is scanned too, so one entry can trigger another. */
  recursiveScanning: z.boolean().default(false),
  caseSensitive: z.boolean().default(false),
  matchWholeWords: z.boolean().default(true),
  entries: z.array(LorebookEntry).max(LOREBOOK_MAX_ENTRIES).default([]),
  /** Book-level keys of the source format, kept for a round trip. */
  extensions: z.record(z.string(), z.unknown()).default({}),
}).superRefine((book, context) => {
  const seen = new Set<string>();
  for (const [index, entry] of book.entries.entries()) {
    if (seen.has(entry.id)) context.addIssue({ code: "custom", path: ["entries", index, "id"], message: `entry id "${entry.id}" is used twice` });
    seen.add(entry.id);
  }
});
export type LorebookContent = z.infer<typeof LorebookContent>;
export type LorebookContentInput = z.input<typeof LorebookContent>;

export const Lorebook = z.object({
  agentId: z.string(),
  /** Goes up by one on every change; PUT with `expectedRevision` refuses a stale edit (409). */
  revision: z.number().int().min(0),
  updatedAt: z.string().nullable(),
}).and(LorebookContent);
export type Lorebook = z.infer<typeof Lorebook>;

/** Replace the whole lorebook (the studio saves it as one document). */
export const PutLorebook = z.object({
  lorebook: LorebookContent,
  expectedRevision: z.number().int().min(0).optional(),
}).strict();
export type PutLorebook = z.infer<typeof PutLorebook>;

/** Which entries a message would trigger, without talking to the model. */
export const LorebookTest = z.object({
  /** Recent messages, oldest first; the last is the one being answered. */
  messages: z.array(z.string().max(32_000)).min(1).max(50),
}).strict();
export type LorebookTest = z.infer<typeof LorebookTest>;

export const TriggeredEntry = z.object({
  entryId: z.string(),
  name: z.string(),
  /** "constant", or the key that matched (the primary key; the secondary one too when selective). */
  reason: z.string(),
  tokens: z.number().int().min(0),
  /** Triggered but left out: the token budget was spent on higher-priority entries. */
  leftOut: z.boolean(),
});
export type TriggeredEntry = z.infer<typeof TriggeredEntry>;
export const LorebookTestResult = z.object({
  entries: z.array(TriggeredEntry),
  tokens: z.number().int().min(0),
  budget: z.number().int().min(0),
  /** What keeps entries from triggering as meant, in words (a key that is not a valid regular expression). */
  warnings: z.array(z.string()).default([]),
});
export type LorebookTestResult = z.infer<typeof LorebookTestResult>;
