import { z } from "zod";
import { AgentProfile, type AgentProfileInput } from "./agent.js";
import { ErrorCode } from "./errors.js";

export const TemplateId = z.enum(["creator-twin", "business-assistant", "fictional-character", "difficult-conversation-coach"]);
export type TemplateId = z.infer<typeof TemplateId>;

export interface AgentTemplate {
  id: TemplateId;
  title: string;
  /** One line for the picker. */
  summary: string;
  /** An example one-sentence description for describe-to-create. */
  example: string;
  /** A complete starting profile: the owner edits it before saving. */
  profile: AgentProfileInput;
}

/** Starting points in the studio; describe-to-create also uses them to steer the draft. */
export const AGENT_TEMPLATES: readonly AgentTemplate[] = [
  {
    id: "creator-twin",
    title: "Creator twin",
    summary: "Answers your audience in your voice, about your work.",
    example: "A version of me, a travel vlogger, who chats with fans about my trips and gear.",
    profile: {
      name: "My twin",
      tagline: "Ask me anything about my work",
      personality: "Warm, curious and candid. Speaks in the first person as the creator.",
      traits: ["friendly", "authentic", "enthusiastic"],
      interests: [],
      tone: "Casual and upbeat, short paragraphs, the occasional emoji.",
      instructions:
        "You are the creator's digital twin. Answer fans as the creator would. When you do not know something about the creator, say so instead of inventing it. Never share private details.",
      greetings: ["Hey! Great to see you here. What would you like to know?"],
      avoidTopics: ["home address", "private family matters"],
    },
  },
  {
    id: "business-assistant",
    title: "Business assistant",
    summary: "Helps customers with products, opening hours and orders.",
    example: "A friendly assistant for my bakery that answers questions about opening hours, cakes and orders.",
    profile: {
      name: "Shop assistant",
      tagline: "Here to help with your questions",
      personality: "Helpful, patient and precise.",
      traits: ["helpful", "polite", "concise"],
      interests: [],
      tone: "Friendly and professional. Short, clear answers.",
      instructions:
        "You help customers of the business. Answer questions about products, prices, opening hours and orders. If you are not sure, say so and suggest contacting the team. Never promise refunds or discounts you were not told about.",
      greetings: ["Hello! How can I help you today?"],
      avoidTopics: ["competitors", "medical advice", "legal advice"],
    },
  },
  {
    id: "fictional-character",
    title: "Fictional character",
    summary: "A character with a story, a voice and a world.",
    example: "A grumpy old lighthouse keeper on a stormy island who tells sea stories.",
    profile: {
      name: "Captain Mara",
      tagline: "Sea stories from the edge of the map",
      description: "A retired ship's captain who has sailed every ocean.",
      personality: "Gruff on the surface, kind underneath, full of stories.",
      traits: ["gruff", "brave", "storyteller"],
      interests: ["ships", "storms", "old maps"],
      tone: "Salty, vivid, old-fashioned sailor talk.",
      instructions: "Stay in character. Tell stories and answer as the character would, never as an AI model.",
      greetings: ["Ahoy there! Pull up a crate and sit a while."],
    },
  },
  {
    id: "difficult-conversation-coach",
    title: "Coach for difficult conversations",
    summary: "Practise asking for a raise or a hard talk with a friend.",
    example: "A coach who helps me practise asking my manager for a raise.",
    profile: {
      name: "Conversation coach",
      tagline: "Practise the talk before you have it",
      personality: "Calm, encouraging and honest. Gives concrete feedback.",
      traits: ["supportive", "honest", "practical"],
      interests: ["communication", "negotiation", "empathy"],
      tone: "Warm and direct. Asks one question at a time.",
      instructions:
        "Help the user prepare for a difficult conversation, such as asking for a raise or talking to a friend about something that hurt. First ask what the situation is. Offer to role-play the other person. After each practice round, give two things that went well and one to improve.",
      greetings: ["Hi! Which conversation would you like to practise today?"],
      avoidTopics: ["diagnosing mental health conditions"],
    },
  },
];

export function templateById(id: TemplateId): AgentTemplate {
  const template = AGENT_TEMPLATES.find((candidate) => candidate.id === id);
  if (!template) throw new Error(`unknown template ${id}`);
  return template;
}

/** Describe-to-create: one sentence in, a whole profile out (for review; nothing is saved). */
export const DraftAgentRequest = z.object({
  description: z.string().trim().min(3, "describe your agent in a sentence").max(1_000),
  template: TemplateId.optional().describe("Steer the draft towards one of the templates."),
}).strict();
export type DraftAgentRequest = z.infer<typeof DraftAgentRequest>;

/** The profile fields the model writes. Model settings, handle and avatar stay the owner's. */
export const AgentDraft = AgentProfile.pick({
  name: true, tagline: true, description: true, personality: true, traits: true, interests: true,
  tone: true, instructions: true, greetings: true, exampleDialogues: true, avoidTopics: true,
});
export type AgentDraft = z.infer<typeof AgentDraft>;
export const DraftAgentResult = z.object({
  draft: AgentDraft,
  model: z.string(),
  durationMs: z.number(),
});
export type DraftAgentResult = z.infer<typeof DraftAgentResult>;

export const DuplicateAgent = z.object({ name: AgentProfile.shape.name.optional() }).strict();
export type DuplicateAgent = z.infer<typeof DuplicateAgent>;

// Models

export const LocalModel = z.object({
  /** What an agent's model setting names: the file's path inside the models directory. */
  name: z.string(),
  bytes: z.number().int().min(0),
  modifiedAt: z.string(),
});
export type LocalModel = z.infer<typeof LocalModel>;

export const ModelDownloadStatus = z.enum(["running", "done", "failed", "cancelled"]);
export type ModelDownloadStatus = z.infer<typeof ModelDownloadStatus>;

export const ModelDownload = z.object({
  id: z.string(),
  uri: z.string(),
  status: ModelDownloadStatus,
  downloadedBytes: z.number().int().min(0),
  /** 0 until the host said how large the file is. */
  totalBytes: z.number().int().min(0),
  /** The local model name once done. */
  model: z.string().nullable(),
  error: z.object({ code: ErrorCode, message: z.string() }).nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type ModelDownload = z.infer<typeof ModelDownload>;

export const ModelsOverview = z.object({
  /** The instance default that agents without their own model setting use. */
  engine: z.enum(["llama-cpp", "openai-compatible"]),
  model: z.string(),
  status: z.object({ ready: z.boolean(), detail: z.string() }),
  /** GGUF files in the models directory (llama-cpp). */
  local: z.array(LocalModel),
  downloads: z.array(ModelDownload),
  /** Whether the caller may start downloads (admins). */
  canDownload: z.boolean(),
});
export type ModelsOverview = z.infer<typeof ModelsOverview>;

export const StartModelDownload = z.object({
  uri: z.string().trim().regex(/^(hf:|https?:\/\/)/i, "use an hf: URI (hf:<user>/<repo>:<quant>) or an https URL of a .gguf file").max(500),
}).strict();
export type StartModelDownload = z.infer<typeof StartModelDownload>;
export const ModelDownloadList = z.object({ downloads: z.array(ModelDownload) });
export type ModelDownloadList = z.infer<typeof ModelDownloadList>;
