import type { Kysely } from "kysely";
import { AtelierError, PublishSettings, type Agent, type AgentProfile, type AgentVersionSummary, type Visibility } from "../../contracts/index.js";
import type { AgentRepository } from "../agents.js";
import { toAgent, toVersionSummary } from "./agent-rows.js";
import type { Database } from "./database.js";
import type { StoreContext } from "./store-context.js";
import { parseStored, parseStoredJson } from "./stored-data.js";

/** AgentRepository over any Kysely dialect: each profile write is a new row in agent_versions. */
export class KyselyAgentRepository implements AgentRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async create(input: { id: string; handle: string; ownerId: string | null; profile: AgentProfile; now: string }): Promise<Agent> {
    const { id, handle, ownerId, now } = input;
    const { errors } = this.#context;
    const profile = JSON.stringify(input.profile);
    try {
      await this.#context.db.transaction().execute(async (trx) => {
        await trx.insertInto("agents")
          .values({ id, handle, current_version: 1, owner_id: ownerId, published_at: null, visibility: "private", published_version: null, publish_settings: "{}", created_at: now, updated_at: now })
          .execute();
        await trx.insertInto("agent_versions").values({ agent_id: id, version: 1, profile, created_at: now }).execute();
      });
    } catch (error) {
      if (errors.isForeignKeyViolation(error)) throw new AtelierError("not_found", `No user "${ownerId}" to own the agent.`, { cause: error });
      if (!errors.isUniqueViolation(error)) throw error;
      // Which constraint failed is dialect-specific text; asking the table again is not.
      if (await this.getByHandle(handle)) throw handleTaken(handle, error);
      throw new AtelierError("conflict", `An agent with the id "${id}" already exists.`, { cause: error });
    }
    return toAgent({ id, handle, version: 1, profile, owner_id: ownerId, published_at: null, visibility: "private", published_version: null, created_at: now, updated_at: now });
  }

  async get(id: string): Promise<Agent | undefined> {
    const row = await currentVersions(this.#context.db).where("agents.id", "=", id).executeTakeFirst();
    return row && toAgent(row);
  }

  async getByHandle(handle: string): Promise<Agent | undefined> {
    const row = await currentVersions(this.#context.db).where("agents.handle", "=", handle).executeTakeFirst();
    return row && toAgent(row);
  }

  async list(options?: { ownerId?: string; limit?: number }): Promise<Agent[]> {
    let query = currentVersions(this.#context.db).orderBy("agents.created_at", "desc").orderBy("agents.id", "desc");
    if (options?.ownerId !== undefined) query = query.where("agents.owner_id", "=", options.ownerId);
    if (options?.limit !== undefined) query = query.limit(options.limit);
    return (await query.execute()).map(toAgent);
  }

  setPublication(input: { id: string; visibility: Visibility; publishedVersion: number | null; publishedAt: string | null; now: string }): Promise<Agent> {
    const { id, visibility, publishedVersion, publishedAt, now } = input;
    // Only the agents row changes: publication is not part of the profile, so no version is made.
    return this.#context.db.transaction().execute(async (trx) => {
      if (publishedVersion !== null) {
        const version = await trx.selectFrom("agent_versions").select("version")
          .where("agent_id", "=", id).where("version", "=", publishedVersion).executeTakeFirst();
        if (!version) throw new AtelierError("not_found", `Agent "${id}" has no version ${publishedVersion} to publish.`);
      }
      const result = await trx.updateTable("agents")
        .set({ visibility, published_version: publishedVersion, published_at: publishedAt, updated_at: now })
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      if (result.numUpdatedRows === 0n) throw agentNotFound(id);
      return toAgent(await currentVersions(trx).where("agents.id", "=", id).executeTakeFirstOrThrow());
    });
  }

  async listPublic(options: { limit: number }): Promise<Agent[]> {
    const rows = await this.#context.db
      .selectFrom("agents")
      .innerJoin("agent_versions", (join) =>
        join.onRef("agent_versions.agent_id", "=", "agents.id").onRef("agent_versions.version", "=", "agents.published_version"))
      .select(AGENT_COLUMNS)
      // As getVersion reads an older version: its own time, so visitors' copies match wherever they come from.
      .select("agent_versions.created_at as updated_at")
      .where("agents.visibility", "=", "public")
      .orderBy("agents.published_at", "desc")
      .orderBy("agents.id", "desc")
      .limit(options.limit)
      .execute();
    return rows.map(toAgent);
  }

  async listAllowedOrigins(): Promise<string[]> {
    const rows = await this.#context.db.selectFrom("agents").select(["id", "publish_settings"])
      .where("visibility", "!=", "private")
      .where("publish_settings", "!=", "{}")
      .execute();
    const origins = new Set<string>();
    for (const row of rows) for (const origin of readSettings(row).allowedOrigins) origins.add(origin);
    return [...origins];
  }

  async getPublishing(id: string): Promise<{ settings: PublishSettings; identitySecret: string | null } | undefined> {
    const row = await this.#context.db.selectFrom("agents").select(["id", "publish_settings", "identity_secret"]).where("id", "=", id).executeTakeFirst();
    return row && { settings: readSettings(row), identitySecret: row.identity_secret };
  }

  async setPublishSettings(input: { id: string; settings: PublishSettings }): Promise<void> {
    const result = await this.#context.db.updateTable("agents")
      .set({ publish_settings: JSON.stringify(input.settings) })
      .where("id", "=", input.id)
      .executeTakeFirstOrThrow();
    if (result.numUpdatedRows === 0n) throw agentNotFound(input.id);
  }

  async setIdentitySecret(input: { id: string; secret: string; onlyIfUnset?: boolean }): Promise<string> {
    let query = this.#context.db.updateTable("agents").set({ identity_secret: input.secret }).where("id", "=", input.id);
    if (input.onlyIfUnset) query = query.where("identity_secret", "is", null);
    await query.execute();
    // Read back rather than trust the update count: with onlyIfUnset, an earlier caller's secret stays.
    const row = await this.#context.db.selectFrom("agents").select("identity_secret").where("id", "=", input.id).executeTakeFirst();
    if (!row) throw agentNotFound(input.id);
    if (row.identity_secret === null) throw new AtelierError("internal", `Could not store the identity secret of agent "${input.id}".`);
    return row.identity_secret;
  }

  update(input: { id: string; handle: string; profile: AgentProfile; now: string; expectedVersion?: number }): Promise<Agent> {
    const { id, handle, now, expectedVersion } = input;
    const { errors } = this.#context;
    const profile = JSON.stringify(input.profile);
    return this.#context.db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom("agents")
        .select(["current_version", "owner_id", "published_at", "visibility", "published_version", "created_at"])
        .where("id", "=", id)
        .executeTakeFirst();
      if (!current) throw agentNotFound(id);
      const found = current.current_version;
      if (expectedVersion !== undefined && expectedVersion !== found) throw staleVersion({ id, expectedVersion, found });
      const version = found + 1;
      try {
        await trx.insertInto("agent_versions").values({ agent_id: id, version, profile, created_at: now }).execute();
      } catch (error) {
        // Another writer (another PostgreSQL connection) stored this version number first.
        if (errors.isUniqueViolation(error)) throw staleVersion({ id, expectedVersion, found, cause: error });
        throw error;
      }
      let updated: bigint;
      try {
        const result = await trx.updateTable("agents")
          .set({ handle, current_version: version, updated_at: now })
          .where("id", "=", id)
          .where("current_version", "=", found)
          .executeTakeFirstOrThrow();
        updated = result.numUpdatedRows;
      } catch (error) {
        if (errors.isUniqueViolation(error)) throw handleTaken(handle, error);
        throw error;
      }
      if (updated === 0n) throw staleVersion({ id, expectedVersion, found });
      const { owner_id, published_at, visibility, published_version, created_at } = current;
      return toAgent({ id, handle, version, profile, owner_id, published_at, visibility, published_version, created_at, updated_at: now });
    });
  }

  async getVersion(id: string, version: number): Promise<Agent | undefined> {
    const row = await this.#context.db
      .selectFrom("agents")
      .innerJoin("agent_versions", "agent_versions.agent_id", "agents.id")
      .select(AGENT_COLUMNS)
      .select("agent_versions.created_at as updated_at")
      .where("agents.id", "=", id)
      .where("agent_versions.version", "=", version)
      .executeTakeFirst();
    return row && toAgent(row);
  }

  async listVersions(id: string): Promise<AgentVersionSummary[]> {
    const rows = await this.#context.db
      .selectFrom("agent_versions")
      .select(["agent_id", "version", "profile", "created_at"])
      .where("agent_id", "=", id)
      .orderBy("version", "desc")
      .execute();
    return rows.map(toVersionSummary);
  }

  async delete(id: string): Promise<boolean> {
    // One statement is its own transaction; ON DELETE CASCADE takes versions, conversations and messages with it.
    const result = await this.#context.db.deleteFrom("agents").where("id", "=", id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

/** What toAgent needs but updated_at, which depends on the version read. */
const AGENT_COLUMNS = [
  "agents.id",
  "agents.handle",
  "agent_versions.version",
  "agent_versions.profile",
  "agents.owner_id",
  "agents.published_at",
  "agents.visibility",
  "agents.published_version",
  "agents.created_at",
] as const;

/** Each agent joined with its current version. */
function currentVersions(db: Kysely<Database>) {
  return db
    .selectFrom("agents")
    .innerJoin("agent_versions", (join) =>
      join.onRef("agent_versions.agent_id", "=", "agents.id").onRef("agent_versions.version", "=", "agents.current_version"))
    .select(AGENT_COLUMNS)
    .select("agents.updated_at");
}

/** Settings are parsed, not cast: "{}" and settings stored before a field existed get the defaults. */
function readSettings(row: { id: string; publish_settings: string }): PublishSettings {
  const what = `publish settings of agent "${row.id}"`;
  return parseStored(PublishSettings, parseStoredJson(row.publish_settings, what), what);
}

function handleTaken(handle: string, cause: unknown): AtelierError {
  return new AtelierError("conflict", `The handle "${handle}" is taken. Choose another.`, { cause });
}

function agentNotFound(id: string): AtelierError {
  return new AtelierError("not_found", `No agent "${id}".`);
}

function staleVersion(input: { id: string; expectedVersion: number | undefined; found: number; cause?: unknown }): AtelierError {
  const message = input.expectedVersion === undefined
    ? `Agent "${input.id}" was changed by another edit at the same moment. Reload it and try again.`
    : `Agent "${input.id}" is at version ${input.found}, not ${input.expectedVersion}: someone else saved a change first. Reload it and apply your edit again.`;
  return new AtelierError("conflict", message, input.cause === undefined ? undefined : { cause: input.cause });
}
