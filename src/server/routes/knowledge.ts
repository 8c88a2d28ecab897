import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { AddKnowledgeResult, AddKnowledgeUrl, AtelierError, IdParams, KnowledgeSearchQuery, KnowledgeSearchResult, KnowledgeSource, KnowledgeSourceList } from "../../contracts/index.js";
import type { IncomingFile } from "../../knowledge/knowledge-service.js";
import type { Principal } from "../../runtime/auth/principal.js";
import type { AuthRule } from "../authz.js";
import { route, type RouteSpec } from "../route.js";
import type { AppServices } from "../services.js";

const READ: AuthRule = { allow: ["user"], scope: "agents:read" };
const WRITE: AuthRule = { allow: ["user"], scope: "agents:write" };

const SourceParams = IdParams.extend({ sourceId: z.string().min(1).max(100) });

/** The most files one upload may carry. */
export const MAX_FILES_PER_UPLOAD = 100;

export function knowledgeRoutes({ access, knowledge }: AppServices): RouteSpec[] {
  const own = ({ params, principal }: { params: { id: string }; principal: Principal }) => access.ownAgent(principal, params.id);
  return [
    route({
      method: "GET", url: "/api/agents/:id/knowledge", tag: "knowledge", summary: "List an agent's knowledge sources with their indexing status",
      auth: READ, params: IdParams, guard: own, responses: { 200: KnowledgeSourceList },
      handler: async ({ resource }) => ({ status: 200, body: { sources: await knowledge.list(resource.id) } }),
    }),
    route({
      method: "POST", url: "/api/agents/:id/knowledge", tag: "knowledge",
      summary: "Upload files (multipart/form-data, field \"files\"); each is queued for indexing, refused files are listed",
      auth: WRITE, params: IdParams, guard: own, upload: true, responses: { 201: AddKnowledgeResult },
      handler: async ({ resource, request }) => ({ status: 201, body: await knowledge.addFiles(resource.id, await readFiles(request)) }),
    }),
    route({
      method: "POST", url: "/api/agents/:id/knowledge/url", tag: "knowledge", summary: "Fetch a web page or file and queue it for indexing",
      auth: WRITE, params: IdParams, body: AddKnowledgeUrl, guard: own, responses: { 201: KnowledgeSource },
      handler: async ({ resource, body }) => ({ status: 201, body: await knowledge.addUrl(resource.id, body.url) }),
    }),
    route({
      method: "GET", url: "/api/agents/:id/knowledge/search", tag: "knowledge", summary: "What the agent would retrieve for a question",
      auth: READ, params: IdParams, query: KnowledgeSearchQuery, guard: own, responses: { 200: KnowledgeSearchResult },
      handler: async ({ resource, query }) => ({ status: 200, body: await knowledge.search(resource.id, query.q, query.limit) }),
    }),
    route({
      method: "GET", url: "/api/agents/:id/knowledge/:sourceId", tag: "knowledge", summary: "Get one knowledge source",
      auth: READ, params: SourceParams, guard: own, responses: { 200: KnowledgeSource },
      handler: async ({ resource, params }) => ({ status: 200, body: await knowledge.get(resource.id, params.sourceId) }),
    }),
    route({
      method: "DELETE", url: "/api/agents/:id/knowledge/:sourceId", tag: "knowledge", summary: "Delete a knowledge source and its chunks",
      auth: WRITE, params: SourceParams, guard: own, responses: { 204: null },
      handler: async ({ resource, params }) => {
        await knowledge.delete(resource.id, params.sourceId);
        return { status: 204 };
      },
    }),
    route({
      method: "POST", url: "/api/agents/:id/knowledge/:sourceId/reindex", tag: "knowledge", summary: "Index a source again from its stored content",
      auth: WRITE, params: SourceParams, guard: own, responses: { 202: KnowledgeSource },
      handler: async ({ resource, params }) => ({ status: 202, body: await knowledge.reindex(resource.id, params.sourceId) }),
    }),
  ];
}

/**
 * The files of a multipart upload. A file over the size limit is kept (truncated, flagged) so the
 * service refuses it by name while the rest of the batch goes ahead.
 */
async function readFiles(request: FastifyRequest): Promise<IncomingFile[]> {
  if (!request.isMultipart()) {
    throw new AtelierError("unsupported_media_type", "Upload files as multipart/form-data, one or more in the \"files\" field.");
  }
  const files: IncomingFile[] = [];
  try {
    for await (const part of request.parts()) {
      if (part.type !== "file") continue;
      const bytes = await part.toBuffer();
      files.push({ name: part.filename || part.fieldname, mediaType: part.mimetype, bytes, ...(part.file.truncated ? { truncated: true } : {}) });
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "FST_FILES_LIMIT") throw new AtelierError("payload_too_large", `Send at most ${MAX_FILES_PER_UPLOAD} files per upload.`, { cause: error });
    if (code?.startsWith("FST_")) throw new AtelierError("bad_request", `The upload could not be read: ${(error as Error).message}.`, { cause: error });
    throw error;
  }
  return files;
}
