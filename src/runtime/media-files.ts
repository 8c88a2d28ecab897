import { createHash } from "node:crypto";
import { AtelierError } from "../contracts/index.js";

/** The largest avatar image taken, by upload or inside an imported file. */
export const MAX_AVATAR_BYTES = 5 * 1024 * 1024;

/** Image types served from /media, with the extension their URL carries. */
export const IMAGE_EXTENSIONS = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
  "image/gif": "gif",
} as const;
export type ImageMime = keyof typeof IMAGE_EXTENSIONS;

const MIME_BY_EXTENSION = new Map<string, ImageMime>(Object.entries(IMAGE_EXTENSIONS).map(([mime, extension]) => [extension, mime as ImageMime]));

/** The image type the bytes actually are (by their signature), whatever the name or header claims. */
export function sniffImage(bytes: Uint8Array): ImageMime | undefined {
  const starts = (...signature: number[]) => signature.every((byte, index) => bytes[index] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png";
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (starts(0x47, 0x49, 0x46, 0x38) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61) return "image/gif";
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return "image/webp";
  return undefined;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** "/media/<sha256>.<ext>": content-addressed, so the URL never changes meaning. */
export function mediaUrl(sha256: string, mime: ImageMime): string {
  return `/media/${sha256}.${IMAGE_EXTENSIONS[mime]}`;
}

/** The hash and type a /media file name (or URL) names; undefined for anything else. */
export function parseMediaName(nameOrUrl: string): { sha256: string; mime: ImageMime } | undefined {
  const match = /^(?:\/media\/)?([0-9a-f]{64})\.([a-z]{3,4})$/.exec(nameOrUrl);
  const mime = match ? MIME_BY_EXTENSION.get(match[2]!) : undefined;
  return match && mime ? { sha256: match[1]!, mime } : undefined;
}

/**
 * An image checked for what it claims: a known type by its signature, matching the declared type
 * when one is given, within the size limit. Throws what was wrong and what to send instead.
 */
export function checkImage(input: { bytes: Uint8Array; declared?: string | undefined; what: string }): ImageMime {
  const { bytes, what } = input;
  if (bytes.byteLength === 0) throw new AtelierError("bad_request", `${what} is empty. Send a PNG, JPEG, WebP or GIF image.`);
  if (bytes.byteLength > MAX_AVATAR_BYTES) {
    throw new AtelierError("payload_too_large", `${what} is larger than ${MAX_AVATAR_BYTES / 1024 / 1024} MiB. Use a smaller image.`);
  }
  const actual = sniffImage(bytes);
  if (!actual) throw new AtelierError("unsupported_media_type", `${what} is not a PNG, JPEG, WebP or GIF image. Send one of those.`);
  const declared = input.declared?.split(";")[0]?.trim().toLowerCase();
  if (declared && declared !== actual && !(declared === "image/jpg" && actual === "image/jpeg")) {
    throw new AtelierError("unsupported_media_type", `${what} is labelled ${declared} but is a ${actual} image. Send it with Content-Type: ${actual}.`);
  }
  return actual;
}

/** A data: URI's bytes and type; undefined when it is not a base64 image data: URI. */
export function decodeDataUri(uri: string): { mime: string; bytes: Uint8Array } | undefined {
  const match = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)(?:;[^,;]*)*;base64,([A-Za-z0-9+/=\s]*)$/i.exec(uri);
  if (!match) return undefined;
  const bytes = Buffer.from(match[2]!.replace(/\s+/g, ""), "base64");
  return bytes.byteLength === 0 ? undefined : { mime: match[1]!.toLowerCase(), bytes: new Uint8Array(bytes) };
}
