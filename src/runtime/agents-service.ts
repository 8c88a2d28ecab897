import { randomBytes } from "node:crypto";
import {
  AgentPatch,
  AgentProfile,
  AtelierError,
  parseWith,
  PublishSettings,
  PublishSettingsPatch,
  type Agent,
  type Publication,
  type Visibility,
  type AgentProfileInput,
  type AgentVersionSummary,
} from "../contracts/index.js";
import type { AgentRepository } from "../store/agents.js";
import { newId, slugify } from "./ids.js";

const MAX_HANDLE_ATTEMPTS = 50;
/** How long the union of allowed origins is trusted before it is read again. */
const ORIGINS_TTL_MS = 30_000;

/** 32 random bytes: HMAC-SHA256 keys gain nothing from more. */
function newIdentitySecret(): string {
  return randomBytes(32).toString("base64url");
}

/** Agent use cases: validation, handles, versioning. Accepts an agent id or its handle everywhere. */
export class AgentsService {
  readonly #agents: AgentRepository;
  readonly #now: () => Date;
  #origins: { until: number; origins: Promise<Set<string>> } | undefined;

  constructor(options: { agents: AgentRepository; now?: () => Date }) {
    this.#agents = options.agents;
    this.#now = options.now ?? (() => new Date());
  }

