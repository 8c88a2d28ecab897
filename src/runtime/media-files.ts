import { createHash } from "node:crypto";
import { AtelierError } from "../contracts/index.js";
import { AVATAR_MAX_BYTES, IMAGE_EXTENSIONS, sniffImage, type ImageMime } from "../interchange/index.js";

const MIME_BY_EXTENSION = new Map<string, ImageMime>(Object.entries(IMAGE_EXTENSIONS).map(([mime, extension]) => [extension, mime as ImageMime]));

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
  if (bytes.byteLength > AVATAR_MAX_BYTES) {
    throw new AtelierError("payload_too_large", `${what} is larger than ${AVATAR_MAX_BYTES / 1024 / 1024} MiB. Use a smaller image.`);
  }
  const actual = sniffImage(bytes);
  if (!actual) throw new AtelierError("unsupported_media_type", `${what} is not a PNG, JPEG, WebP or GIF image. Send one of those.`);
  const declared = input.declared?.split(";")[0]?.trim().toLowerCase();
  if (declared && declared !== actual && !(declared === "image/jpg" && actual === "image/jpeg")) {
    throw new AtelierError("unsupported_media_type", `${what} is labelled ${declared} but is a ${actual} image. Send it with Content-Type: ${actual}.`);
  }
  return actual;
}
