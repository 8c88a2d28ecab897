import { AtelierError } from "../contracts/errors.js";
import type { LorebookContent } from "../contracts/lorebook.js";
import { isBundle, readBundle, type AgentBundle } from "./bundle.js";
import { cardToProfile, type ProfileWithoutHandle } from "./card-mapping.js";
import { CardData, CardV1, CardV2, CardV3, V1_MARKERS } from "./card-schema.js";
import { isZip, openCharx } from "./charx.js";
import {
  ACCEPTED_TYPES, CARD_JSON_MAX_BYTES, FILE_MAX_BYTES, cardContext, decodeBase64, decodeUtf8,
  describeIssues, formatSize, isHttpUrl, isRecord, parseJson, tooLarge, type Avatar, type ReadContext,
} from "./common.js";
import { looksLikeEliza, readEliza } from "./eliza.js";
import { AVATAR_MAX_BYTES, decodeDataUri, sniffImage } from "./image.js";
import { cardTexts, encodePng, isPng, readPngChunks, withoutCardChunks } from "./png.js";

export type CharacterFile = {
  kind: "character";
  format: "card-v2" | "card-v3" | "charx" | "eliza";
  profile: ProfileWithoutHandle;
  lorebook: LorebookContent | null;
  avatar: Avatar | null;
  /** Documents to add as knowledge (an elizaOS character's knowledge strings). */
  knowledge: Array<{ name: string; content: Uint8Array }>;
  warnings: string[];
};
export type AgentFile = CharacterFile | { kind: "bundle"; bundle: AgentBundle; warnings: string[] };

/**
 * Reads an imported file: a PNG card (ccv3 chunk first, then chara), a card JSON (V1, V2, V3), a
 * CHARX zip, an elizaOS character or an Atelier bundle. Everything is checked here, so a bad file
 * is refused before anything is created.
 */
export async function readAgentFile(input: { bytes: Uint8Array; filename: string }): Promise<AgentFile> {
  const { bytes } = input;
  const filename = input.filename.trim() || "The file";
  if (bytes.byteLength > FILE_MAX_BYTES) throw tooLarge(filename, "the file", FILE_MAX_BYTES);
  const context = cardContext(filename);
  if (isPng(bytes)) return readPngCard(bytes, context);
  if (isZip(bytes)) return readCharxCard(bytes, context);
  const firstChar = firstNonSpace(bytes);
  if (firstChar === "{" || firstChar === "[") return readJsonFile(bytes, context);
  const extension = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase();
  if (extension === "png") throw context.fail("the file is named .png but is not a PNG image (it does not start with the PNG signature)");
  if (extension === "charx") throw context.fail("the file is named .charx but is not a zip archive");
  if (extension === "json") throw context.fail("the file is named .json but does not hold a JSON object");
  throw new AtelierError("unsupported_media_type", `${filename} is not a file Atelier can import. Use ${ACCEPTED_TYPES}.`);
}

function firstNonSpace(bytes: Uint8Array): string {
  let index = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (index < bytes.byteLength && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[index]!)) index++;
  return index < bytes.byteLength ? String.fromCharCode(bytes[index]!) : "";
}

function readPngCard(bytes: Uint8Array, context: ReadContext): CharacterFile {
  const chunks = readPngChunks(bytes, context.filename);
  const texts = cardTexts(chunks);
  const candidates = (["ccv3", "chara"] as const).filter((keyword) => texts.has(keyword));
  if (candidates.length === 0) {
    throw context.fail("the PNG has no 'chara' or 'ccv3' text chunk, so it is an ordinary image rather than a character card");
  }
  let firstError: AtelierError | undefined;
  for (const keyword of candidates) {
    // Each attempt gathers its own warnings: a failed ccv3 must not leave its warnings behind.
    const attempt = cardContext(context.filename);
    try {
      const card = parseCard(decodeChunk(texts.get(keyword)!, keyword, attempt), attempt);
      const { profile, lorebook } = cardToProfile(card.data, attempt);
      const warnings = firstError === undefined ? attempt.warnings
        : [`The V3 card (ccv3 chunk) could not be read, so the V2 card (chara chunk) was used: ${firstError.message}`, ...attempt.warnings];
      const avatar = { mime: "image/png", bytes: encodePng(withoutCardChunks(chunks)) };
      return { kind: "character", format: card.format, profile, lorebook, avatar, knowledge: [], warnings };
    } catch (error) {
      if (!AtelierError.is(error, "document_unreadable")) throw error;
      if (firstError !== undefined) throw firstError;
      firstError = error;
    }
  }
  throw firstError!;
}

