import type { Agent, AgentProfile, AgentVersionSummary, PublishSettings, Visibility } from "../contracts/index.js";

/** Agents and their immutable versions. Every write to a profile creates a new version. */
export interface AgentRepository {
  /** Creates version 1, private (publishedAt null). Throws conflict when the handle (or the id) is taken, not_found when the owner does not exist. */
  create(input: { id: string; handle: string; ownerId: string | null; profile: AgentProfile; now: string }): Promise<Agent>;
  get(id: string): Promise<Agent | undefined>;
  getByHandle(handle: string): Promise<Agent | undefined>;
  /** Newest first. `ownerId` keeps only that user's agents. */
  list(options?: { ownerId?: string; limit?: number }): Promise<Agent[]>;
  /**
   * Sets who may reach the agent and which version they get, without creating a version: private
   * (publishedVersion and publishedAt null) or unlisted/public pinned to an existing version.
   * Throws not_found for an unknown agent or version.
   */
  setPublication(input: { id: string; visibility: Visibility; publishedVersion: number | null; publishedAt: string | null; now: string }): Promise<Agent>;
  /** Public agents, as visitors get them (their pinned versions), most recently first published first. */
  listPublic(options: { limit: number }): Promise<Agent[]>;
  /** Every origin some unlisted or public agent allows (the widget's CORS allow-list), without duplicates. */
  listAllowedOrigins(): Promise<string[]>;
  /** Publish settings (defaults filled in) and the identity secret (null until made). Undefined for an unknown agent. */
  getPublishing(id: string): Promise<{ settings: PublishSettings; identitySecret: string | null } | undefined>;
  /** Replaces the publish settings; not versioned. Throws not_found. */
  setPublishSettings(input: { id: string; settings: PublishSettings }): Promise<void>;
  /**
   * Stores the identity secret and returns the one in force: with `onlyIfUnset`, a secret made
   * concurrently by someone else wins, so every caller ends up with the same one. Throws not_found.
   */
  setIdentitySecret(input: { id: string; secret: string; onlyIfUnset?: boolean }): Promise<string>;
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
