import path from "node:path";
import {
  AgentProfile,
  AtelierError,
  DocumentFormat,
  Handle,
  LorebookContent,
  parseWith,
  type Agent,
  type ExportFormat,
  type ImportResult,
} from "../contracts/index.js";
import { decodeDataUri, readAgentFile, writeAgentFile, writeBundle, type AgentBundle, type AgentFile, type ImageMime } from "../interchange/index.js";
import type { KnowledgeService } from "../knowledge/knowledge-service.js";
import { detectFormat } from "../knowledge/parse/index.js";
import type { Store } from "../store/store.js";
import { profileOf, type AgentsService } from "./agents-service.js";
import { newId, slugify } from "./ids.js";
import { checkImage, mediaUrl, parseMediaName, sha256Hex } from "./media-files.js";

const MAX_HANDLE_ATTEMPTS = 50;

export interface InterchangeServiceOptions {
  store: Store;
  agents: AgentsService;
  knowledge: KnowledgeService;
  /** Wakes the knowledge indexer after a bundle's sources are stored as they were. */
  indexer: { wake(): void };
  /** The most a knowledge document may weigh (the knowledge upload limit). */
  maxKnowledgeBytes: number;
  now?: () => Date;
}

/** A file to download: its bytes, type, and the name to offer. */
export interface ExportedFile {
  bytes: Uint8Array;
  mime: string;
  filename: string;
}

type Image = { mime: ImageMime; bytes: Uint8Array; sha256: string };
type Document = { name: string; bytes: Uint8Array };
type BundleSource = { name: string; title: string; format: DocumentFormat; origin: "upload" | "url"; url: string | null; bytes: Uint8Array };

/** Everything an import will write, checked before the first write so a bad file creates nothing. */
interface ImportPlan {
  format: ImportResult["format"];
  handle: string | undefined;
  versions: Array<{ profile: AgentProfile; createdAt: string | undefined }>;
  lorebook: LorebookContent | null;
  images: Image[];
  documents: Document[];
  sources: BundleSource[];
  warnings: string[];
}

/**
 * Agents in and out as files: character cards (V2/V3 JSON, PNG, CHARX), elizaOS characters and
 * Atelier bundles; and agents' avatars, stored content-addressed in the media store.
 */
export class InterchangeService {
  readonly #options: InterchangeServiceOptions;
  readonly #now: () => Date;

