import { z } from "zod";
import { Agent } from "./agent.js";

/**
 * Files an agent can be exported as:
 * - card-v3-png: a PNG (the avatar) with both `ccv3` (V3) and `chara` (V2) tEXt chunks;
 * - card-v3-json / card-v2-json: the card alone;
 * - charx: a Character Card V3 CHARX zip (card.json and the avatar under assets/);
 * - bundle: an Atelier bundle (agent with every version, lorebook, knowledge sources, avatar) to
 *   move an agent between Atelier instances.
 */
export const ExportFormat = z.enum(["card-v3-png", "card-v3-json", "card-v2-json", "charx", "bundle"]);
export type ExportFormat = z.infer<typeof ExportFormat>;
export const ExportQuery = z.object({ format: ExportFormat.default("card-v3-png") });

/** What a file turned out to be when imported. */
export const ImportFormat = z.enum(["card-v2", "card-v3", "charx", "eliza", "bundle", "world-info"]);
export type ImportFormat = z.infer<typeof ImportFormat>;

export const ImportResult = z.object({
  agent: Agent,
  format: ImportFormat,
  lorebookEntries: z.number().int().min(0),
  knowledgeSources: z.number().int().min(0),
  /** Versions created (a bundle brings its history; a card makes one). */
  versions: z.number().int().min(1),
  /** What could not be carried over, in words (e.g. "2 example dialogue blocks had no reply and were skipped"). */
  warnings: z.array(z.string()),
});
export type ImportResult = z.infer<typeof ImportResult>;

/** A standalone lorebook (SillyTavern World Info, or a card's character_book) imported into an agent. */
export const LorebookImportResult = z.object({
  format: z.enum(["world-info", "character-book"]),
  /** "replace" swaps the lorebook; "merge" adds the file's entries after the existing ones. */
  mode: z.enum(["replace", "merge"]),
  entries: z.number().int().min(0),
  revision: z.number().int().min(0),
  warnings: z.array(z.string()),
});
export type LorebookImportResult = z.infer<typeof LorebookImportResult>;
export const LorebookImportQuery = z.object({ mode: z.enum(["replace", "merge"]).default("merge") });
