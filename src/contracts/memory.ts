import { z } from "zod";

/**
 * What an agent remembers about one person it talks to. Strictly per agent and per person
 * (participant): nothing reads another person's memories, and no agent reads another agent's.
 */
export const MemoryKind = z.enum(["name", "preference", "fact", "request"]);
export type MemoryKind = z.infer<typeof MemoryKind>;

export const MEMORY_TEXT_MAX = 500;
const memoryText = z.string().trim().min(1, "write what the agent should remember").max(MEMORY_TEXT_MAX);

export const Memory = z.object({
  id: z.string(),
  agentId: z.string(),
  participantId: z.string(),
  kind: MemoryKind,
  content: z.string(),
  /** "extracted": the agent noted it after a turn; "owner": the owner wrote or edited it. */
  origin: z.enum(["extracted", "owner"]),
  /** The conversation it was noted in; null when the owner added it. */
  conversationId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Memory = z.infer<typeof Memory>;

export const MemoryList = z.object({ memories: z.array(Memory) });
export type MemoryList = z.infer<typeof MemoryList>;

/** The owner adds a memory by hand. */
export const CreateMemory = z.object({ kind: MemoryKind.default("fact"), content: memoryText }).strict();
export type CreateMemory = z.infer<typeof CreateMemory>;

/** The owner corrects a memory. */
export const MemoryPatch = z.object({ kind: MemoryKind.optional(), content: memoryText.optional() }).strict()
  .refine((patch) => patch.kind !== undefined || patch.content !== undefined, "change the kind or the content");
export type MemoryPatch = z.infer<typeof MemoryPatch>;

/** One person an agent remembers, for the owner's memory page. */
export const RememberedPerson = z.object({
  participantId: z.string(),
  /** How the owner recognises them: the account's name or email, "Visitor <short id>", or an embedding site's user. */
  label: z.string(),
  kind: z.enum(["user", "visitor"]),
  memoryCount: z.number().int().min(0),
  /** The latest memory's updatedAt. */
  updatedAt: z.string(),
});
export type RememberedPerson = z.infer<typeof RememberedPerson>;
export const RememberedPeople = z.object({ people: z.array(RememberedPerson) });
export type RememberedPeople = z.infer<typeof RememberedPeople>;

/** Participant ids run to ~235 characters: an API person is "api:<key id>:<the app's user, up to 200>". */
export const PersonParams = z.object({ id: z.string().min(1).max(100), participantId: z.string().min(1).max(300) });
export const MemoryParams = z.object({ id: z.string().min(1).max(100), memoryId: z.string().min(1).max(100) });
/** The caller's own memories with one agent (visitors and signed-in people alike). */
export const OwnMemoriesQuery = z.object({ agentId: z.string().min(1).max(100) });

export const ForgetResult = z.object({ deleted: z.number().int().min(0) });
export type ForgetResult = z.infer<typeof ForgetResult>;

/**
 * Older turns of a conversation that outgrew the model's context, summarised instead of dropped.
 * The prompt carries the summary, then the messages after `throughMessageId`. Visible to whoever
 * may read the conversation.
 */
export const ConversationSummary = z.object({
  id: z.string(),
  conversationId: z.string(),
  content: z.string(),
  /** The last message the summary covers (inclusive). */
  throughMessageId: z.string(),
  /** How many messages it covers, from the start of the conversation. */
  coveredMessages: z.number().int().min(1),
  model: z.string(),
  createdAt: z.string(),
});
export type ConversationSummary = z.infer<typeof ConversationSummary>;
