import { z } from "zod";
import {
  LOREBOOK_MAX_ENTRIES, LorebookContent, type LorebookEntry, type LorebookEntryInput, type LorePosition, type SecondaryLogic,
} from "../contracts/lorebook.js";
import type { CharacterBook } from "./card-schema.js";
import { checkLength, describeIssues, keepFirst, type ReadContext } from "./common.js";

/** SillyTavern's selectiveLogic numbers. */
const LOGIC_BY_NUMBER: SecondaryLogic[] = ["and-any", "not-all", "not-any", "and-all"];
export const logicFromNumber = (value: unknown): SecondaryLogic | undefined =>
  typeof value === "number" && Number.isInteger(value) ? LOGIC_BY_NUMBER[value] : undefined;
export const logicToNumber = (logic: SecondaryLogic): number => LOGIC_BY_NUMBER.indexOf(logic);

/**
 * SillyTavern's numeric positions: 0 before the character, 1 after; 2-6 (author's note, at depth,
 * example messages) have no Atelier place and read as "after". Such a number is kept in the
 * entry's extensions so an export gives it back, as long as the owner has not moved the entry.
 */
export function positionFromNumber(value: number, where: string, context: ReadContext): { position: LorePosition; keep: boolean } {
  if (value === 0) return { position: "before-persona", keep: false };
  if (value === 1) return { position: "after-persona", keep: false };
  context.warnings.push(`${where} is placed at SillyTavern position ${value}, which Atelier does not have; it goes after the persona.`);
  return { position: "after-persona", keep: true };
}
export function positionToNumber(entry: LorebookEntry): number {
  const kept = entry.extensions.position;
  if (entry.position === "after-persona" && typeof kept === "number" && kept > 1) return kept;
  return entry.position === "before-persona" ? 0 : 1;
}

export const clampInt = (value: number | null | undefined, min: number, max: number, fallback: number): number =>
  typeof value === "number" && Number.isFinite(value) ? Math.min(max, Math.max(min, Math.round(value))) : fallback;

/** Book-wide settings Atelier has and cards do not, kept under the book's `extensions.atelier`. */
const BookSettings = z.object({ caseSensitive: z.boolean().optional(), matchWholeWords: z.boolean().optional() });

/** The entry-level fields every reader shares, checked against Atelier's limits. */
export function checkedEntry(
  context: ReadContext,
  where: string,
  entry: Omit<LorebookEntryInput, "id" | "keys" | "secondaryKeys" | "content"> & { keys: string[]; secondaryKeys: string[]; content: string },
): Omit<LorebookEntryInput, "id"> {
  checkLength(context, `the content of ${where}`, entry.content, 20_000);
  const name = checkLength(context, `the name of ${where}`, entry.name ?? "", 500);
  const keys = (list: string[], what: string) =>
    keepFirst(list.map((key) => key.trim()).filter(Boolean), 200, context.warnings, `${what} in ${where}`).map((key, index) =>
      checkLength(context, `${what} ${index + 1} of ${where}`, key, 500));
  return { ...entry, name, keys: keys(entry.keys, "keys"), secondaryKeys: keys(entry.secondaryKeys, "secondary keys") };
}

/** Ids as text, unique within the book: a missing or repeated id gets the next free number. */
export function uniqueIds(raw: Array<string | number | null | undefined>): string[] {
  const taken = new Set(raw.filter((id) => id !== null && id !== undefined).map(String));
  const used = new Set<string>();
  let next = 0;
  return raw.map((id) => {
    const text = id === null || id === undefined ? "" : String(id).trim().slice(0, 100);
    if (text !== "" && !used.has(text)) {
      used.add(text);
      return text;
    }
    while (taken.has(String(next)) || used.has(String(next))) next++;
    used.add(String(next));
    return String(next);
  });
}

