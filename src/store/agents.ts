import type { Agent, AgentProfile, AgentVersionSummary } from "../contracts/index.js";

/** Agents and their immutable versions. Every write to a profile creates a new version. */
export interface AgentRepository {
  /** Creates version 1, private (publishedAt null). Throws conflict when the handle (or the id) is taken, not_found when the owner does not exist. */
  create(input: { id: string; handle: string; ownerId: string | null; profile: AgentProfile; now: string }): Promise<Agent>;
  get(id: string): Promise<Agent | undefined>;
  getByHandle(handle: string): Promise<Agent | undefined>;
  /** Newest first. `ownerId` keeps only that user's agents. */
  list(options?: { ownerId?: string; limit?: number }): Promise<Agent[]>;
  /** Publishes (a timestamp) or unpublishes (null) without creating a version. Throws not_found. */
  setPublished(input: { id: string; publishedAt: string | null; now: string }): Promise<Agent>;
  /**
   * Stores `profile` as version current+1. `expectedVersion`, when given, guards against lost updates
   * (conflict when another edit landed first). Throws not_found, conflict.
   */
  update(input: { id: string; handle: string; profile: AgentProfile; now: string; expectedVersion?: number }): Promise<Agent>;
  /** A specific version's full profile. */
  getVersion(id: string, version: number): Promise<Agent | undefined>;
  /** Newest first. */
  listVersions(id: string): Promise<AgentVersionSummary[]>;
  /** Deletes the agent, its versions, and its conversations with their messages. False when absent. */
  delete(id: string): Promise<boolean>;
}
