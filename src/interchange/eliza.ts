import { z } from "zod";
import type { AgentProfileInput } from "../contracts/agent.js";
import { finishProfile, type ProfileWithoutHandle } from "./card-mapping.js";
import { checkLength, describeIssues, isRecord, keepFirst, type ReadContext } from "./common.js";
import { pairTurns, type Turn } from "./examples.js";

/**
 * An elizaOS character file. Only what has an Atelier home is read; runtime wiring (plugins,
 * clients, settings, secrets, model provider) belongs to elizaOS and is named in a warning.
 */
const strings = z.array(z.string()).nullish().transform((value) => value ?? []);
const ElizaMessage = z.looseObject({
  user: z.string().nullish(),
  name: z.string().nullish(),
  content: z.looseObject({ text: z.string().nullish() }),
});
export const ElizaCharacter = z.looseObject({
  name: z.string(),
  system: z.string().nullish(),
  bio: z.union([z.string(), z.array(z.string())]).nullish(),
  lore: strings,
  knowledge: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).nullish().transform((value) => value ?? []),
  messageExamples: z.array(z.array(ElizaMessage)).nullish().transform((value) => value ?? []),
  postExamples: strings,
  topics: strings,
  adjectives: strings,
  style: z.looseObject({ all: strings, chat: strings, post: strings }).nullish(),
});

const IGNORED = ["plugins", "clients", "settings", "secrets", "modelProvider", "imageModelProvider", "templates"];

/** An object shaped like an elizaOS character: a name, a bio or message examples, and no card `spec`. */
export function looksLikeEliza(json: Record<string, unknown>): boolean {
  return typeof json.name === "string" && !("spec" in json) && ("bio" in json || "messageExamples" in json);
}

export function readEliza(json: unknown, context: ReadContext): {
  profile: ProfileWithoutHandle; knowledge: Array<{ name: string; content: Uint8Array }>;
} {
  const parsed = ElizaCharacter.safeParse(json);
  if (!parsed.success) throw context.fail(`it looks like an elizaOS character, but ${describeIssues(parsed.error)}`);
  const eliza = parsed.data;
  const { warnings } = context;
  const name = checkLength(context, "name", eliza.name, 80);
  if (name === "") throw context.fail("its name is empty");

  const ignored = IGNORED.filter((key) => isRecord(json) && json[key] !== undefined && !isEmpty(json[key]));
  if (ignored.length > 0) warnings.push(`elizaOS runtime settings were not imported (${ignored.join(", ")}): Atelier uses its own models and channels.`);

  const bio = (Array.isArray(eliza.bio) ? eliza.bio : eliza.bio ? [eliza.bio] : []).map((line) => line.trim()).filter(Boolean);
  const lore = eliza.lore.map((line) => line.trim()).filter(Boolean);
  const description = [bio.join("\n"), lore.length > 0 ? `Background:\n${lore.map((line) => `- ${line}`).join("\n")}` : ""]
    .filter(Boolean).join("\n\n");

  const posts = eliza.postExamples.map((line) => line.trim()).filter(Boolean);
  const instructions = [
    eliza.system?.trim() ?? "",
    posts.length > 0 ? `Examples of your posts:\n${posts.map((line) => `- ${line}`).join("\n")}` : "",
  ].filter(Boolean).join("\n\n");

  const style = eliza.style ?? { all: [], chat: [], post: [] };
  const tone = [...style.all, ...style.chat].map((line) => line.trim()).filter(Boolean).join("\n");

  const knowledgeTexts: string[] = [];
  let skippedKnowledge = 0;
  for (const item of eliza.knowledge) {
    if (typeof item === "string") {
      if (item.trim() !== "") knowledgeTexts.push(item.trim());
    } else skippedKnowledge++;
  }
  if (skippedKnowledge > 0) {
    warnings.push(`${skippedKnowledge} knowledge item${skippedKnowledge === 1 ? "" : "s"} pointing at files or folders (path, directory) ${skippedKnowledge === 1 ? "was" : "were"} skipped: add those documents to the agent's knowledge yourself.`);
  }

  const agentNames = new Set([name.toLowerCase(), "{{agentname}}", "{{char}}"]);
  const exampleDialogues = [];
  let strayTurns = 0;
  for (const conversation of eliza.messageExamples) {
    const turns: Turn[] = conversation.map((message) => ({
      fromAgent: agentNames.has((message.user ?? message.name ?? "").trim().toLowerCase()),
      text: message.content.text ?? "",
    }));
    const result = pairTurns(turns);
    exampleDialogues.push(...result.pairs);
    strayTurns += result.unpaired + result.tooLong;
  }
  if (strayTurns > 0) warnings.push(`${strayTurns} example message${strayTurns === 1 ? "" : "s"} without a partner (or too long) ${strayTurns === 1 ? "was" : "were"} left out.`);

  const list = (items: string[], max: number, itemMax: number, what: string, field: string) =>
    keepFirst(items.map((item) => item.trim()).filter(Boolean), max, warnings, what).map((item, index) => checkLength(context, `${field}[${index}]`, item, itemMax));

  const input: AgentProfileInput = {
    name,
    description: checkLength(context, "bio and lore", description, 16_000),
    instructions: checkLength(context, "system and postExamples", instructions, 16_000),
    tone: checkLength(context, "style.all and style.chat", tone, 2_000),
    interests: list(eliza.topics, 30, 80, "topics", "topics"),
    traits: list(eliza.adjectives, 30, 60, "adjectives", "adjectives"),
    exampleDialogues: keepFirst(exampleDialogues, 50, warnings, "example dialogues"),
  };
  const knowledge = knowledgeTexts.length === 0 ? [] : [{
    name: "eliza-knowledge.md",
    content: new TextEncoder().encode(`# ${name}: knowledge\n\n${knowledgeTexts.join("\n\n")}\n`),
  }];
  return { profile: finishProfile(input, context), knowledge };
}

function isEmpty(value: unknown): boolean {
  return (Array.isArray(value) && value.length === 0) || (isRecord(value) && Object.keys(value).length === 0) || value === "";
}