function decodeChunk(text: string, keyword: string, context: ReadContext): unknown {
  let raw: string;
  if (text.trimStart().startsWith("{")) {
    raw = text; // a few tools store the JSON itself rather than base64
  } else {
    const bytes = decodeBase64(text);
    if (bytes === null) throw context.fail(`its '${keyword}' chunk is not valid base64`);
    if (bytes.byteLength > CARD_JSON_MAX_BYTES) throw tooLarge(context.filename, `its '${keyword}' card`, CARD_JSON_MAX_BYTES);
    const decoded = decodeUtf8(bytes);
    if (decoded === null) throw context.fail(`its '${keyword}' chunk does not hold UTF-8 text`);
    raw = decoded;
  }
  const json = parseJson(raw);
  if (!json.ok) throw context.fail(`its '${keyword}' chunk is not valid JSON (${json.message})`);
  return json.value;
}

type ParsedCard = { format: "card-v2" | "card-v3"; data: CardData; topLevel: Record<string, unknown> };

function parseCard(json: unknown, context: ReadContext): ParsedCard {
  if (!isRecord(json)) throw context.fail("its card is not a JSON object");
  const spec = json.spec;
  if (spec === "chara_card_v3" || spec === "chara_card_v2") {
    const parsed = (spec === "chara_card_v3" ? CardV3 : CardV2).safeParse(json);
    if (!parsed.success) throw context.fail(describeIssues(parsed.error));
    return { format: spec === "chara_card_v3" ? "card-v3" : "card-v2", data: parsed.data.data, topLevel: json };
  }
  if (typeof spec === "string") throw context.fail(`its spec "${spec.slice(0, 40)}" is not a character card (chara_card_v2 or chara_card_v3)`);
  if (!V1_MARKERS.some((key) => key in json)) throw context.fail("it has neither a card spec nor character fields (name, description, first_mes)");
  const v1 = CardV1.safeParse(json);
  if (!v1.success) throw context.fail(describeIssues(v1.error));
  return { format: "card-v2", data: CardData.parse(v1.data), topLevel: json };
}

async function readCharxCard(bytes: Uint8Array, context: ReadContext): Promise<CharacterFile> {
  const charx = await openCharx(bytes, context.filename);
  try {
    const text = decodeUtf8(charx.cardJson);
    if (text === null) throw context.fail("its card.json is not UTF-8 text");
    const json = parseJson(text);
    if (!json.ok) throw context.fail(`its card.json is not valid JSON (${json.message})`);
    const card = parseCard(json.value, context);
    const mapped = cardToProfile(card.data, context);
    let profile = mapped.profile;
    let avatar: Avatar | null = null;
    const uri = mapped.icon?.uri ?? "";
    const embedded = /^embedd?ed:\/\/(.+)$/i.exec(uri);
    if (embedded) {
      const found = await charx.read(embedded[1]!, AVATAR_MAX_BYTES);
      if (found === null) context.warnings.push(`The card's icon (${embedded[1]}) is not in the CHARX zip; the agent has no avatar.`);
      else if (found === "too-large") context.warnings.push(`The card's icon is larger than ${formatSize(AVATAR_MAX_BYTES)} and was left out.`);
      else {
        const mime = sniffImage(found);
        if (mime === null) context.warnings.push("The card's icon is not a PNG, JPEG, WebP or GIF image and was left out.");
        else avatar = { mime, bytes: found };
      }
    } else {
      ({ profile, avatar } = resolveIcon(uri, profile, context));
    }
    return { kind: "character", format: "charx", profile, lorebook: mapped.lorebook, avatar, knowledge: [], warnings: context.warnings };
  } finally {
    charx.close();
  }
}

