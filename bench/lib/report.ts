import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fmt } from "./stats.js";

export interface Table {
  title?: string;
  columns: string[];
  rows: (string | number)[][];
}

export interface Target {
  /** What is compared, e.g. "tokens/s ratio (Atelier ÷ raw)". */
  metric: string;
  measured: number;
  unit: string;
  comparison: ">=" | "<=";
  threshold: number;
  pass: boolean;
  /** Why it passed or missed, when that is not obvious from the numbers. */
  note?: string;
}

export function target(spec: {
  metric: string;
  measured: number;
  unit?: string;
  comparison: ">=" | "<=";
  threshold: number;
  note?: string;
}): Target {
  const pass = spec.comparison === ">=" ? spec.measured >= spec.threshold : spec.measured <= spec.threshold;
  return {
    metric: spec.metric,
    measured: spec.measured,
    unit: spec.unit ?? "",
    comparison: spec.comparison,
    threshold: spec.threshold,
    pass: Number.isFinite(spec.measured) && pass,
    ...(spec.note ? { note: spec.note } : {}),
  };
}

/** What one benchmark returns; main adds the envelope (name, timing, environment). */
export interface BenchOutcome {
  notes: string[];
  tables: Table[];
  targets: Target[];
  /** Raw measurements, for the JSON file only. */
  data: unknown;
}

export interface BenchResult extends BenchOutcome {
  name: string;
  title: string;
  quick: boolean;
  startedAt: string;
  durationS: number;
  environment: Record<string, unknown>;
}

function decimalsFor(value: number): number {
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return 0;
  if (magnitude >= 10) return 1;
  return 2;
}

function cell(value: string | number): string {
  const text = typeof value === "number" ? fmt(value, Number.isInteger(value) ? 0 : decimalsFor(value)) : value;
  return text.replace(/\|/g, "\\|");
}

export function markdownTable(table: Table): string {
  const lines: string[] = [];
  if (table.title) lines.push(`**${table.title}**`, "");
  lines.push(`| ${table.columns.map(cell).join(" | ")} |`);
  lines.push(`| ${table.columns.map(() => "---").join(" | ")} |`);
  for (const row of table.rows) lines.push(`| ${row.map(cell).join(" | ")} |`);
  return lines.join("\n");
}

export function targetsTable(targets: readonly Target[]): Table {
  return {
    title: "Targets",
    columns: ["metric", "measured", "target", "result"],
    rows: targets.map((t) => [
      t.metric,
      `${cell(t.measured)}${t.unit ? ` ${t.unit}` : ""}`,
      `${t.comparison === ">=" ? "≥" : "≤"} ${cell(t.threshold)}${t.unit ? ` ${t.unit}` : ""}`,
      `${t.pass ? "✅ pass" : "❌ miss"}${t.note ? ` (${t.note})` : ""}`,
    ]),
  };
}

export function renderMarkdown(result: BenchResult): string {
  const parts = [`### ${result.name}: ${result.title}${result.quick ? " (--quick)" : ""}`, ""];
  for (const note of result.notes) parts.push(`- ${note}`);
  if (result.notes.length) parts.push("");
  for (const table of result.tables) parts.push(markdownTable(table), "");
  if (result.targets.length) parts.push(markdownTable(targetsTable(result.targets)), "");
  const { machineBusyBeforeStart, cpuCalibrationMs, fsyncMs } = result.environment as Record<string, number | undefined>;
  const footer = [`${result.durationS.toFixed(1)} s`, result.startedAt];
  if (Number.isFinite(machineBusyBeforeStart)) footer.push(`other load just before: ${((machineBusyBeforeStart ?? 0) * 100).toFixed(0)} % of the cores`);
  if (Number.isFinite(cpuCalibrationMs)) footer.push(`CPU yardstick ${cpuCalibrationMs} ms`);
  if (Number.isFinite(fsyncMs)) footer.push(`fsync ${fsyncMs} ms`);
  parts.push(`_${footer.join("; ")}_`, "");
  return parts.join("\n");
}

export function writeResult(resultsDir: string, result: BenchResult): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${result.name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
