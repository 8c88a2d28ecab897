import type { FastifyInstance, FastifyRequest } from "fastify";
import { Agent, AtelierError, ExportQuery, IdParams, ImportResult } from "../../contracts/index.js";
import { AVATAR_MAX_BYTES, IMAGE_EXTENSIONS } from "../../interchange/index.js";
import { userOf, type Principal } from "../../runtime/auth/principal.js";
import type { AuthRule } from "../authz.js";
import { route, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";

const READ: AuthRule = { allow: ["user"], scope: "agents:read" };
const WRITE: AuthRule = { allow: ["user"], scope: "agents:write" };

export const AVATAR_URL = "/api/agents/:id/avatar";

/** Agents in and out as files (character cards, elizaOS characters, Atelier bundles), and avatars. */
export function interchangeRoutes({ access, interchange }: AppServices): RouteSpec[] {
  const own = ({ params, principal }: { params: { id: string }; principal: Principal }) => access.ownAgent(principal, params.id);
  return [
    route({
      method: "POST", url: "/api/agents/import", tag: "agents",
      summary: "Import an agent from a file (multipart/form-data, field \"file\"): a Character Card V2/V3 (PNG, JSON or CHARX), an elizaOS character, or an Atelier bundle. Creates a private agent, or nothing when the file is refused",
      auth: WRITE, upload: true, responses: { 201: ImportResult },
      handler: async ({ principal, request }) => {
        const file = await readFile(request);
        const ownerId = userOf(principal).user.id;
        return { status: 201, body: await interchange.importFile({ ownerId, filename: file.filename, bytes: file.bytes }) };
      },
    }),
    route({
      method: "GET", url: "/api/agents/:id/export", tag: "agents",
      summary: "Download the agent as a file: card-v3-png (both ccv3 and chara chunks), card-v3-json, card-v2-json, charx, or bundle (every version, lorebook, knowledge, avatar)",
      auth: READ, params: IdParams, query: ExportQuery, guard: own,
      responses: { 200: { file: "application/octet-stream" } },
      handler: async ({ resource, query, reply }) => {
        const file = await interchange.exportAgent(resource, query.format);
        void reply
          .type(file.mime)
          .header("content-disposition", `attachment; filename="${file.filename}"`)
          .header("cache-control", "no-store");
        return { status: 200, body: Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength) };
      },
    }),
    route({
      method: "PUT", url: AVATAR_URL, tag: "agents",
      summary: `Set the agent's avatar: the raw image as the body (image/png, image/jpeg, image/webp or image/gif, at most ${AVATAR_MAX_BYTES / 1024 / 1024} MiB). Saves a new version whose avatar is the image's /media URL`,
      auth: WRITE, params: IdParams, guard: own, upload: true, bodyLimit: AVATAR_MAX_BYTES, responses: { 200: Agent },
      handler: async ({ resource, request }) => {
        const contentType = request.headers["content-type"];
        if (!Buffer.isBuffer(request.body)) {
          throw new AtelierError("unsupported_media_type", "Send the image itself as the body, with Content-Type image/png, image/jpeg, image/webp or image/gif.");
        }
        return { status: 200, body: await interchange.setAvatar(resource, { bytes: new Uint8Array(request.body), mime: contentType }) };
      },
    }),
  ];
}

/**
 * Image bodies are read as bytes for the avatar route alone; anywhere else they are refused before
 * being read, as any other unsupported type would be.
 */
export function registerImageBodies(app: FastifyInstance): void {
  const types = Object.keys(IMAGE_EXTENSIONS).concat("image/jpg");
  app.addContentTypeParser(types, { bodyLimit: AVATAR_MAX_BYTES }, (request, payload, done) => {
    if (request.routeOptions.url !== AVATAR_URL) {
      done(new AtelierError("unsupported_media_type", "This route does not take images. Send JSON."), undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    payload.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > AVATAR_MAX_BYTES) {
        payload.removeAllListeners("data");
        payload.resume();
        done(new AtelierError("payload_too_large", `The avatar is larger than ${AVATAR_MAX_BYTES / 1024 / 1024} MiB. Use a smaller image.`), undefined);
        return;
      }
      chunks.push(chunk);
    });
    payload.once("end", () => {
      if (size <= AVATAR_MAX_BYTES) done(null, Buffer.concat(chunks));
    });
    payload.once("error", (error) => done(error, undefined));
  });
}

/** The one file of an import upload. */
async function readFile(request: FastifyRequest): Promise<{ filename: string; bytes: Uint8Array }> {
  if (!request.isMultipart()) {
    throw new AtelierError("unsupported_media_type", "Upload the file as multipart/form-data in the \"file\" field.");
  }
  let found: { filename: string; bytes: Uint8Array } | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type !== "file") continue;
      const bytes = await part.toBuffer();
      if (found) continue; // the first file counts; the rest are read off the wire and ignored
      if (part.file.truncated) throw new AtelierError("payload_too_large", `"${part.filename}" is larger than this server takes. Import a smaller file.`);
      found = { filename: part.filename || part.fieldname, bytes };
    }
  } catch (error) {
    if (AtelierError.is(error)) throw error;
    const code = (error as { code?: string }).code;
    if (code?.startsWith("FST_")) throw new AtelierError("bad_request", `The upload could not be read: ${(error as Error).message}.`, { cause: error });
    throw error;
  }
  if (!found) throw new AtelierError("bad_request", "No file was sent. Attach it in the \"file\" field.");
  if (found.bytes.byteLength === 0) throw new AtelierError("document_unreadable", `"${found.filename}" is empty.`);
  return found;
}
