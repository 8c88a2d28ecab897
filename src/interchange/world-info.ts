import { z } from "zod";
import { AtelierError } from "../contracts/errors.js";
import { LOREBOOK_MAX_ENTRIES, type LorebookContent, type LorebookEntryInput, type LorePosition } from "../contracts/lorebook.js";
import { CardData, CharacterBook } from "./card-schema.js";
import {
  checkedEntry, clampInt, finishBook, logicFromNumber, logicToNumber, numberedIds, positionFromNumber, positionToNumber,
  readCharacterBook, uniqueIds,
} from "./character-book.js";
import { describeIssues, isRecord, keepFirst, type ReadContext } from "./common.js";

/**
 * SillyTavern World Info: `{ entries: { "0": { uid, key, keysecondary, comment, content, … } } }`.
 * Keys Atelier does not use (probability, group, depth, …) stay in the entry's extensions and are
 * written back at the top level of the entry, where SillyTavern reads them.
 */
const keyList = z
  .union([z.array(z.string()), z.string()])
  .nullish()
  .transform((value) => (typeof value === "string" ? value.split(",") : (value ?? [])));
const optionalBool = z.boolean().nullish();

const WorldInfoEntry = z.looseObject({
  uid: z.union([z.number(), z.string()]).nullish(),
  key: keyList,
  keysecondary: keyList,
  comment: z.string().nullish(),
  content: z.string().nullish().transform((value) => value ?? ""),
  constant: optionalBool,
  selective: optionalBool,
  selectiveLogic: z.number().nullish(),
  order: z.number().nullish(),
  position: z.number().nullish(),
  disable: optionalBool,
  caseSensitive: optionalBool,
  matchWholeWords: optionalBool,
  scanDepth: z.number().nullish(),
  useRegex: optionalBool,
  priority: z.number().nullish(),
});

const WorldInfo = z.looseObject({
  name: z.string().nullish(),
  description: z.string().nullish(),
  entries: z.union([z.record(z.string(), WorldInfoEntry), z.array(WorldInfoEntry)]),
});

const KNOWN_ENTRY_KEYS = new Set([
  "uid", "key", "keysecondary", "comment", "content", "constant", "selective", "selectiveLogic", "order", "position", "disable",
  "caseSensitive", "matchWholeWords", "scanDepth", "useRegex", "priority",
]);

/** Book-wide settings World Info files do not have (they are SillyTavern-global), kept under `atelier`. */
const WorldSettings = z.object({
  scanDepth: z.number().optional(),
  tokenBudget: z.number().optional(),
  recursiveScanning: z.boolean().optional(),
  caseSensitive: z.boolean().optional(),
  matchWholeWords: z.boolean().optional(),
});

export function readWorldInfo(json: unknown, context: ReadContext): LorebookContent {
  const parsed = WorldInfo.safeParse(json);
  if (!parsed.success) throw context.fail(describeIssues(parsed.error));
  const { name, description, entries: rawEntries, ...bookRest } = parsed.data;
  const { atelier, ...extensions } = bookRest as Record<string, unknown>;
  const settings = WorldSettings.safeParse(atelier ?? {});
  if (!settings.success) context.warnings.push("The lorebook's Atelier settings (atelier) were not valid and were ignored.");
  // An entry without a uid goes by its key in the entries object, as SillyTavern files it.
  const keyed = Array.isArray(rawEntries) ? rawEntries.map((entry) => ({ ...entry, uid: entry.uid ?? null }))
    : Object.entries(rawEntries).map(([key, entry]) => ({ ...entry, uid: entry.uid ?? key }));
  const list = keepFirst(keyed, LOREBOOK_MAX_ENTRIES, context.warnings, "lorebook entries");
  const ids = uniqueIds(list.map((entry) => entry.uid));
  const book = settings.success ? settings.data : {};
  return finishBook(context, {
    name: (name ?? "").trim().slice(0, 200),
    description: (description ?? "").trim().slice(0, 4_000),
    scanDepth: clampInt(book.scanDepth, 1, 1_000, 4),
    tokenBudget: clampInt(book.tokenBudget, 16, 32_768, 512),
    recursiveScanning: book.recursiveScanning ?? false,
    caseSensitive: book.caseSensitive ?? false,
    matchWholeWords: book.matchWholeWords ?? true,
    extensions,
    entries: list.map((entry, index) => {
      const where = `entry ${ids[index]}`;
      const extra: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(entry)) if (!KNOWN_ENTRY_KEYS.has(key)) extra[key] = value;
      let position: LorePosition = "after-persona";
      if (typeof entry.position === "number") {
        const mapped = positionFromNumber(entry.position, where, context);
        position = mapped.position;
        if (mapped.keep) extra.position = entry.position;
      }
      const logic = logicFromNumber(entry.selectiveLogic);
      if (entry.selectiveLogic !== null && entry.selectiveLogic !== undefined && logic === undefined) extra.selectiveLogic = entry.selectiveLogic;
      return {
        id: ids[index]!,
        ...checkedEntry(context, where, {
          name: entry.comment ?? "",
          keys: entry.key,
          secondaryKeys: entry.keysecondary,
          selective: entry.selective ?? false,
          secondaryLogic: logic ?? "and-any",
          content: entry.content,
          enabled: !(entry.disable ?? false),
          constant: entry.constant ?? false,
          useRegex: entry.useRegex ?? false,
          caseSensitive: entry.caseSensitive ?? null,
          matchWholeWords: entry.matchWholeWords ?? null,
          scanDepth: typeof entry.scanDepth === "number" ? clampInt(entry.scanDepth, 0, 1_000, 0) : null,
          insertionOrder: clampInt(entry.order, -1_000_000, 1_000_000, 100),
          priority: clampInt(entry.priority, -1_000_000, 1_000_000, 10),
          position,
          extensions: extra,
        }),
      } satisfies LorebookEntryInput;
    }),
  });
}

