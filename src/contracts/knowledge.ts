import { z } from "zod";

/** The document formats ingestion understands; detected from the file name, then the media type. */
export const DocumentFormat = z.enum(["text", "markdown", "html", "pdf", "docx", "csv", "json"]);
export type DocumentFormat = z.infer<typeof DocumentFormat>;

/**
 * queued: waiting for a worker (also after a restart); indexing: being parsed, chunked, embedded;
 * ready: searchable; failed: `error` says why (the previous chunks, if any, are gone).
 */
export const SourceStatus = z.enum(["queued", "indexing", "ready", "failed"]);
export type SourceStatus = z.infer<typeof SourceStatus>;

export const SourceProgress = z.object({
  phase: z.enum(["waiting", "parsing", "chunking", "embedding", "done"]),
  /** Units of the current phase done and in all (chunks while embedding); 0/0 when unknown. */
  done: z.number().int().min(0),
  total: z.number().int().min(0),
});
export type SourceProgress = z.infer<typeof SourceProgress>;

export const KnowledgeSource = z.object({
  id: z.string(),
  agentId: z.string(),
  /** The file name, or the URL for fetched pages; unique per agent (adding it again replaces it). */
  name: z.string(),
  /** A readable title: the document's own title when it has one, else the name. */
  title: z.string(),
  format: DocumentFormat,
  /** Where it came from: an uploaded file or a fetched URL. */
  origin: z.enum(["upload", "url"]),
  url: z.string().nullable(),
  bytes: z.number().int().min(0),
  /** sha256 of the content, hex: adding the same content again changes nothing. */
  sha256: z.string(),
  status: SourceStatus,
  progress: SourceProgress,
  error: z.string().nullable(),
  chunkCount: z.number().int().min(0),
  /** The embedding model its chunks were embedded with; null when lexical only. */
  embeddingModel: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type KnowledgeSource = z.infer<typeof KnowledgeSource>;

export const KnowledgeSourceList = z.object({ sources: z.array(KnowledgeSource) });
export type KnowledgeSourceList = z.infer<typeof KnowledgeSourceList>;

/** One file of an upload batch that was refused; the rest of the batch went ahead. */
export const RejectedFile = z.object({ name: z.string(), code: z.string(), message: z.string() });
export type RejectedFile = z.infer<typeof RejectedFile>;

export const AddKnowledgeResult = z.object({
  /** Sources created or replaced, queued for indexing (unchanged ones come back as they are). */
  sources: z.array(KnowledgeSource),
  rejected: z.array(RejectedFile),
});
export type AddKnowledgeResult = z.infer<typeof AddKnowledgeResult>;

export const AddKnowledgeUrl = z.object({
  url: z.string().trim().url().max(2000).refine((value) => /^https?:\/\//i.test(value), "must be an http:// or https:// URL"),
});
export type AddKnowledgeUrl = z.infer<typeof AddKnowledgeUrl>;

export const KnowledgeSearchQuery = z.object({
  q: z.string().trim().min(1, "type a question to search for").max(2000),
  limit: z.coerce.number().int().min(1).max(50).default(8),
});
export type KnowledgeSearchQuery = z.infer<typeof KnowledgeSearchQuery>;

/** A retrieved chunk, with why it ranked where it did. */
export const Passage = z.object({
  chunkId: z.string(),
  sourceId: z.string(),
  sourceName: z.string(),
  sourceTitle: z.string(),
  /** The heading path the chunk sits under ("Returns › Refunds"), or the page ("Page 3"). */
  heading: z.string(),
  text: z.string(),
  /** The chunk's position within its source, from 0. */
  position: z.number().int().min(0),
  /** Reciprocal-rank-fusion score; higher is better. */
  score: z.number(),
  /** 1-based rank in each list it appeared in; null when it was not in that list. */
  lexicalRank: z.number().int().min(1).nullable(),
  vectorRank: z.number().int().min(1).nullable(),
});
export type Passage = z.infer<typeof Passage>;

export const KnowledgeSearchResult = z.object({
  passages: z.array(Passage),
  /** "hybrid" when an embedding model took part, else "lexical". */
  mode: z.enum(["hybrid", "lexical"]),
  tookMs: z.number(),
});
export type KnowledgeSearchResult = z.infer<typeof KnowledgeSearchResult>;

/** A passage a reply was grounded on; `index` is the number of its [n] marker. */
export const Citation = z.object({
  index: z.number().int().min(1),
  sourceId: z.string(),
  chunkId: z.string(),
  title: z.string(),
  heading: z.string(),
  /** The start of the passage, for a preview beside the reply. */
  excerpt: z.string(),
});
export type Citation = z.infer<typeof Citation>;