  /** `ownerId` null only for tools that run before accounts exist (the first admin adopts such agents). */
  async create(input: AgentProfileInput, ownerId: string | null): Promise<Agent> {
    const profile = parseWith(AgentProfile, input, "agent");
    const now = this.#now().toISOString();
    if (profile.handle) return this.#agents.create({ id: newId("agt"), handle: profile.handle, ownerId, profile, now });
    const base = slugify(profile.name);
    for (let attempt = 1; attempt <= MAX_HANDLE_ATTEMPTS; attempt++) {
      const handle = attempt === 1 ? base : `${base.slice(0, 36)}-${attempt}`;
      if (await this.#agents.getByHandle(handle)) continue;
      try {
        return await this.#agents.create({ id: newId("agt"), handle, ownerId, profile: { ...profile, handle }, now });
      } catch (error) {
        if (!AtelierError.is(error, "conflict")) throw error; // lost a race for this handle; try the next
      }
    }
    throw new AtelierError("conflict", `Too many agents are named like "${profile.name}". Choose a handle yourself.`);
  }

  /**
   * A new agent (version 1, private) with the original's profile and model settings; conversations,
   * versions and publication stay with the original. The copy gets its own handle.
   */
  async duplicate(original: Agent, options: { name?: string | undefined; ownerId: string | null }): Promise<Agent> {
    const { handle: _handle, ...profile } = profileOf(original);
    const name = options.name ?? copyName(original.name);
    return this.create({ ...profile, name }, options.ownerId);
  }

  /** The agent, or undefined when there is none (storage failures still throw). */
  async find(idOrHandle: string): Promise<Agent | undefined> {
    return (await this.#agents.get(idOrHandle)) ?? (await this.#agents.getByHandle(idOrHandle.toLowerCase()));
  }

  async get(idOrHandle: string): Promise<Agent> {
    const agent = await this.find(idOrHandle);
    if (!agent) throw new AtelierError("not_found", `No agent "${idOrHandle}". List agents with GET /api/agents.`);
    return agent;
  }

  /**
   * The agent as visitors get it: the version pinned at publication (identity, visibility and
   * publication are the agent's current ones). The agent itself while private or already pinned.
   */
  async forVisitors(agent: Agent): Promise<Agent> {
    if (agent.publishedVersion === null || agent.publishedVersion === agent.version) return agent;
    return (await this.#agents.getVersion(agent.id, agent.publishedVersion)) ?? agent;
  }

  /** Newest first; `ownerId` keeps one user's agents. */
  list(options: { ownerId?: string } = {}): Promise<Agent[]> {
    return this.#agents.list(options);
  }

  /**
   * Publishes (or re-publishes) the agent as it is now: pins its current version for visitors and
   * sets the visibility. The first publication time is kept across re-publishing. `changed` is
   * false when it was already published so, at this version.
   */
  async publish(agent: Agent, visibility: Exclude<Visibility, "private">): Promise<{ agent: Agent; changed: boolean }> {
    if (agent.visibility === visibility && agent.publishedVersion === agent.version) return { agent, changed: false };
    const now = this.#now().toISOString();
    const published = await this.#agents.setPublication({ id: agent.id, visibility, publishedVersion: agent.version, publishedAt: agent.publishedAt ?? now, now });
    this.#originsChanged();
    return { agent: published, changed: true };
  }

  /** Private again: only the owner reaches it; visitors keep reading their own past conversations. */
  async unpublish(agent: Agent): Promise<{ agent: Agent; changed: boolean }> {
    if (agent.visibility === "private" && agent.publishedVersion === null) return { agent, changed: false };
    const now = this.#now().toISOString();
    const unpublished = await this.#agents.setPublication({ id: agent.id, visibility: "private", publishedVersion: null, publishedAt: null, now });
    this.#originsChanged();
    return { agent: unpublished, changed: true };
  }

  /** The public directory: public agents as visitors get them, most recently published first. */
  listPublic(limit: number): Promise<Agent[]> {
    return this.#agents.listPublic({ limit });
  }

  /** The agent's publish settings (limits, allowed origins, review), defaults filled in. */
  async publishSettings(agent: Pick<Agent, "id">): Promise<PublishSettings> {
    const found = await this.#agents.getPublishing(agent.id);
    if (!found) throw new AtelierError("not_found", `No agent "${agent.id}".`);
    return found.settings;
  }

  /** The owner's view of the publication; the identity secret is made on first read. */
  async publication(agent: Agent): Promise<Publication> {
    const found = await this.#agents.getPublishing(agent.id);
    if (!found) throw new AtelierError("not_found", `No agent "${agent.id}".`);
    const identitySecret = found.identitySecret ?? (await this.#agents.setIdentitySecret({ id: agent.id, secret: newIdentitySecret(), onlyIfUnset: true }));
    return {
      agentId: agent.id,
      handle: agent.handle,
      visibility: agent.visibility,
      publishedVersion: agent.publishedVersion,
      publishedAt: agent.publishedAt,
      currentVersion: agent.version,
      settings: found.settings,
      identitySecret,
      sharePath: `/a/${agent.handle}`,
    };
  }

  /** The secret embedding sites sign visitors' identities with (made on first use). */
  async identitySecret(agent: Pick<Agent, "id">): Promise<string> {
    const found = await this.#agents.getPublishing(agent.id);
    if (!found) throw new AtelierError("not_found", `No agent "${agent.id}".`);
    return found.identitySecret ?? this.#agents.setIdentitySecret({ id: agent.id, secret: newIdentitySecret(), onlyIfUnset: true });
  }

  /** Merges the patch into the settings (limits key by key); changing them makes no version. */
  async updatePublishSettings(agent: Agent, patchInput: unknown): Promise<Publication> {
    const patch = parseWith(PublishSettingsPatch, patchInput, "publish settings");
    const current = await this.publishSettings(agent);
    const { limits, ...rest } = patch;
    const settings = parseWith(PublishSettings, { ...current, ...rest, limits: { ...current.limits, ...limits } }, "publish settings");
    await this.#agents.setPublishSettings({ id: agent.id, settings });
    this.#originsChanged();
    return this.publication(agent);
  }

  /** A new identity secret; signatures made with the old one stop working. */
  async rotateIdentitySecret(agent: Agent): Promise<Publication> {
    await this.#agents.setIdentitySecret({ id: agent.id, secret: newIdentitySecret() });
    return this.publication(agent);
  }

  /**
   * Whether any unlisted or public agent lets this origin embed it (the widget's CORS check, asked
   * on every cross-site request). Cached briefly; changes made through this service apply at once,
   * changes made by another server sharing the database within ORIGINS_TTL_MS.
   */
  async allowsOrigin(origin: string): Promise<boolean> {
    const now = this.#now().getTime();
    if (!this.#origins || this.#origins.until <= now) {
      const loading = this.#agents.listAllowedOrigins().then((list) => new Set(list));
      this.#origins = { until: now + ORIGINS_TTL_MS, origins: loading };
      loading.catch(() => {
        if (this.#origins?.origins === loading) this.#origins = undefined;
      });
    }
    return (await this.#origins.origins).has(origin.toLowerCase());
  }

  #originsChanged(): void {
    this.#origins = undefined;
  }

  async update(idOrHandle: string, patchInput: unknown, expectedVersion?: number): Promise<Agent> {
    const patch = parseWith(AgentPatch, patchInput, "agent changes");
    const current = await this.get(idOrHandle);
    const merged = parseWith(
      AgentProfile,
      { ...profileOf(current), ...patch, model: withoutNulls({ ...current.model, ...(patch.model ?? {}) }) },
      "agent",
    );
    const handle = patch.handle ?? current.handle;
    return this.#agents.update({
      id: current.id,
      handle,
      profile: { ...merged, handle },
      now: this.#now().toISOString(),
      ...(expectedVersion === undefined ? {} : { expectedVersion }),
    });
  }

  async delete(idOrHandle: string): Promise<void> {
    const agent = await this.get(idOrHandle);
    await this.#agents.delete(agent.id);
    this.#originsChanged();
  }

  async versions(idOrHandle: string): Promise<AgentVersionSummary[]> {
    const agent = await this.get(idOrHandle);
    return this.#agents.listVersions(agent.id);
  }

  async version(idOrHandle: string, version: number): Promise<Agent> {
    const agent = await this.get(idOrHandle);
    const found = await this.#agents.getVersion(agent.id, version);
    if (!found) throw new AtelierError("not_found", `Agent "${agent.name}" has no version ${version} (latest is ${agent.version}).`);
    return found;
  }

  /** Restoring makes an old version's profile the newest version; history is never rewritten. */
  async restore(idOrHandle: string, version: number): Promise<Agent> {
    const old = await this.version(idOrHandle, version);
    const current = await this.get(idOrHandle);
    return this.#agents.update({
      id: current.id,
      handle: current.handle,
      profile: { ...profileOf(old), handle: current.handle },
      now: this.#now().toISOString(),
    });
  }
}

/** The versioned part of an agent, without its identity and timestamps. */
/** A null in a patch means "unset": the key goes, so the default applies again. */
function withoutNulls<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== null)) as { [K in keyof T]: Exclude<T[K], null> };
}

/** "Baker" -> "Baker (copy)", within the name's 80 characters. */
function copyName(name: string): string {
  const suffix = " (copy)";
  return name.slice(0, 80 - suffix.length).trimEnd() + suffix;
}

export function profileOf(agent: Agent): AgentProfile {
  const {
    id: _id, version: _version, ownerId: _ownerId, publishedAt: _publishedAt, visibility: _visibility, publishedVersion: _publishedVersion,
    createdAt: _createdAt, updatedAt: _updatedAt, ...profile
  } = agent;
  return profile;
}