  constructor(options: InterchangeServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Creates an agent (private) of the owner from the file. Creates nothing when the file is refused or a write fails. */
  async importFile(input: { ownerId: string; filename: string; bytes: Uint8Array }): Promise<ImportResult> {
    const file = await readAgentFile({ bytes: input.bytes, filename: input.filename });
    const plan = file.kind === "bundle" ? this.#planBundle(file.bundle, file.warnings) : this.#planCharacter(file);
    const { store } = this.#options;
    const now = this.#now().toISOString();
    for (const image of plan.images) await store.media.put({ sha256: image.sha256, mime: image.mime, bytes: image.bytes, now });

    const [first, ...later] = plan.versions;
    if (!first) throw new AtelierError("document_unreadable", "The file holds no version of the agent. Export it again.");
    let agent = await this.#createAgent({ profile: first.profile, ownerId: input.ownerId, handle: plan.handle, now: first.createdAt ?? now });
    try {
      for (const version of later) {
        agent = await store.agents.update({ id: agent.id, handle: agent.handle, profile: { ...version.profile, handle: agent.handle }, now: version.createdAt ?? now });
      }
      if (plan.lorebook) await store.lorebooks.put({ agentId: agent.id, content: plan.lorebook, now });
      let knowledgeSources = 0;
      if (plan.documents.length > 0) {
        const added = await this.#options.knowledge.addFiles(agent.id, plan.documents);
        knowledgeSources += added.sources.length;
        for (const rejected of added.rejected) plan.warnings.push(`The knowledge document "${rejected.name}" was not added: ${rejected.message}`);
      }
      for (const source of plan.sources) {
        await store.knowledge.putSource({
          id: newId("src"), agentId: agent.id, name: source.name, title: source.title, format: source.format, origin: source.origin, url: source.url,
          sha256: sha256Hex(source.bytes), content: source.bytes, now,
        });
        knowledgeSources += 1;
      }
      if (plan.sources.length > 0) this.#options.indexer.wake();
      return {
        agent, format: plan.format, lorebookEntries: plan.lorebook?.entries.length ?? 0, knowledgeSources, versions: plan.versions.length, warnings: plan.warnings,
      };
    } catch (error) {
      // The versions, lorebook and sources written so far go with the agent.
      await store.agents.delete(agent.id).catch(() => undefined);
      throw error;
    }
  }

  /** The agent as a file in `format`; a bundle carries every version, the lorebook, knowledge and avatars. */
  async exportAgent(agent: Agent, format: ExportFormat): Promise<ExportedFile> {
    const lorebook = await this.#lorebookOf(agent.id);
    if (format === "bundle") {
      const bytes = writeBundle(await this.#bundleOf(agent, lorebook));
      return { bytes, mime: "application/json", filename: `${agent.handle}.atelier.json` };
    }
    const profile = profileOf(agent);
    const written = await writeAgentFile({ format, profile, lorebook, avatar: await this.#avatarOf(profile.avatar) });
    return { bytes: written.bytes, mime: written.mime, filename: `${agent.handle}.${written.extension.replace(/^\./, "")}` };
  }

  /** Stores the image and makes it the agent's avatar (a new version). */
  async setAvatar(agent: Agent, input: { bytes: Uint8Array; mime?: string | undefined }): Promise<Agent> {
    const mime = checkImage({ bytes: input.bytes, declared: input.mime, what: "The avatar" });
    const sha256 = sha256Hex(input.bytes);
    await this.#options.store.media.put({ sha256, mime, bytes: input.bytes, now: this.#now().toISOString() });
    return this.#options.agents.update(agent.id, { avatar: mediaUrl(sha256, mime) });
  }

  /** A stored image by its /media name; undefined for a name that is not one (or names another type). */
  async media(name: string): Promise<{ mime: string; bytes: Uint8Array } | undefined> {
    const parsed = parseMediaName(name);
    if (!parsed) return undefined;
    const found = await this.#options.store.media.get(parsed.sha256);
    return found && found.mime === parsed.mime ? found : undefined;
  }

  #planCharacter(file: Extract<AgentFile, { kind: "character" }>): ImportPlan {
    const warnings = [...file.warnings];
    const images: Image[] = [];
    let avatar = typeof file.profile.avatar === "string" ? file.profile.avatar : "";
    if (file.avatar) {
      const image = this.#image(file.avatar.bytes, file.avatar.mime, warnings);
      if (image) {
        images.push(image);
        avatar = mediaUrl(image.sha256, image.mime);
      }
    }
    if (avatar.startsWith("data:") && avatar.length > 2_000) avatar = ""; // too long for the profile; the image was taken above when it could be
    const profile = asDocumentError(() => parseWith(AgentProfile, { ...file.profile, handle: undefined, avatar }, "agent in the file"));
    const documents: Document[] = [];
    for (const document of file.knowledge) {
      const problem = this.#documentProblem(document.name, document.content);
      if (problem) warnings.push(`The knowledge document "${document.name}" was not added: ${problem}`);
      else documents.push({ name: document.name, bytes: document.content });
    }
    const lorebook = file.lorebook === null ? null : asDocumentError(() => parseWith(LorebookContent, file.lorebook, "lorebook in the file"));
    return { format: file.format, handle: undefined, versions: [{ profile, createdAt: undefined }], lorebook, images, documents, sources: [], warnings };
  }

  #planBundle(bundle: AgentBundle, fileWarnings: readonly string[]): ImportPlan {
    const warnings = [...fileWarnings];
    const images: Image[] = [];
    const carried = new Set<string>();
    for (const item of bundle.media) {
      const bytes = decodeBase64(item.base64, `media ${item.sha256}`);
      if (sha256Hex(bytes) !== item.sha256) throw new AtelierError("document_unreadable", `The bundle's image ${item.sha256} does not match its hash: the file is damaged. Export it again.`);
      const image = this.#image(bytes, item.mime, warnings);
      if (image) {
        images.push(image);
        carried.add(mediaUrl(image.sha256, image.mime));
      }
    }
    const versions = [...bundle.versions].sort((a, b) => a.version - b.version).map((version, index) => {
      const profile = asDocumentError(() => parseWith(AgentProfile, { ...version.profile, handle: undefined }, `agent version ${version.version} in the bundle`));
      if (profile.avatar.startsWith("/media/") && !carried.has(profile.avatar)) {
        warnings.push(`Version ${index + 1}'s avatar was not in the bundle and was left out.`);
        profile.avatar = "";
      }
      return { profile, createdAt: version.createdAt };
    });
    const sources: BundleSource[] = bundle.knowledge.map((source) => {
      const bytes = decodeBase64(source.contentBase64, `knowledge source "${source.name}"`);
      const format = DocumentFormat.safeParse(source.format);
      if (!format.success) throw new AtelierError("document_unreadable", `The bundle's knowledge source "${source.name}" has an unknown format "${String(source.format)}".`);
      if (bytes.byteLength === 0 || bytes.byteLength > this.#options.maxKnowledgeBytes) {
        throw new AtelierError("document_unreadable", `The bundle's knowledge source "${source.name}" is empty or larger than ${this.#options.maxKnowledgeBytes} bytes, the most this server takes.`);
      }
      return { name: source.name, title: source.title, format: format.data, origin: source.origin, url: source.url, bytes };
    });
    const lorebook = bundle.lorebook === null ? null : asDocumentError(() => parseWith(LorebookContent, bundle.lorebook, "lorebook in the bundle"));
    const handle = Handle.safeParse(bundle.agent.handle);
    return { format: "bundle", handle: handle.success ? handle.data : undefined, versions, lorebook, images, documents: [], sources, warnings };
  }

  /** An image to keep, or undefined (with a warning) when it cannot be an avatar: the rest of the agent still comes in. */
  #image(bytes: Uint8Array, declared: string, warnings: string[]): Image | undefined {
    try {
      const mime = checkImage({ bytes, declared, what: "The avatar image" });
      return { mime, bytes, sha256: sha256Hex(bytes) };
    } catch (error) {
      if (!AtelierError.is(error)) throw error;
      warnings.push(`${error.message.replace(/ (Send|Use) .*$/, "")} It was not kept; set another with PUT /api/agents/:id/avatar.`);
      return undefined;
    }
  }

  #documentProblem(name: string, content: Uint8Array): string | undefined {
    const base = path.basename(name.replaceAll("\\", "/")).trim();
    if (!base || base.length > 500) return "it has no usable file name";
    if (!detectFormat({ name: base })) return "it is not a supported document type";
    if (content.byteLength === 0) return "it is empty";
    if (content.byteLength > this.#options.maxKnowledgeBytes) return `it is larger than ${this.#options.maxKnowledgeBytes} bytes`;
    return undefined;
  }

  /** Version 1 under the preferred handle, or one derived from the name, suffixed while taken (as AgentsService does). */
  async #createAgent(input: { profile: AgentProfile; ownerId: string; handle: string | undefined; now: string }): Promise<Agent> {
    const { agents } = this.#options.store;
    const base = input.handle ?? slugify(input.profile.name);
    for (let attempt = 1; attempt <= MAX_HANDLE_ATTEMPTS; attempt++) {
      const handle = attempt === 1 ? base : `${base.slice(0, 36)}-${attempt}`;
      if (await agents.getByHandle(handle)) continue;
      try {
        return await agents.create({ id: newId("agt"), handle, ownerId: input.ownerId, profile: { ...input.profile, handle }, now: input.now });
      } catch (error) {
        if (!AtelierError.is(error, "conflict")) throw error; // lost a race for this handle; try the next
      }
    }
    throw new AtelierError("conflict", `Too many agents are named like "${input.profile.name}". Rename one of yours and import again.`);
  }

