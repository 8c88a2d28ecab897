import {
  AgentDraft,
  AtelierError,
  templateById,
  type ChatMessage,
  type DraftAgentRequest,
  type DraftAgentResult,
} from "../contracts/index.js";
import { collectChat, type EngineProvider } from "../engine/chat-engine.js";

/**
 * Lengths the model is held to while drafting. Tighter than the profile's limits: a draft is a
 * starting point the owner edits, and every character is generation time on a small model.
 */
const text = (maxLength: number, description: string) => ({ type: "string", minLength: 1, maxLength, description });
const list = (count: number, itemLength: number, description: string) => ({
  type: "array", minItems: 1, maxItems: count, items: text(itemLength, description), description,
});

/** The JSON Schema the engine constrains generation to (llama.cpp grammar or an upstream's json_schema). */
export const DRAFT_JSON_SCHEMA = {
  type: "object",
  properties: {
    name: text(40, "The agent's name"),
    tagline: text(100, "One short line under the name"),
    description: text(300, "Who the agent is, in two or three sentences"),
    personality: text(300, "Personality, in a sentence or two"),
    traits: list(5, 24, "One-word character traits"),
    interests: list(5, 40, "Subjects the agent loves"),
    tone: text(160, "How it speaks"),
    instructions: text(500, "Instructions to the agent, in the second person"),
    greetings: list(2, 200, "A first message to a visitor"),
    exampleDialogues: {
      type: "array", minItems: 1, maxItems: 2,
      items: {
        type: "object",
        properties: { user: text(120, "A visitor's message"), agent: text(240, "The agent's answer, in character") },
        required: ["user", "agent"],
        additionalProperties: false,
      },
    },
    avoidTopics: list(4, 60, "Topics the agent should not discuss"),
  },
  required: ["name", "tagline", "description", "personality", "traits", "interests", "tone", "instructions", "greetings", "exampleDialogues", "avoidTopics"],
  additionalProperties: false,
} as const;

const SYSTEM_PROMPT = [
  "You design AI agents: characters with a name, personality and voice that talk to people for their owner.",
  "From the owner's description, write the agent's whole profile as one JSON object with these keys:",
  "name, tagline, description, personality, traits (one-word traits), interests, tone, instructions (addressed to the agent as \"you\"),",
  "greetings (first messages to a visitor), exampleDialogues ({user, agent} pairs in the agent's voice), avoidTopics.",
  "Be specific to the description. Keep every field short. Answer with the JSON object only.",
].join("\n");

/** The most an unfinished draft may take: the schema's limits need well under this on any tokenizer. */
const MAX_DRAFT_TOKENS = 1_536;

/** Describe-to-create: turns one sentence into a profile draft with structured output. Saves nothing. */
export class AgentDrafter {
  readonly #engines: EngineProvider;

  constructor(options: { engines: EngineProvider }) {
    this.#engines = options.engines;
  }

  async draft(request: DraftAgentRequest, options: { signal?: AbortSignal | undefined } = {}): Promise<DraftAgentResult> {
    const started = performance.now();
    const engine = await this.#engines.resolve({});
    const messages = promptFor(request);
    const room = engine.capabilities.contextSize - (await engine.countTokens(messages));
    const maxTokens = Math.min(MAX_DRAFT_TOKENS, room);
    if (maxTokens < 256) {
      throw new AtelierError("context_overflow", `The model's context (${engine.capabilities.contextSize} tokens) is too small to draft a profile. Shorten the description or use a model with a larger context.`);
    }
    const reply = await collectChat(
      engine.streamChat({ messages, jsonSchema: DRAFT_JSON_SCHEMA, sampling: { temperature: 0.7, maxTokens } }, { signal: options.signal }),
    );
    if (reply.finishReason === "aborted") throw new AtelierError("aborted", "The draft was cancelled.");
    if (reply.finishReason !== "stop") {
      throw new AtelierError("engine_error", `${engine.modelId} stopped before the draft was complete (${reply.finishReason}). Try again, or start from a template.`);
    }
    return { draft: parseDraft(reply.text, engine.modelId), model: engine.modelId, durationMs: Math.round(performance.now() - started) };
  }
}

function promptFor(request: DraftAgentRequest): ChatMessage[] {
  let system = SYSTEM_PROMPT;
  if (request.template) {
    const template = templateById(request.template);
    system += `\n\nThe owner chose the "${template.title}" template: ${template.summary} Its instructions read:\n${template.profile.instructions ?? ""}`;
  }
  return [{ role: "system", content: system }, { role: "user", content: `Description: ${request.description}` }];
}

/**
 * The grammar guarantees the shape, not the content: models still write blank items or repeat
 * themselves, so the draft is tidied before validation rather than rejected.
 */
export function parseDraft(text: string, modelId: string): AgentDraft {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AtelierError("engine_error", `${modelId} did not answer with JSON. Try again, or start from a template.`, { cause: error });
  }
  const raw = (typeof json === "object" && json !== null ? json : {}) as Record<string, unknown>;
  const strings = (value: unknown) => unique((Array.isArray(value) ? value : []).filter((item): item is string => typeof item === "string"));
  const dialogues = (Array.isArray(raw.exampleDialogues) ? raw.exampleDialogues : [])
    .filter((item): item is { user: string; agent: string } =>
      typeof item === "object" && item !== null && typeof item.user === "string" && typeof item.agent === "string" &&
      item.user.trim() !== "" && item.agent.trim() !== "");
  const parsed = AgentDraft.safeParse({
    ...raw,
    name: typeof raw.name === "string" && raw.name.trim() ? raw.name : "New agent",
    traits: strings(raw.traits),
    interests: strings(raw.interests),
    greetings: strings(raw.greetings),
    avoidTopics: strings(raw.avoidTopics),
    exampleDialogues: dialogues,
  });
  if (!parsed.success) {
    throw new AtelierError("engine_error", `${modelId} wrote a draft that does not fit an agent profile. Try again, or start from a template.`, { cause: parsed.error });
  }
  return parsed.data;
}

function unique(items: string[]): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const item of items) {
    const trimmed = item.trim();
    const key = trimmed.toLowerCase();
    if (trimmed && !seen.has(key)) {
      seen.add(key);
      kept.push(trimmed);
    }
  }
  return kept;
}
