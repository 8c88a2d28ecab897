import type { Memory, MemoryKind } from "../contracts/index.js";

/**
 * Memories per agent and person. Every read and bulk write takes both keys: there is no query that
 * reaches across people or agents, so no caller can leak one person's memories to another.
 */
export interface MemoryRepository {
  /** Throws not_found when the agent does not exist. */
  add(input: {
    id: string;
    agentId: string;
    participantId: string;
    kind: MemoryKind;
    content: string;
    origin: Memory["origin"];
    conversationId: string | null;
    now: string;
  }): Promise<Memory>;
  get(id: string): Promise<Memory | undefined>;
  /** One person's memories with one agent, oldest first. */
  listFor(input: { agentId: string; participantId: string }): Promise<Memory[]>;
  /** The people an agent remembers, with how many memories each, most recently updated first. */
  listPeople(input: { agentId: string; limit: number }): Promise<Array<{ participantId: string; memoryCount: number; updatedAt: string }>>;
  /** Changes the given fields and updatedAt; undefined when there is no such memory. */
  update(input: { id: string; kind?: MemoryKind | undefined; content?: string | undefined; origin: Memory["origin"]; now: string }): Promise<Memory | undefined>;
  delete(id: string): Promise<boolean>;
  /** Forgets one person with one agent; returns how many memories went. */
  deleteFor(input: { agentId: string; participantId: string }): Promise<number>;
  /** Keeps the newest `keep` memories of the person (by updatedAt), dropping extracted ones first; returns how many went. */
  prune(input: { agentId: string; participantId: string; keep: number }): Promise<number>;
}