  async #lorebookOf(agentId: string): Promise<LorebookContent | null> {
    const stored = await this.#options.store.lorebooks.get(agentId);
    if (!stored) return null;
    const { agentId: _agentId, revision: _revision, updatedAt: _updatedAt, ...content } = stored;
    return LorebookContent.parse(content);
  }

  /** The avatar's bytes when Atelier holds them (a /media image, a data: URI); a remote URL stays a URL. */
  async #avatarOf(avatar: string): Promise<{ mime: string; bytes: Uint8Array } | null> {
    if (avatar.startsWith("/media/")) {
      const name = avatar.slice("/media/".length);
      return (await this.media(name)) ?? null;
    }
    if (avatar.startsWith("data:")) return decodeDataUri(avatar) ?? null;
    return null;
  }

  async #bundleOf(agent: Agent, lorebook: LorebookContent | null): Promise<AgentBundle> {
    const { store } = this.#options;
    const summaries = [...(await store.agents.listVersions(agent.id))].sort((a, b) => a.version - b.version);
    const versions: AgentBundle["versions"] = [];
    const avatars = new Set<string>();
    for (const summary of summaries) {
      const version = await store.agents.getVersion(agent.id, summary.version);
      if (!version) continue;
      const profile = profileOf(version);
      if (profile.avatar.startsWith("/media/")) avatars.add(profile.avatar.slice("/media/".length));
      versions.push({ version: summary.version, createdAt: summary.createdAt, profile });
    }
    const knowledge: AgentBundle["knowledge"] = [];
    for (const source of await store.knowledge.listSources(agent.id)) {
      const content = await store.knowledge.readContent(source.id);
      if (!content) continue; // deleted while exporting
      knowledge.push({ name: source.name, title: source.title, format: source.format, origin: source.origin, url: source.url, contentBase64: Buffer.from(content).toString("base64") });
    }
    const media: AgentBundle["media"] = [];
    for (const name of avatars) {
      const found = await this.media(name);
      if (found) media.push({ sha256: sha256Hex(found.bytes), mime: found.mime, base64: Buffer.from(found.bytes).toString("base64") });
    }
    return { format: "atelier.agent-bundle", version: 1, exportedAt: this.#now().toISOString(), agent: { handle: agent.handle }, versions, lorebook, knowledge, media } as AgentBundle;
  }
}

/** A file whose content does not fit Atelier is the file's fault (422), not a malformed request (400). */
function asDocumentError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!AtelierError.is(error, "validation_failed")) throw error;
    throw new AtelierError("document_unreadable", `${error.message}. Fix the file and import it again.`, error.issues ? { issues: error.issues } : undefined);
  }
}

function decodeBase64(text: string, what: string): Uint8Array {
  const compact = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw new AtelierError("document_unreadable", `The bundle's ${what} is not valid base64: the file is damaged. Export it again.`);
  }
  return new Uint8Array(Buffer.from(compact, "base64"));
}
