import { createHash } from "node:crypto";
import { z } from "zod";
import { AgentProfile, Handle } from "../contracts/agent.js";
import { DocumentFormat } from "../contracts/knowledge.js";
import { LorebookContent } from "../contracts/lorebook.js";
import { decodeBase64, describeIssues, type ReadContext } from "./common.js";
import { isImageMime } from "./image.js";

const base64 = z.string().refine((value) => decodeBase64(value) !== null, "is not valid base64");

export const BundleVersion = z.object({
  version: z.number().int().min(1),
  createdAt: z.string().min(1).max(100),
  profile: AgentProfile,
});

export const BundleKnowledge = z.object({
  name: z.string().trim().min(1).max(2_000),
  title: z.string().max(2_000),
  format: DocumentFormat,
  origin: z.enum(["upload", "url"]),
  url: z.string().max(2_000).nullable(),
  contentBase64: base64,
});

export const BundleMedia = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "expected a sha256 in lowercase hex"),
  // Text rather than an enum in the type, as the media store hands it out; still only the four images.
  mime: z.string().refine((value): boolean => isImageMime(value), "expected image/png, image/jpeg, image/webp or image/gif"),
  base64,
});

/**
 * A whole agent, to move it between Atelier instances: every version's profile, the lorebook,
 * knowledge documents as their original bytes (re-indexed on import) and the avatar images.
 */
export const AgentBundle = z.object({
  format: z.literal("atelier.agent-bundle"),
  version: z.literal(1),
  exportedAt: z.string().min(1).max(100),
  agent: z.object({ handle: Handle }),
  versions: z.array(BundleVersion).min(1).max(10_000).superRefine((versions, context) => {
    versions.forEach((entry, index) => {
      const previous = versions[index - 1];
      if (previous && entry.version <= previous.version) {
        context.addIssue({ code: "custom", path: [index, "version"], message: `versions must be in increasing order without repeats (${entry.version} follows ${previous.version})` });
      }
    });
  }),
  lorebook: LorebookContent.nullable(),
  knowledge: z.array(BundleKnowledge).max(10_000),
  media: z.array(BundleMedia).max(1_000).superRefine((media, context) => {
    media.forEach((item, index) => {
      const bytes = decodeBase64(item.base64);
      if (bytes !== null && createHash("sha256").update(bytes).digest("hex") !== item.sha256) {
        context.addIssue({ code: "custom", path: [index, "sha256"], message: "does not match the image's bytes (the bundle was changed or damaged)" });
      }
    });
  }),
});
export type AgentBundle = z.infer<typeof AgentBundle>;
export type AgentBundleInput = z.input<typeof AgentBundle>;

export function isBundle(json: Record<string, unknown>): boolean {
  return json.format === "atelier.agent-bundle";
}

export function readBundle(json: unknown, context: ReadContext): AgentBundle {
  const parsed = AgentBundle.safeParse(json);
  if (!parsed.success) {
    throw context.fail(describeIssues(parsed.error));
  }
  return parsed.data;
}

export function writeBundle(bundle: AgentBundle): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(AgentBundle.parse(bundle)));
}
