import { AgentProfile, Visibility, type Agent, type AgentVersionSummary } from "../../contracts/index.js";
import { LRUCache } from "lru-cache";
import { parseStored, parseStoredJson } from "./stored-data.js";

/** An agent joined with one of its versions, as the agent queries select it. */
export interface AgentVersionRow {
  id: string;
  handle: string;
  version: number;
  profile: string;
  owner_id: string | null;
  published_at: string | null;
  visibility: string;
  published_version: number | null;
  created_at: string;
  /** The agent's updated_at for the current version; the version's own created_at for an older one. */
  updated_at: string;
}

export function toAgent(row: AgentVersionRow): Agent {
  const profile = readProfile(row.profile, `profile of agent "${row.id}" version ${row.version}`);
  // Identity comes from the agents row: handle, owner and publication are the agent's current ones, whatever the version held.
  return {
    ...profile,
    id: row.id,
    handle: row.handle,
    version: row.version,
    ownerId: row.owner_id,
    publishedAt: row.published_at,
    visibility: Visibility.parse(row.visibility),
    publishedVersion: row.published_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toVersionSummary(row: { agent_id: string; version: number; profile: string; created_at: string }): AgentVersionSummary {
  const profile = readProfile(row.profile, `profile of agent "${row.agent_id}" version ${row.version}`);
  return { version: row.version, createdAt: row.created_at, name: profile.name };
}

/** Parsed profiles by their stored text (see readProfile). */
const parsedProfiles = new LRUCache<string, AgentProfile>({ max: 64 });

/**
 * Profiles are parsed, not cast: defaults added to the schema later fill in for old versions. A
 * version's profile never changes once written, and every turn reads its agent, so parses are kept
 * by the stored text (a stored profile is up to a few hundred KB; the schema's checks on it were a
 * tenth of a millisecond per turn). What is kept is frozen, so a caller that tried to change a shared
 * profile would fail loudly instead of changing it for everyone.
 */
function readProfile(text: string, what: string): AgentProfile {
  let profile = parsedProfiles.get(text);
  if (!profile) {
    profile = deepFreeze(parseStored(AgentProfile, parseStoredJson(text, what), what));
    parsedProfiles.set(text, profile);
  }
  return profile;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
