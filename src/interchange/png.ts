import { crc32 } from "node:zlib";
import textChunk from "png-chunk-text";
import { PNG } from "pngjs";
import { unreadable } from "./common.js";

export type PngChunk = { name: string; data: Uint8Array };

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** The tEXt keywords character cards use; both are replaced when a card is written. */
const CARD_KEYWORDS = new Set(["chara", "ccv3"]);

export function isPng(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 8 && SIGNATURE.every((byte, index) => bytes[index] === byte);
}

/**
 * Splits a PNG into chunks, checking every length against the file and every CRC. Done here rather
 * than with png-chunks-extract, which trusts the declared lengths (a damaged length makes it
 * allocate gigabytes), reads past the end of a truncated file as zeros and skips IEND's CRC.
 */
export function readPngChunks(bytes: Uint8Array, filename: string): PngChunk[] {
  if (!isPng(bytes)) throw unreadable(filename, "it does not start with the PNG signature");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: PngChunk[] = [];
  let offset = 8;
  while (offset < bytes.byteLength) {
    if (offset + 12 > bytes.byteLength) throw unreadable(filename, "the PNG is truncated (a chunk header is cut off)");
    const length = view.getUint32(offset);
    const name = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (!/^[A-Za-z]{4}$/.test(name)) throw unreadable(filename, `the PNG is damaged (a chunk at byte ${offset} has no valid type)`);
    const end = offset + 12 + length;
    if (end > bytes.byteLength) throw unreadable(filename, `the PNG is truncated (its ${name} chunk is cut off)`);
    const stored = view.getUint32(offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== stored) {
      throw unreadable(filename, `the PNG is damaged (the checksum of its ${name} chunk does not match)`);
    }
    if (chunks.length === 0 && name !== "IHDR") throw unreadable(filename, "the PNG is damaged (it does not begin with an IHDR chunk)");
    chunks.push({ name, data: bytes.slice(offset + 8, offset + 8 + length) });
    offset = end;
    if (name === "IEND") return chunks;
  }
  throw unreadable(filename, "the PNG is truncated (it has no IEND chunk)");
}

/** Chunks back into a PNG. Written here with zlib's native CRC: png-chunks-encode's JavaScript CRC took 100+ ms per avatar. */
export function encodePng(chunks: PngChunk[]): Uint8Array {
  const output = new Uint8Array(8 + chunks.reduce((total, chunk) => total + 12 + chunk.data.byteLength, 0));
  const view = new DataView(output.buffer);
  output.set(SIGNATURE, 0);
  let offset = 8;
  for (const chunk of chunks) {
    view.setUint32(offset, chunk.data.byteLength);
    for (let index = 0; index < 4; index++) output[offset + 4 + index] = chunk.name.charCodeAt(index);
    output.set(chunk.data, offset + 8);
    view.setUint32(offset + 8 + chunk.data.byteLength, crc32(output.subarray(offset + 4, offset + 8 + chunk.data.byteLength)));
    offset += 12 + chunk.data.byteLength;
  }
  return output;
}

/** The card text chunks by keyword (`chara`, `ccv3`), as stored (base64). */
export function cardTexts(chunks: PngChunk[]): Map<string, string> {
  const texts = new Map<string, string>();
  for (const chunk of chunks) {
    if (chunk.name !== "tEXt") continue;
    const keyword = textKeyword(chunk.data);
    if (keyword === null || !CARD_KEYWORDS.has(keyword.toLowerCase())) continue;
    try {
      texts.set(keyword.toLowerCase(), textChunk.decode(chunk.data).text);
    } catch {
      // A NUL inside the text: leave it out; the caller reports the chunk as missing or invalid.
      texts.set(keyword.toLowerCase(), "\u0000");
    }
  }
  return texts;
}

function textKeyword(data: Uint8Array): string | null {
  const nul = data.indexOf(0);
  return nul <= 0 ? null : String.fromCharCode(...data.subarray(0, nul));
}

export function withoutCardChunks(chunks: PngChunk[]): PngChunk[] {
  return chunks.filter((chunk) => {
    if (chunk.name !== "tEXt" && chunk.name !== "iTXt" && chunk.name !== "zTXt") return true;
    const keyword = textKeyword(chunk.data);
    return keyword === null || !CARD_KEYWORDS.has(keyword.toLowerCase());
  });
}

/** The PNG with its card chunks replaced by `texts` (keyword -> Latin-1 text), just before IEND. */
export function withCardChunks(chunks: PngChunk[], texts: Array<[string, string]>): Uint8Array {
  const kept = withoutCardChunks(chunks).filter((chunk) => chunk.name !== "IEND");
  const added = texts.map(([keyword, text]) => {
    const chunk = textChunk.encode(keyword, text);
    return { name: chunk.name, data: chunk.data };
  });
  return encodePng([...kept, ...added, { name: "IEND", data: new Uint8Array(0) }]);
}

/** A plain portrait-shaped PNG in a colour derived from the name, for cards whose avatar is not a PNG. */
export function placeholderPng(name: string): Uint8Array {
  const width = 400;
  const height = 600;
  let hash = 2166136261;
  for (const char of name) hash = Math.imul(hash ^ char.codePointAt(0)!, 16777619);
  const [red, green, blue] = hslToRgb(((hash >>> 0) % 360) / 360, 0.45, 0.55);
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    // A gentle vertical shade so the placeholder does not look like a rendering error.
    const shade = 1 - (y / height) * 0.25;
    for (let x = 0; x < width; x++) {
      const index = (y * width + x) * 4;
      png.data[index] = Math.round(red * shade);
      png.data[index + 1] = Math.round(green * shade);
      png.data[index + 2] = Math.round(blue * shade);
      png.data[index + 3] = 255;
    }
  }
  return new Uint8Array(PNG.sync.write(png));
}

function hslToRgb(hue: number, saturation: number, lightness: number): [number, number, number] {
  const q = lightness < 0.5 ? lightness * (1 + saturation) : lightness + saturation - lightness * saturation;
  const p = 2 * lightness - q;
  const channel = (t: number) => {
    const tt = t < 0 ? t + 1 : t > 1 ? t - 1 : t;
    if (tt < 1 / 6) return p + (q - p) * 6 * tt;
    if (tt < 1 / 2) return q;
    if (tt < 2 / 3) return p + (q - p) * (2 / 3 - tt) * 6;
    return p;
  };
  return [channel(hue + 1 / 3) * 255, channel(hue) * 255, channel(hue - 1 / 3) * 255];
}
