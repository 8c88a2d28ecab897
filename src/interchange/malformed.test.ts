import { describe, expect, it } from "vitest";
import { b64, expectRefusal, fixture, pngWithTexts, smallPng, utf8, zip } from "./cards.test-support.js";
import { encodePng, placeholderPng, readPngChunks } from "./png.js";
import { readAgentFile } from "./index.js";

const readFile = (bytes: Uint8Array, filename: string) => readAgentFile({ bytes, filename });
const card = (data: Record<string, unknown>) => ({ spec: "chara_card_v2", spec_version: "2.0", data });

describe("malformed files are refused with what is wrong", () => {
  it("re-encodes a PNG byte for byte", () => {
    const bytes = fixture("Seraphina.png");
    expect(Buffer.compare(Buffer.from(encodePng(readPngChunks(bytes, "x"))), Buffer.from(bytes))).toBe(0);
  });

  it("a .png that is not a PNG", async () => {
    await expectRefusal(readFile(utf8("GIF89a not really"), "card.png"), "document_unreadable", /^card\.png is not a character card: the file is named \.png but is not a PNG image/);
  });

  it("a file type Atelier does not import", async () => {
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]);
    await expectRefusal(readFile(jpeg, "photo.jpg"), "unsupported_media_type", /photo\.jpg is not a file Atelier can import\. Use a character card \(\.png.*\.charx\)/);
  });

  it("a truncated PNG", async () => {
    const bytes = fixture("Seraphina.png");
    await expectRefusal(readFile(bytes.slice(0, 200_000), "Seraphina.png"), "document_unreadable", /the PNG is truncated \(its IDAT chunk is cut off\)/);
    await expectRefusal(readFile(bytes.slice(0, bytes.byteLength - 12), "Seraphina.png"), "document_unreadable", /the PNG is truncated \(it has no IEND chunk\)/);
  });

  it("a PNG with a damaged chunk (bad CRC)", async () => {
    const bytes = fixture("Seraphina.png").slice();
    bytes[100] = bytes[100]! ^ 0xff; // inside IDAT
    await expectRefusal(readFile(bytes, "Seraphina.png"), "document_unreadable", /checksum of its IDAT chunk does not match/);
  });

  it("a PNG with an absurd chunk length does not allocate it", async () => {
    const bytes = smallPng().slice();
    new DataView(bytes.buffer).setUint32(33, 0xfffffff0); // the chunk after IHDR
    await expectRefusal(readFile(bytes, "odd.png"), "document_unreadable", /truncated/);
  });

  it("a PNG without a card chunk", async () => {
    await expectRefusal(readFile(placeholderPng("x"), "holiday.png"), "document_unreadable", /the PNG has no 'chara' or 'ccv3' text chunk/);
  });

  it("invalid base64 in the chunk", async () => {
    await expectRefusal(readFile(pngWithTexts([["chara", "eyJuYW1lIjo*!!"]]), "card.png"), "document_unreadable", /its 'chara' chunk is not valid base64\. Export it again/);
  });

  it("invalid JSON in the chunk", async () => {
    await expectRefusal(readFile(pngWithTexts([["chara", b64('{"spec": "chara_card_v2", "data": {')]]), "card.png"), "document_unreadable", /its 'chara' chunk is not valid JSON/);
  });

  it("wrong types (name: 5)", async () => {
    await expectRefusal(readFile(pngWithTexts([["chara", b64(card({ name: 5 }))]]), "card.png"), "document_unreadable", /JSON at data\.name: expected text/);
    await expectRefusal(readFile(utf8(card({ name: "A", alternate_greetings: ["ok", 3] })), "card.json"), "document_unreadable", /JSON at data\.alternate_greetings\[1\]: expected text/);
    await expectRefusal(
      readFile(utf8(card({ name: "A", character_book: { entries: [{ keys: ["a"], content: 7 }] } })), "card.json"),
      "document_unreadable",
      /JSON at data\.character_book\.entries\[0\]\.content: expected text/,
    );
  });

  it("a field beyond Atelier's limits", async () => {
    const error = await expectRefusal(readFile(utf8(card({ name: "Wordy", description: "x".repeat(20_000) })), "wordy.json"), "document_unreadable", /description is 20,000 characters; Atelier keeps at most 16,000/);
    expect(error.message).toMatch(/Shorten it/);
    await expectRefusal(readFile(utf8(card({ name: "n".repeat(81) })), "long.json"), "document_unreadable", /data\.name is 81 characters; Atelier keeps at most 80/);
    await expectRefusal(readFile(utf8(card({ name: "A", character_book: { entries: [{ keys: ["a"], content: "y".repeat(20_001) }] } })), "book.json"), "document_unreadable", /the content of data\.character_book\.entries\[0\] is 20,001 characters/);
  });

  it("an empty name, a non-card spec, a lorebook given as a character", async () => {
    await expectRefusal(readFile(utf8(card({ name: "  " })), "a.json"), "document_unreadable", /its name \(data\.name\) is empty/);
    await expectRefusal(readFile(utf8({ spec: "something_else", data: {} }), "a.json"), "document_unreadable", /its spec "something_else" is not a character card/);
    await expectRefusal(readFile(fixture("Eldoria.json"), "Eldoria.json"), "document_unreadable", /it is a lorebook \(World Info\), not a character\. Import it on an agent's Lorebook page instead\.$/);
    await expectRefusal(readFile(utf8("{ nope"), "a.json"), "document_unreadable", /it is not valid JSON/);
    await expectRefusal(readFile(utf8({ hello: "world" }), "a.json"), "document_unreadable", /neither a card spec nor character fields/);
  });

  it("size limits: the whole file, the card JSON", async () => {
    await expectRefusal(readFile(new Uint8Array(32 * 1024 * 1024 + 1), "huge.png"), "payload_too_large", /huge\.png is too large: the file is 32 MiB or more; Atelier reads at most 32 MiB/);
    const padded = utf8({ ...card({ name: "Pad" }), padding: " ".repeat(4 * 1024 * 1024) });
    await expectRefusal(readFile(padded, "pad.json"), "payload_too_large", /the card is 4 MiB or more/);
  });

  it("a CHARX whose card.json unpacks to far more than a card (zip bomb)", async () => {
    const bomb = await zip({ "card.json": `{"spec":"chara_card_v3","data":{"name":"Bomb","description":"${" ".repeat(40 * 1024 * 1024)}"}}` });
    expect(bomb.byteLength).toBeLessThan(200_000);
    await expectRefusal(readFile(bomb, "bomb.charx"), "payload_too_large", /its card\.json is 4 MiB or more/);
  });

  it("a CHARX whose entry lies about its size is stopped, not trusted", async () => {
    const json = JSON.stringify(card({ name: "Liar" }));
    const archive = Buffer.from(await zip({ "card.json": json }));
    // Declare 10 bytes unpacked in the central directory while the data inflates to more.
    const central = archive.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    archive.writeUInt32LE(10, central + 24);
    await expectRefusal(readFile(new Uint8Array(archive), "liar.charx"), "document_unreadable", /CHARX zip is damaged/);
  });

  it("a CHARX with thousands of entries, or none of card.json", async () => {
    const many: Record<string, string> = {};
    for (let index = 0; index < 2_001; index++) many[`assets/other/${index}.txt`] = "x";
    await expectRefusal(readFile(await zip(many), "many.charx"), "document_unreadable", /has 2,001 files; Atelier reads cards with at most 2,000/);
    await expectRefusal(readFile(await zip({ "readme.txt": "hi" }), "empty.charx"), "document_unreadable", /no card\.json at its top level/);
    await expectRefusal(readFile(utf8("PK\u0003\u0004garbage"), "broken.charx"), "document_unreadable", /CHARX zip is damaged/);
  });
});
