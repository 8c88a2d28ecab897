import type { Readable } from "node:stream";
import yauzl from "yauzl";
import { ZipFile } from "yazl";
import { CARD_JSON_MAX_BYTES, formatCount, formatSize, tooLarge, unreadable } from "./common.js";

/** CHARX cards hold card.json, an icon and a few assets; thousands of entries is not a card. */
const MAX_ENTRIES = 2_000;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export type Charx = {
  cardJson: Uint8Array;
  /** An entry's bytes; "too-large" when it unpacks to more than `max` (checked before unpacking); null when absent. */
  read(path: string, max: number): Promise<Uint8Array | "too-large" | null>;
  close(): void;
};

/**
 * Opens a CHARX zip reading only the central directory; entries are unpacked on demand, each after
 * checking its declared size, and yauzl stops any entry that unpacks to more than it declared.
 */
export async function openCharx(bytes: Uint8Array, filename: string): Promise<Charx> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false,
    });
  } catch (error) {
    throw unreadable(filename, `the CHARX zip is damaged (${error instanceof Error ? error.message : String(error)})`, undefined, error);
  }
  try {
    if (zip.entryCount > MAX_ENTRIES) {
      throw unreadable(filename, `the CHARX zip has ${formatCount(zip.entryCount)} files; Atelier reads cards with at most ${formatCount(MAX_ENTRIES)}`);
    }
    const entries = new Map<string, yauzl.Entry>();
    try {
      for await (const entry of zip.eachEntry()) {
        if (!entry.fileName.endsWith("/")) entries.set(entry.fileName.replace(/^\.?\//, ""), entry);
      }
    } catch (error) {
      throw unreadable(filename, `the CHARX zip is damaged (${error instanceof Error ? error.message : String(error)})`, undefined, error);
    }
    const read = async (path: string, max: number): Promise<Uint8Array | "too-large" | null> => {
      const entry = entries.get(path.replace(/^\.?\//, ""));
      if (!entry) return null;
      if (entry.uncompressedSize > max) return "too-large";
      try {
        return await collect(await zip.openReadStreamPromise(entry), max);
      } catch (error) {
        if (error instanceof TooLarge) return "too-large";
        throw unreadable(filename, `the CHARX zip is damaged: ${path} cannot be unpacked (${error instanceof Error ? error.message : String(error)})`, undefined, error);
      }
    };
    const card = await read("card.json", CARD_JSON_MAX_BYTES);
    if (card === null) throw unreadable(filename, "the CHARX zip has no card.json at its top level");
    if (card === "too-large") throw tooLarge(filename, "its card.json", CARD_JSON_MAX_BYTES);
    return { cardJson: card, read, close: () => zip.close() };
  } catch (error) {
    zip.close();
    throw error;
  }
}

class TooLarge extends Error {}

/** Reads a stream, giving up past `max` bytes whatever the zip declared. */
async function collect(stream: Readable, max: number): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const part of stream) {
    const buffer = part as Buffer;
    total += buffer.byteLength;
    if (total > max) {
      stream.destroy();
      throw new TooLarge(`more than ${formatSize(max)}`);
    }
    parts.push(buffer);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** A CHARX zip: card.json first, then the files it refers to by `embeded://` path. */
export async function writeCharx(cardJson: unknown, files: Array<{ path: string; bytes: Uint8Array }>): Promise<Uint8Array> {
  const zip = new ZipFile();
  const done = collectAll(zip.outputStream as unknown as Readable);
  zip.addBuffer(Buffer.from(JSON.stringify(cardJson), "utf8"), "card.json");
  for (const file of files) {
    // Images are already compressed; storing them saves work on both ends.
    zip.addBuffer(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength), file.path, { compress: false });
  }
  zip.end();
  return done;
}

async function collectAll(stream: Readable): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return new Uint8Array(Buffer.concat(parts));
}