function readJsonFile(bytes: Uint8Array, context: ReadContext): AgentFile {
  const text = decodeUtf8(bytes);
  if (text === null) throw context.fail("it is not UTF-8 text");
  const parsed = parseJson(text);
  if (!parsed.ok) throw context.fail(`it is not valid JSON (${parsed.message})`);
  const json = parsed.value;
  if (!isRecord(json)) throw context.fail("it holds JSON, but not an object");
  if (isBundle(json)) {
    const bundleContext: ReadContext = {
      ...context,
      fail: (what) => new AtelierError("document_unreadable", `${context.filename} is not a valid Atelier bundle: ${what}. Export the agent again from Atelier.`),
    };
    return { kind: "bundle", bundle: readBundle(json, bundleContext), warnings: context.warnings };
  }
  if (bytes.byteLength > CARD_JSON_MAX_BYTES) throw tooLarge(context.filename, "the card", CARD_JSON_MAX_BYTES);
  if (!("spec" in json) && looksLikeEliza(json)) {
    const { profile, knowledge } = readEliza(json, context);
    return { kind: "character", format: "eliza", profile, lorebook: null, avatar: null, knowledge, warnings: context.warnings };
  }
  if (!("spec" in json) && "entries" in json && !("name" in json && V1_MARKERS.some((key) => key in json))) {
    throw context.fail("it is a lorebook (World Info), not a character", "Import it on an agent's Lorebook page instead.");
  }
  const card = parseCard(json, context);
  const mapped = cardToProfile(card.data, context);
  const dataAvatar = (card.data as Record<string, unknown>).avatar;
  const legacy = typeof dataAvatar === "string" ? dataAvatar : typeof card.topLevel.avatar === "string" ? card.topLevel.avatar : "";
  const { profile, avatar } = resolveIcon(mapped.icon?.uri ?? legacy, mapped.profile, context);
  return { kind: "character", format: card.format, profile, lorebook: mapped.lorebook, avatar, knowledge: [], warnings: context.warnings };
}

/** A JSON card's picture: http(s) links are kept as the avatar URL, data: images are unpacked. */
function resolveIcon(uri: string, profile: ProfileWithoutHandle, context: ReadContext): { profile: ProfileWithoutHandle; avatar: Avatar | null } {
  const value = uri.trim();
  if (value === "" || value === "none" || /^ccdefault:/i.test(value)) return { profile, avatar: null };
  if (isHttpUrl(value) && value.length <= 2_000) return { profile: { ...profile, avatar: value }, avatar: null };
  if (/^data:/i.test(value)) {
    const avatar = decodeDataUri(value);
    if (avatar && sniffImage(avatar.bytes) === avatar.mime) return { profile, avatar };
    context.warnings.push(`The card's avatar (a data: URI) is not a PNG, JPEG, WebP or GIF image of at most ${formatSize(AVATAR_MAX_BYTES)}; it was left out.`);
    return { profile, avatar: null };
  }
  if (/^embedd?ed:\/\//i.test(value)) {
    context.warnings.push("The card's avatar is a file inside a CHARX archive, which a JSON card cannot carry; it was left out. Import the .charx file to keep it.");
  } else {
    context.warnings.push(`The card's avatar "${value.slice(0, 80)}" is not an http(s) link (at most 2,000 characters) or an image; it was left out.`);
  }
  return { profile, avatar: null };
}
