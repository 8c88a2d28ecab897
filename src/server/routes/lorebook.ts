import type { FastifyRequest } from "fastify";
import {
  AtelierError, IdParams, Lorebook, LorebookImportQuery, LorebookImportResult, LorebookTest, LorebookTestResult, PutLorebook,
  type Agent, type LorebookContent,
} from "../../contracts/index.js";
import { FILE_MAX_BYTES, readAgentFile, readLorebookFile, writeWorldInfo } from "../../interchange/index.js";
import type { Principal } from "../../runtime/auth/principal.js";
import { textTokens, type TextTokens } from "../../runtime/text-tokens.js";
import type { AuthRule } from "../authz.js";
import { route, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";

const READ: AuthRule = { allow: ["user"], scope: "agents:read" };
const WRITE: AuthRule = { allow: ["user"], scope: "agents:write" };

/** A whole lorebook as JSON can be large (2,000 entries of up to 20,000 characters each are allowed). */
const LOREBOOK_BODY_LIMIT = 16 * 1024 * 1024;
/** Largest file an import takes: a lorebook JSON, or a card (PNG with its avatar, CHARX) carrying one; the card reader's own limit. */
const IMPORT_FILE_LIMIT = FILE_MAX_BYTES;

export function lorebookRoutes({ access, lorebooks, engines }: AppServices): RouteSpec[] {
  const own = ({ params, principal }: { params: { id: string }; principal: Principal }) => access.ownAgent(principal, params.id);
  return [
    route({
      method: "GET", url: "/api/agents/:id/lorebook", tag: "lorebook", summary: "Get an agent's lorebook (world info); an empty one at revision 0 when it has none",
      auth: READ, params: IdParams, guard: own, responses: { 200: Lorebook },
      handler: async ({ resource }) => ({ status: 200, body: await lorebooks.get(resource.id) }),
    }),
    route({
      method: "PUT", url: "/api/agents/:id/lorebook", tag: "lorebook",
      summary: "Replace an agent's lorebook; send expectedRevision to refuse the save (409) when someone changed it since you read it",
      auth: WRITE, params: IdParams, body: PutLorebook, guard: own, bodyLimit: LOREBOOK_BODY_LIMIT, responses: { 200: Lorebook },
      handler: async ({ resource, body }) => ({ status: 200, body: await lorebooks.put(resource.id, body) }),
    }),
    route({
      method: "POST", url: "/api/agents/:id/lorebook/import", tag: "lorebook",
      summary: "Import a lorebook (multipart field \"file\"): SillyTavern World Info or character_book JSON, or a character card (PNG, JSON, CHARX) with a book; mode=merge adds its entries, mode=replace swaps the lorebook",
      auth: WRITE, params: IdParams, query: LorebookImportQuery, guard: own, upload: true, responses: { 200: LorebookImportResult },
      handler: async ({ resource, query, request }) => {
        const file = await readUpload(request);
        const imported = await lorebookOf(file);
        const saved = await lorebooks.merge(resource.id, imported.content, query.mode);
        return { status: 200, body: { format: imported.format, mode: query.mode, entries: imported.content.entries.length, revision: saved.revision, warnings: imported.warnings } };
      },
    }),
    route({
      method: "GET", url: "/api/agents/:id/lorebook/export", tag: "lorebook", summary: "Download an agent's lorebook as SillyTavern World Info JSON",
      auth: READ, params: IdParams, guard: own, responses: { 200: { file: "application/json" } },
      handler: async ({ resource, reply }) => {
        const book = await lorebooks.get(resource.id);
        const { agentId: _agent, revision: _revision, updatedAt: _updated, ...content } = book;
        void reply
          .type("application/json; charset=utf-8")
          .header("content-disposition", `attachment; filename="${resource.handle}-lorebook.json"`)
          .header("cache-control", "no-store")
          .send(JSON.stringify(writeWorldInfo(content), null, 2));
        return "streamed";
      },
    }),
    route({
      method: "POST", url: "/api/agents/:id/lorebook/test", tag: "lorebook",
      summary: "Which entries these messages would trigger and what they cost in tokens, without talking to the model",
      auth: READ, params: IdParams, body: LorebookTest, guard: own, responses: { 200: LorebookTestResult },
      handler: async ({ resource, body }) => ({ status: 200, body: await lorebooks.test(resource.id, body, await tokenCounter(resource)) }),
    }),
  ];

  /** Tokens of a text as the agent's own model counts them in a turn. */
  async function tokenCounter(agent: Agent): Promise<TextTokens> {
    return textTokens(await engines.resolve({ engine: agent.model.engine, model: agent.model.model }));
  }
}

interface Upload { name: string; bytes: Uint8Array }

/** The one file of a multipart upload, in field "file". */
async function readUpload(request: FastifyRequest): Promise<Upload> {
  if (!request.isMultipart()) {
    throw new AtelierError("unsupported_media_type", "Upload the lorebook as multipart/form-data, in the \"file\" field.");
  }
  let upload: Upload | undefined;
  try {
    for await (const part of request.parts({ limits: { fileSize: IMPORT_FILE_LIMIT, files: 1 } })) {
      if (part.type !== "file") continue;
      const bytes = await part.toBuffer();
      if (part.file.truncated) throw new AtelierError("payload_too_large", `The file is larger than ${IMPORT_FILE_LIMIT / 1024 / 1024} MiB; a lorebook or card should be far smaller.`);
      if (part.fieldname === "file") upload = { name: part.filename || "lorebook.json", bytes };
    }
  } catch (error) {
    if (AtelierError.is(error)) throw error;
    const code = (error as { code?: string }).code;
    if (code === "FST_FILES_LIMIT") throw new AtelierError("bad_request", "Send one file, in the \"file\" field.", { cause: error });
    if (code?.startsWith("FST_")) throw new AtelierError("bad_request", `The upload could not be read: ${(error as Error).message}.`, { cause: error });
    throw error;
  }
  if (!upload) throw new AtelierError("bad_request", "No file came with the upload: send it in the multipart field \"file\".");
  if (upload.bytes.length === 0) throw new AtelierError("document_unreadable", `"${upload.name}" is empty. Choose the World Info JSON or the character card again.`);
  return upload;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];
const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];