/** An Atelier lorebook as SillyTavern World Info JSON. */
export function writeWorldInfo(content: LorebookContent): unknown {
  const uids = numberedIds(content.entries);
  const entries: Record<string, unknown> = {};
  content.entries.forEach((entry, index) => {
    const uid = uids[index]!;
    entries[String(uid)] = {
      ...entry.extensions,
      uid,
      key: entry.keys,
      keysecondary: entry.secondaryKeys,
      comment: entry.name,
      content: entry.content,
      constant: entry.constant,
      selective: entry.selective,
      selectiveLogic: logicToNumber(entry.secondaryLogic),
      order: entry.insertionOrder,
      position: positionToNumber(entry),
      disable: !entry.enabled,
      caseSensitive: entry.caseSensitive,
      matchWholeWords: entry.matchWholeWords,
      scanDepth: entry.scanDepth,
      useRegex: entry.useRegex,
      priority: entry.priority,
    };
  });
  return {
    ...content.extensions,
    name: content.name,
    description: content.description,
    atelier: {
      scanDepth: content.scanDepth,
      tokenBudget: content.tokenBudget,
      recursiveScanning: content.recursiveScanning,
      caseSensitive: content.caseSensitive,
      matchWholeWords: content.matchWholeWords,
    },
    entries,
  };
}

/**
 * A standalone lorebook file: SillyTavern World Info, a bare `character_book`, or a whole card
 * JSON whose book is taken.
 */
export function readLorebookFile(json: unknown): { content: LorebookContent; format: "world-info" | "character-book"; warnings: string[] } {
  const warnings: string[] = [];
  const context: ReadContext = {
    filename: "The lorebook file",
    warnings,
    fail: (what) => new AtelierError(
      "document_unreadable",
      `The file is not a lorebook: ${what}. Use a SillyTavern World Info JSON, a character_book JSON, or a character card that has one.`,
    ),
  };
  if (!isRecord(json)) throw context.fail("it is not a JSON object");
  if (isRecord(json.data) && (json.spec === "chara_card_v2" || json.spec === "chara_card_v3")) {
    const card = CardData.pick({ character_book: true }).safeParse(json.data);
    if (!card.success) throw context.fail(describeIssues(card.error, "data"));
    if (!card.data.character_book) throw context.fail("the card has no character_book");
    return { content: readCharacterBook(card.data.character_book, context, "data.character_book"), format: "character-book", warnings };
  }
  if (Array.isArray(json.entries)) {
    const first: unknown = json.entries[0];
    if (isRecord(first) && ("keys" in first || "insertion_order" in first)) {
      const book = CharacterBook.safeParse(json);
      if (!book.success) throw context.fail(describeIssues(book.error));
      return { content: readCharacterBook(book.data, context), format: "character-book", warnings };
    }
  }
  if (isRecord(json.entries) || Array.isArray(json.entries)) return { content: readWorldInfo(json, context), format: "world-info", warnings };
  throw context.fail("it has no entries");
}
