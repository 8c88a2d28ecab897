import { readFile } from "node:fs/promises";
import { Command, InvalidArgumentError, Option } from "commander";
import type { z } from "zod";
import type { AgentPatchInput } from "../client/http-client.js";
import { AgentPatch, AgentProfile, AtelierError, type AgentProfileInput, type ErrorIssue } from "../contracts/index.js";

/** The profile flags as commander parses them (repeatable flags are arrays, numbers are numbers). */
export interface AgentFlags {
  name?: string;
  handle?: string;
  tagline?: string;
  avatar?: string;
  description?: string;
  personality?: string;
  tone?: string;
  instructions?: string;
  trait?: string[];
  interest?: string[];
  greeting?: string[];
  avoid?: string[];
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  seed?: number;
  model?: string;
  engine?: string;
}

const TEXT_FLAGS = ["name", "handle", "tagline", "avatar", "description", "personality", "tone", "instructions"] as const;
const LIST_FLAGS = { trait: "traits", interest: "interests", greeting: "greetings", avoid: "avoidTopics" } as const;
const MODEL_FLAGS = { temperature: "temperature", maxTokens: "maxTokens", topP: "topP", seed: "seed", model: "model", engine: "engine" } as const;

/** Which flag sets a field, so a validation message can name what the user typed. */
const FLAG_FOR_FIELD: Record<string, string> = {
  ...Object.fromEntries(TEXT_FLAGS.map((flag) => [flag, `--${flag}`])),
  traits: "--trait",
  interests: "--interest",
  greetings: "--greeting",
  avoidTopics: "--avoid",
  "model.temperature": "--temperature",
  "model.maxTokens": "--max-tokens",
  "model.topP": "--top-p",
  "model.seed": "--seed",
  "model.model": "--model",
  "model.engine": "--engine",
};

/** Fields a saved agent has but an edit may not set; dropped so `agent show --json` output can be edited and fed back. */
const READ_ONLY_FIELDS = ["id", "version", "createdAt", "updatedAt"];

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function number(kind: "decimal" | "integer") {
  return (value: string): number => {
    const parsed = Number(value);
    if (value.trim() === "" || !Number.isFinite(parsed)) throw new InvalidArgumentError("Not a number.");
    if (kind === "integer" && !Number.isInteger(parsed)) throw new InvalidArgumentError("Not a whole number.");
    return parsed;
  };
}

/** Adds the profile flags to `agent create` and `agent edit`, which share them. */
export function addAgentFlags(command: Command, options: { editing: boolean }): Command {
  const list = options.editing ? " (repeat it; replaces the whole list)" : " (repeat it for more)";
  return command
    .option("--name <name>", "display name")
    .option("--handle <handle>", "URL-safe unique name (default: derived from the name)")
    .option("--tagline <text>", "one line shown under the name")
    .option("--avatar <url>", "image URL or data: URI")
    .option("--description <text>", "who the agent is")
    .option("--personality <text>", "how the agent thinks and behaves")
    .option("--tone <text>", "tone and style of speech")
    .option("--instructions <text>", "rules the agent follows")
    .option("--trait <trait>", `a character trait${list}`, collect)
    .option("--interest <interest>", `a topic the agent likes${list}`, collect)
    .option("--greeting <text>", `an opening message${list}`, collect)
    .option("--avoid <topic>", `a topic the agent steers away from${list}`, collect)
    .option("--temperature <number>", "sampling temperature, 0-2", number("decimal"))
    .option("--max-tokens <count>", "longest reply, in tokens", number("integer"))
    .option("--top-p <number>", "nucleus sampling, above 0 up to 1", number("decimal"))
    .option("--seed <number>", "sampling seed, for repeatable replies", number("integer"))
    .option("--model <model>", "GGUF path, hf: URI or upstream model name (default: the server's)")
    .addOption(new Option("--engine <engine>", "engine for this agent").choices(["llama-cpp", "openai-compatible"]))
    .option("--file <file>", options.editing ? "JSON file with the fields to change (flags win)" : "JSON file with the profile (flags win)");
}

/** The fields the flags set, shaped like the profile; unset flags are left out. */
export function fieldsFromFlags(flags: AgentFlags): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const flag of TEXT_FLAGS) if (flags[flag] !== undefined) fields[flag] = flags[flag];
  for (const [flag, field] of Object.entries(LIST_FLAGS)) {
    const value = flags[flag as keyof typeof LIST_FLAGS];
    if (value !== undefined) fields[field] = value;
  }
  const model: Record<string, unknown> = {};
  for (const [flag, field] of Object.entries(MODEL_FLAGS)) {
    const value = flags[flag as keyof typeof MODEL_FLAGS];
    if (value !== undefined) model[field] = value;
  }
  if (Object.keys(model).length > 0) fields.model = model;
  return fields;
}

/** File fields overlaid by flag fields; the nested model settings merge rather than replace. */
function overlay(file: Record<string, unknown>, flags: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...file, ...flags };
  if (isObject(file.model) && isObject(flags.model)) merged.model = { ...file.model, ...flags.model };
  return merged;
}

/**
 * The profile to send, validated. It is returned as written, not as parsed: the server fills in
 * defaults, and a parsed patch would carry defaults for fields the user never touched.
 */
export function buildProfile(options: { flags: AgentFlags; file?: unknown }): AgentProfileInput {
  const profile = overlay(fileObject(options.file), fieldsFromFlags(options.flags));
  validate(AgentProfile, profile, "agent profile");
  return profile as AgentProfileInput;
}

export function buildPatch(options: { flags: AgentFlags; file?: unknown }): AgentPatchInput {
  const file = fileObject(options.file);
  for (const field of READ_ONLY_FIELDS) delete file[field];
  const patch = overlay(file, fieldsFromFlags(options.flags));
  validate(AgentPatch, patch, "agent changes");
  if (Object.keys(patch).length === 0) {
    throw new AtelierError("bad_request", "Nothing to change: pass at least one flag (see --help) or --file.");
  }
  return patch as AgentPatchInput;
}

export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new AtelierError("bad_request", `Could not read ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new AtelierError("bad_request", `${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

function fileObject(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new AtelierError("bad_request", "The --file must hold a JSON object.");
  return { ...value };
}

function validate(schema: z.ZodType, value: unknown, what: string): void {
  const result = schema.safeParse(value);
  if (result.success) return;
  const issues: ErrorIssue[] = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join(".") || "(root)";
    // "traits.3" was set by --trait too: list items carry their index in the path.
    const flag = FLAG_FOR_FIELD[path] ?? FLAG_FOR_FIELD[path.replace(/\.\d+$/, "")];
    return { path: flag ? `${path} (${flag})` : path, message: issue.message };
  });
  throw new AtelierError("validation_failed", `Invalid ${what}`, { issues });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
