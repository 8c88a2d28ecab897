import type { Agent, AgentVersionSummary, TokenUsage } from "../contracts/index.js";

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatTable(options: { headers: readonly string[]; rows: readonly (readonly string[])[] }): string {
  const { headers, rows } = options;
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join("  ").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatMilliseconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Timestamps as "2025-01-31 14:05 UTC": short, sortable and unambiguous across machines. */
export function formatTimestamp(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function formatAgentTable(agents: readonly Agent[]): string {
  return formatTable({
    headers: ["HANDLE", "NAME", "VERSION", "UPDATED", "TAGLINE"],
    rows: agents.map((agent) => [
      agent.handle,
      truncate(agent.name, 30),
      String(agent.version),
      formatTimestamp(agent.updatedAt),
      truncate(agent.tagline, 50),
    ]),
  });
}

export function formatVersionTable(versions: readonly AgentVersionSummary[]): string {
  const newest = Math.max(...versions.map((version) => version.version));
  return formatTable({
    headers: ["VERSION", "CREATED", "NAME"],
    rows: versions.map((version) => [
      `${version.version}${version.version === newest ? " (current)" : ""}`,
      formatTimestamp(version.createdAt),
      version.name,
    ]),
  });
}

/** A readable page about one agent; empty sections are left out. */
export function formatAgentDetails(agent: Agent): string {
  const lines: string[] = [`${agent.name} (@${agent.handle}) · version ${agent.version}`];
  if (agent.tagline) lines.push(agent.tagline);
  const block = (title: string, text: string) => {
    if (text) lines.push("", title, ...text.split("\n").map((line) => `  ${line}`));
  };
  const field = (title: string, text: string) => {
    if (text) lines.push(`${`${title}:`.padEnd(14)}${text}`);
  };
  block("Description", agent.description);
  block("Personality", agent.personality);
  block("Tone", agent.tone);
  block("Instructions", agent.instructions);
  block("Greetings", agent.greetings.map((greeting, index) => `${index + 1}. ${greeting}`).join("\n"));
  block(
    "Example dialogues",
    agent.exampleDialogues.map((example) => `user: ${example.user}\n${agent.name}: ${example.agent}`).join("\n\n"),
  );
  lines.push("");
  field("Traits", agent.traits.join(", "));
  field("Interests", agent.interests.join(", "));
  field("Avoids", agent.avoidTopics.join(", "));
  field("Model", formatModelSettings(agent.model));
  field("Avatar", agent.avatar);
  field("Id", agent.id);
  field("Created", formatTimestamp(agent.createdAt));
  field("Updated", formatTimestamp(agent.updatedAt));
  return lines.join("\n") + "\n";
}

function formatModelSettings(model: Agent["model"]): string {
  const parts = [
    model.model ?? "the server's default model",
    ...(model.engine ? [`engine ${model.engine}`] : []),
    `temperature ${model.temperature}`,
    `max tokens ${model.maxTokens}`,
    ...(model.topP === undefined ? [] : [`top-p ${model.topP}`]),
    ...(model.seed === undefined ? [] : [`seed ${model.seed}`]),
  ];
  return parts.join(" · ");
}

/** One line of reply statistics for `chat --show-stats`. */
export function formatReplyStats(stats: { model: string | undefined; usage: TokenUsage; firstTokenMs: number | null; durationMs: number }): string {
  const { usage } = stats;
  const generationMs = stats.durationMs - (stats.firstTokenMs ?? 0);
  const speed = generationMs > 0 && usage.completionTokens > 1 ? ` · ${((usage.completionTokens / generationMs) * 1000).toFixed(1)} tokens/s` : "";
  const cached = usage.promptTokens - usage.evaluatedPromptTokens;
  return [
    stats.model ?? "unknown model",
    `${usage.promptTokens} prompt tokens${cached > 0 ? ` (${cached} cached)` : ""}`,
    `${usage.completionTokens} reply tokens`,
    ...(stats.firstTokenMs === null ? [] : [`first token ${formatMilliseconds(stats.firstTokenMs)}`]),
    `total ${formatMilliseconds(stats.durationMs)}${speed}`,
  ].join(" · ");
}
