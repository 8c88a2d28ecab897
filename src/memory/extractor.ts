import { z } from "zod";
import { AtelierError, MemoryKind, type ChatMessage, type Memory } from "../contracts/index.js";
import { collectChat, type ChatEngine } from "../engine/chat-engine.js";
import type { MemoryCandidate } from "./dedupe.js";

/** Facts noted per turn: a turn rarely says more than this about the person that lasts. */
export const MAX_FACTS_PER_TURN = 4;
/** Characters of one noted fact: a memory is a line, not a paragraph. */
export const FACT_MAX_CHARS = 160;

/** The JSON Schema the engine constrains the extraction to (a llama.cpp grammar, or an upstream's json_schema). */
export const MEMORY_JSON_SCHEMA = {
  type: "object",
  properties: {
    memories: {
      type: "array",
      maxItems: MAX_FACTS_PER_TURN,
      items: {
        type: "object",
        properties: {
          kind: { type: "string", enum: MemoryKind.options },
          content: { type: "string", maxLength: FACT_MAX_CHARS },
        },
        required: ["kind", "content"],
        additionalProperties: false,
      },
    },
  },
  required: ["memories"],
  additionalProperties: false,
} as const;

const Extraction = z.object({
  memories: z.array(z.object({ kind: MemoryKind, content: z.string().max(FACT_MAX_CHARS * 2) }).strict()).max(MAX_FACTS_PER_TURN * 2),
}).strict();

const INSTRUCTIONS = [
  "You keep the notes of {agent}, an AI agent, about the person it talks to.",
  "Read the last exchange and list the durable facts THE PERSON stated about THEMSELF: their name, their preferences, facts about their life, and what they asked for that may matter again.",
  "Ignore what the agent said, passing small talk, questions about the world, and anything already in the notes.",
  "Write each fact as one short line in the third person (\"Prefers rye bread\", \"Has two cats\"); for a name, write the name alone.",
  `At most ${MAX_FACTS_PER_TURN} facts. Answer with JSON only: {"memories": [{"kind": "name" | "preference" | "fact" | "request", "content": "..."}]}. When there is nothing worth noting, answer {"memories": []}.`,
].join("\n");

/** Existing notes shown to the model so it does not repeat them; the newest are the likeliest to be restated. */
const NOTES_SHOWN = 40;
const MAX_EXTRACTION_TOKENS = 512;
/** Below this many tokens of room, extracting is not worth trying. */
const MIN_REPLY_ROOM = 128;

/** Notes are facts, not prose: a low temperature by default. */
export interface ExtractionSampling {
  temperature?: number | undefined;
  seed?: number | undefined;
}

export interface ExtractionInput {
  agentName: string;
  existing: readonly Pick<Memory, "kind" | "content">[];
  userMessage: string;
  reply: string;
}

export function extractionPrompt(input: ExtractionInput, clipChars = 4_000): ChatMessage[] {
  const notes = input.existing.slice(-NOTES_SHOWN).map((memory) => `- (${memory.kind}) ${memory.content}`);
  const clip = (text: string) => (text.length > clipChars ? `${text.slice(0, clipChars)}…` : text);
  const user = [
    `Notes so far:\n${notes.length > 0 ? notes.join("\n") : "(none)"}`,
    `The person wrote:\n${clip(input.userMessage.trim())}`,
    `${input.agentName} replied:\n${clip(input.reply.trim())}`,
  ].join("\n\n");
  return [{ role: "system", content: INSTRUCTIONS.replace("{agent}", input.agentName) }, { role: "user", content: user }];
}

/**
 * The grammar guarantees the shape, not good content: small models write blank facts, repeat one
 * within a turn, or pad with whitespace. Those are tidied away here; the shape itself is checked strictly.
 */
export function parseExtraction(text: string, modelId: string): MemoryCandidate[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AtelierError("engine_error", `${modelId} did not answer the memory extraction with JSON.`, { cause: error });
  }
  const parsed = Extraction.safeParse(json);
  if (!parsed.success) throw new AtelierError("engine_error", `${modelId} answered the memory extraction in the wrong shape.`, { cause: parsed.error });
  const seen = new Set<string>();
  const facts: MemoryCandidate[] = [];
  for (const fact of parsed.data.memories) {
    const content = fact.content.replace(/\s+/g, " ").trim().slice(0, FACT_MAX_CHARS).trim();
    const key = `${fact.kind}:${content.toLowerCase()}`;
    // One letter or a lone symbol is not a fact about anyone.
    if (!/\p{L}.*\p{L}|\p{N}/u.test(content) || seen.has(key)) continue;
    seen.add(key);
    facts.push({ kind: fact.kind, content });
  }
  return facts.slice(0, MAX_FACTS_PER_TURN);
}

/**
 * One grammar-constrained generation that lists what the person said about themself in the last
 * exchange. No sessionKey: it must not disturb the KV cache the conversation keeps warm. Returns no
 * facts when the exchange does not fit the model's context.
 */
export async function extractFacts(engine: ChatEngine, input: ExtractionInput, options: { signal?: AbortSignal | undefined; sampling?: ExtractionSampling | undefined } = {}): Promise<MemoryCandidate[]> {
  let messages = extractionPrompt(input);
  let room = engine.capabilities.contextSize - (await engine.countTokens(messages));
  // A long exchange is clipped until the prompt leaves room for the answer.
  for (let clip = 2_000; room < MIN_REPLY_ROOM && clip >= 250; clip = Math.floor(clip / 2)) {
    messages = extractionPrompt(input, clip);
    room = engine.capabilities.contextSize - (await engine.countTokens(messages));
  }
  if (room < MIN_REPLY_ROOM) return [];
  const reply = await collectChat(engine.streamChat(
    {
      messages,
      jsonSchema: MEMORY_JSON_SCHEMA,
      sampling: { temperature: options.sampling?.temperature ?? 0.2, seed: options.sampling?.seed, maxTokens: Math.min(MAX_EXTRACTION_TOKENS, room) },
    },
    { signal: options.signal },
  ));
  if (reply.finishReason === "aborted") return [];
  if (reply.finishReason !== "stop") throw new AtelierError("engine_error", `${engine.modelId} stopped before finishing the memory extraction (${reply.finishReason}).`);
  return parseExtraction(reply.text, engine.modelId);
}
