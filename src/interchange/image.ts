import { decodeBase64, MiB, type Avatar } from "./common.js";
import { isPng } from "./png.js";

/** The image types Atelier takes as avatars (uploaded, or inside an imported file), with the extension their files carry. */
export const IMAGE_EXTENSIONS = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
  "image/gif": "gif",
} as const;
export type ImageMime = keyof typeof IMAGE_EXTENSIONS;

/** The largest avatar taken, by upload or inside an imported card (data: URIs, CHARX icons). */
export const AVATAR_MAX_BYTES = 5 * MiB;

export function isImageMime(mime: string): mime is ImageMime {
  return Object.hasOwn(IMAGE_EXTENSIONS, mime);
}

/** The image type the bytes actually are (by their signature), whatever a name or header claims. */
export function sniffImage(bytes: Uint8Array): ImageMime | null {
  const starts = (...signature: number[]) => signature.every((byte, index) => bytes[index] === byte);
  if (isPng(bytes)) return "image/png";
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (starts(0x47, 0x49, 0x46, 0x38) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61) return "image/gif";
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return "image/webp";
  return null;
}

/** A `data:image/…;base64,` avatar, decoded; null when it is anything else or too large. */
export function decodeDataUri(uri: string): Avatar | null {
  const match = /^data:([a-z/+.-]+);base64,(.*)$/is.exec(uri.trim());
  if (!match) return null;
  const mime = match[1]!.toLowerCase();
  if (!isImageMime(mime)) return null;
  const bytes = decodeBase64(match[2]!);
  if (bytes === null || bytes.byteLength === 0 || bytes.byteLength > AVATAR_MAX_BYTES) return null;
  return { mime, bytes };
}