export function finishBook(context: ReadContext, book: unknown): LorebookContent {
  const parsed = LorebookContent.safeParse(book);
  if (!parsed.success) throw context.fail(`its lorebook does not fit Atelier's: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function splitBookExtensions(extensions: Record<string, unknown>, context: ReadContext): {
  extensions: Record<string, unknown>; settings: z.infer<typeof BookSettings>;
} {
  const { atelier, ...rest } = extensions;
  if (atelier === undefined) return { extensions: rest, settings: {} };
  const settings = BookSettings.safeParse(atelier);
  if (!settings.success) context.warnings.push("The lorebook's Atelier settings (extensions.atelier) were not valid and were ignored.");
  return { extensions: rest, settings: settings.success ? settings.data : {} };
}

/** A card's `character_book` as an Atelier lorebook. */
export function readCharacterBook(book: CharacterBook, context: ReadContext, path = "character_book"): LorebookContent {
  const { extensions, settings } = splitBookExtensions(book.extensions, context);
  const entries = keepFirst(book.entries, LOREBOOK_MAX_ENTRIES, context.warnings, "lorebook entries");
  const ids = uniqueIds(entries.map((entry) => entry.id));
  return finishBook(context, {
    name: checkLength(context, `${path}.name`, book.name, 200),
    description: checkLength(context, `${path}.description`, book.description, 4_000),
    scanDepth: clampInt(book.scan_depth, 1, 1_000, 4),
    tokenBudget: clampInt(book.token_budget, 16, 32_768, 512),
    recursiveScanning: book.recursive_scanning ?? false,
    ...settings,
    extensions,
    entries: entries.map((entry, index) => {
      const where = `${path}.entries[${index}]`;
      // SillyTavern keeps its own copies of these in the entry's extensions; they become Atelier fields.
      const { selectiveLogic, match_whole_words, scan_depth, case_sensitive, ...rest } = entry.extensions;
      const keep: Record<string, unknown> = { ...rest };
      const logic = logicFromNumber(selectiveLogic);
      if (selectiveLogic !== undefined && logic === undefined) keep.selectiveLogic = selectiveLogic;
      let position: LorePosition = "after-persona";
      if (entry.position === "before_char") position = "before-persona";
      else if (typeof entry.position === "number") position = positionFromNumber(entry.position, where, context).position;
      else if (entry.position && entry.position !== "after_char") {
        context.warnings.push(`${where} has position "${entry.position}", which Atelier does not know; it goes after the persona.`);
      }
      return {
        id: ids[index]!,
        ...checkedEntry(context, where, {
          name: entry.comment || entry.name || "",
          keys: entry.keys,
          secondaryKeys: entry.secondary_keys,
          selective: entry.selective ?? false,
          secondaryLogic: logic ?? "and-any",
          content: entry.content,
          enabled: entry.enabled ?? true,
          constant: entry.constant ?? false,
          useRegex: entry.use_regex ?? false,
          caseSensitive: entry.case_sensitive ?? (typeof case_sensitive === "boolean" ? case_sensitive : null),
          matchWholeWords: typeof match_whole_words === "boolean" ? match_whole_words : null,
          scanDepth: typeof scan_depth === "number" ? clampInt(scan_depth, 0, 1_000, 0) : null,
          insertionOrder: clampInt(entry.insertion_order, -1_000_000, 1_000_000, 100),
          priority: clampInt(entry.priority, -1_000_000, 1_000_000, 10),
          position,
          extensions: keep,
        }),
      } satisfies LorebookEntryInput;
    }),
  });
}

/** An Atelier lorebook as a card's `character_book` (V3 adds use_regex and keeps text ids). */
export function writeCharacterBook(content: LorebookContent, version: 2 | 3): Record<string, unknown> {
  const numericIds = numberedIds(content.entries);
  return {
    name: content.name,
    description: content.description,
    scan_depth: content.scanDepth,
    token_budget: content.tokenBudget,
    recursive_scanning: content.recursiveScanning,
    extensions: { ...content.extensions, atelier: { caseSensitive: content.caseSensitive, matchWholeWords: content.matchWholeWords } },
    entries: content.entries.map((entry, index) => {
      const extensions: Record<string, unknown> = { ...entry.extensions };
      // SillyTavern reads these from the extensions, so they are written where it looks.
      if (entry.secondaryLogic !== "and-any") extensions.selectiveLogic = logicToNumber(entry.secondaryLogic);
      if (entry.matchWholeWords !== null) extensions.match_whole_words = entry.matchWholeWords;
      if (entry.scanDepth !== null) extensions.scan_depth = entry.scanDepth;
      if (entry.caseSensitive !== null) extensions.case_sensitive = entry.caseSensitive;
      if (typeof extensions.position === "number") extensions.position = positionToNumber(entry);
      return {
        id: version === 3 && !/^\d+$/.test(entry.id) ? entry.id : numericIds[index],
        keys: entry.keys,
        secondary_keys: entry.secondaryKeys,
        comment: entry.name,
        name: entry.name,
        content: entry.content,
        constant: entry.constant,
        selective: entry.selective,
        insertion_order: entry.insertionOrder,
        enabled: entry.enabled,
        position: entry.position === "before-persona" ? "before_char" : "after_char",
        ...(entry.caseSensitive === null ? {} : { case_sensitive: entry.caseSensitive }),
        ...(version === 3 || entry.useRegex ? { use_regex: entry.useRegex } : {}),
        priority: entry.priority,
        extensions,
      };
    }),
  };
}

/** Numbers for formats whose ids are numbers: an entry keeps its own when it is one and free. */
export function numberedIds(entries: readonly LorebookEntry[]): number[] {
  const used = new Set<number>();
  const own = entries.map((entry) => (/^\d{1,9}$/.test(entry.id) ? Number(entry.id) : null));
  const result = own.map((id) => (id !== null && !used.has(id) ? (used.add(id), id) : null));
  let next = 0;
  return result.map((id) => {
    if (id !== null) return id;
    while (used.has(next)) next++;
    used.add(next);
    return next;
  });
}