/**
 * The lorebook an uploaded file carries: World Info, a bare character_book or a card's book from
 * JSON; PNG and CHARX files are cards, read by the card reader, whose character_book is taken.
 */
async function lorebookOf(file: Upload): Promise<{ content: LorebookContent; format: "world-info" | "character-book"; warnings: string[] }> {
  const startsWith = (signature: number[]) => signature.every((byte, index) => file.bytes[index] === byte);
  if (startsWith(PNG_SIGNATURE) || startsWith(ZIP_SIGNATURE)) return fromCard(file);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(file.bytes));
  } catch (error) {
    throw new AtelierError("document_unreadable",
      `"${file.name}" is not a JSON file (${(error as Error).message}). Import SillyTavern World Info JSON, a character_book, or a character card (PNG or JSON).`, { cause: error });
  }
  if (looksLikeCard(json)) return fromCard(file);
  return readLorebookFile(json);
}

async function fromCard(file: Upload): Promise<{ content: LorebookContent; format: "character-book"; warnings: string[] }> {
  const read = await readAgentFile({ bytes: file.bytes, filename: file.name });
  const lorebook = read.kind === "bundle" ? read.bundle.lorebook : read.lorebook;
  if (!lorebook) {
    throw new AtelierError("document_unreadable",
      `"${file.name}" is a character ${read.kind === "bundle" ? "bundle" : "card"} without a lorebook (no character_book). Import a card that has one, or a World Info JSON file.`);
  }
  return { content: lorebook, format: "character-book", warnings: read.warnings };
}

/**
 * JSON the lorebook reader does not take but a card reader does: an Atelier bundle, a V1 card (name
 * with first_mes) or an elizaOS character, so that the answer says it has no lorebook. V2/V3 card
 * JSON is read by readLorebookFile itself.
 */
function looksLikeCard(json: unknown): boolean {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return false;
  const record = json as Record<string, unknown>;
  if (record.format === "atelier.agent-bundle") return true;
  if ("entries" in record) return false;
  return typeof record.name === "string" && ("first_mes" in record || "bio" in record);
}
