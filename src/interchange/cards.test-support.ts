import { PNG } from "pngjs";
import { ZipFile } from "yazl";
import textChunk from "png-chunk-text";
import { expect } from "vitest";
import { AtelierError, type ErrorCode } from "../contracts/errors.js";
import { readCard } from "../../test/support/fixtures.js";
import { encodePng, readPngChunks } from "./png.js";

/** Helpers for the interchange tests: real fixtures, and cards built with the same libraries apps use. */

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readCard(name));
}

export function smallPng(red = 200): Uint8Array {
  const png = new PNG({ width: 4, height: 4 });
  png.data.fill(red);
  return new Uint8Array(PNG.sync.write(png));
}

/** A PNG with the given tEXt chunks (keyword -> text) before IEND. */
export function pngWithTexts(texts: Array<[string, string]>, base = smallPng()): Uint8Array {
  const chunks = readPngChunks(base, "base").filter((chunk) => chunk.name !== "IEND");
  for (const [keyword, text] of texts) chunks.push(textChunk.encode(keyword, text));
  chunks.push({ name: "IEND", data: new Uint8Array(0) });
  return encodePng(chunks);
}

export const b64 = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value), "utf8").toString("base64");
export const utf8 = (value: unknown) => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));

export async function zip(files: Record<string, Uint8Array | string>, options: { compress?: boolean } = {}): Promise<Uint8Array> {
  const archive = new ZipFile();
  for (const [name, content] of Object.entries(files)) {
    archive.addBuffer(Buffer.from(typeof content === "string" ? new TextEncoder().encode(content) : content), name, { compress: options.compress ?? true });
  }
  archive.end();
  const parts: Buffer[] = [];
  for await (const part of archive.outputStream) parts.push(part as Buffer);
  return new Uint8Array(Buffer.concat(parts));
}

/** Awaits a refusal and checks its code and that the message says what is wrong. */
export async function expectRefusal(promise: Promise<unknown> | (() => unknown), code: ErrorCode, message: RegExp | string): Promise<AtelierError> {
  let caught: unknown;
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected the file to be refused").toBeInstanceOf(AtelierError);
  const error = caught as AtelierError;
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
  return error;
}
