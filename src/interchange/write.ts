import type { AgentProfile } from "../contracts/agent.js";
import type { ExportFormat } from "../contracts/interchange.js";
import type { LorebookContent } from "../contracts/lorebook.js";
import type { CardAsset } from "./card-schema.js";
import { profileToCard } from "./card-mapping.js";
import { writeCharx } from "./charx.js";
import { encodeBase64, isHttpUrl, MiB, type Avatar } from "./common.js";
import { IMAGE_EXTENSIONS, isImageMime, sniffImage } from "./image.js";
import { placeholderPng, readPngChunks, withCardChunks, type PngChunk } from "./png.js";

export type WrittenFile = { bytes: Uint8Array; mime: string; extension: string };

/** JSON cards carry a stored avatar as a data: URI only while the card stays well inside the import limit. */
const JSON_AVATAR_MAX_BYTES = 2 * MiB;

/**
 * An agent as a character card. The PNG carries both chunks (ccv3 for V3 readers, chara for V2
 * ones) on the avatar, or on a generated picture when the avatar is not a PNG.
 */
export async function writeAgentFile(input: {
  format: Exclude<ExportFormat, "bundle">;
  profile: AgentProfile;
  lorebook: LorebookContent | null;
  avatar: Avatar | null;
}): Promise<WrittenFile> {
  const { profile, lorebook } = input;
  const avatar = input.avatar && sniffImage(input.avatar.bytes) === input.avatar.mime ? input.avatar : null;
  const icon = (uri: string, ext: string): CardAsset => ({ type: "icon", uri, name: "main", ext });
  switch (input.format) {
    case "card-v2-json":
      return json(profileToCard({ profile, lorebook, version: 2, icon: null }));
    case "card-v3-json": {
      let main = icon("ccdefault:", "png");
      if (isHttpUrl(profile.avatar)) main = icon(profile.avatar, urlExtension(profile.avatar));
      else if (avatar && avatar.bytes.byteLength <= JSON_AVATAR_MAX_BYTES) {
        main = icon(`data:${avatar.mime};base64,${encodeBase64(avatar.bytes)}`, extensionOf(avatar.mime));
      }
      return json(profileToCard({ profile, lorebook, version: 3, icon: main }));
    }
    case "card-v3-png": {
      const base = pngChunksOf(avatar) ?? readPngChunks(placeholderPng(profile.name), "placeholder");
      const v2 = profileToCard({ profile, lorebook, version: 2, icon: null });
      const v3 = profileToCard({ profile, lorebook, version: 3, icon: icon("ccdefault:", "png") });
      const bytes = withCardChunks(base, [["chara", base64Json(v2)], ["ccv3", base64Json(v3)]]);
      return { bytes, mime: "image/png", extension: "png" };
    }
    case "charx": {
      // A linked avatar stays a link; the zip carries a picture only when there are bytes to carry.
      if (!avatar && isHttpUrl(profile.avatar)) {
        const card = profileToCard({ profile, lorebook, version: 3, icon: icon(profile.avatar, urlExtension(profile.avatar)) });
        return { bytes: await writeCharx(card, []), mime: "application/zip", extension: "charx" };
      }
      const image = avatar ?? { mime: "image/png", bytes: placeholderPng(profile.name) };
      const ext = extensionOf(image.mime);
      const path = `assets/icon/image/main.${ext}`;
      const card = profileToCard({ profile, lorebook, version: 3, icon: icon(`embeded://${path}`, ext) });
      return { bytes: await writeCharx(card, [{ path, bytes: image.bytes }]), mime: "application/zip", extension: "charx" };
    }
  }
}

function json(card: unknown): WrittenFile {
  return { bytes: new TextEncoder().encode(JSON.stringify(card, null, 2)), mime: "application/json", extension: "json" };
}

function base64Json(card: unknown): string {
  return Buffer.from(JSON.stringify(card), "utf8").toString("base64");
}

function pngChunksOf(avatar: Avatar | null): PngChunk[] | null {
  if (!avatar || avatar.mime !== "image/png") return null;
  try {
    return readPngChunks(avatar.bytes, "avatar");
  } catch {
    return null;
  }
}

function urlExtension(url: string): string {
  const match = /\.(png|jpe?g|webp|gif)(?:[?#]|$)/i.exec(url);
  return match ? match[1]!.toLowerCase().replace("jpeg", "jpg") : "png";
}

/** The file extension of an image type; "png" for one Atelier does not know (the placeholder's). */
function extensionOf(mime: string): string {
  return isImageMime(mime) ? IMAGE_EXTENSIONS[mime] : "png";
}
