import type { ImportResult } from "../../../../src/contracts/index.js";

/** What the home page hands the editor after an import (router state), to report what came across. */
export interface ImportReport {
  fileName: string;
  format: ImportResult["format"];
  lorebookEntries: number;
  knowledgeSources: number;
  versions: number;
  warnings: string[];
}

export function importReportFrom(state: unknown): ImportReport | undefined {
  const imported = (state as { imported?: ImportReport } | null)?.imported;
  return imported && Array.isArray(imported.warnings) ? imported : undefined;
}

export const FORMAT_LABEL: Record<ImportResult["format"], string> = {
  "card-v2": "a Character Card V2",
  "card-v3": "a Character Card V3",
  charx: "a CHARX card",
  eliza: "an elizaOS character",
  bundle: "an Atelier bundle",
  "world-info": "a World Info file",
};
