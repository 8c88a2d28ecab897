import { describe, expect, it } from "vitest";
import { readSseStream, SseParser, type SseMessage } from "./sse.js";

function parseChunks(chunks: readonly string[]): SseMessage[] {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.feed(chunk));
}

/** Every way to cut `text` in two and in three pieces must give the same events as the whole. */
function expectSplitInvariant(text: string): SseMessage[] {
  const whole = parseChunks([text]);
  for (let i = 0; i <= text.length; i++) {
    expect(parseChunks([text.slice(0, i), text.slice(i)]), `cut at ${i}`).toEqual(whole);
    for (let j = i; j <= text.length; j++) {
      expect(parseChunks([text.slice(0, i), text.slice(i, j), text.slice(j)]), `cuts at ${i}, ${j}`).toEqual(whole);
    }
  }
  return whole;
}

function streamOf(chunks: readonly (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<SseMessage[]> {
  const messages: SseMessage[] = [];
  for await (const message of readSseStream(stream)) messages.push(message);
  return messages;
}

describe("SseParser", () => {
  it("parses the server's frames with ids, event names and JSON data", () => {
    const text =
      'id: 1\nevent: message-start\ndata: {"type":"message-start"}\n\n' +
      ": ping\n\n" +
      'id: 2\nevent: text-delta\ndata: {"type":"text-delta","delta":"Hi"}\n\n';
    expect(expectSplitInvariant(text)).toEqual([
      { id: "1", event: "message-start", data: '{"type":"message-start"}', retry: undefined },
      { id: "2", event: "text-delta", data: '{"type":"text-delta","delta":"Hi"}', retry: undefined },
    ]);
  });

  it("treats CRLF, LF and lone CR alike, even when a CRLF is split across chunks", () => {
    const lf = "event: a\ndata: one\n\ndata: two\n\n";
    const expected = expectSplitInvariant(lf);
    expect(expectSplitInvariant(lf.replaceAll("\n", "\r\n"))).toEqual(expected);
    expect(expectSplitInvariant(lf.replaceAll("\n", "\r"))).toEqual(expected);
    expect(parseChunks(["data: x\r", "\n", "\r", "\n"])).toEqual([{ id: undefined, event: "message", data: "x", retry: undefined }]);
  });

  it("does not take an empty chunk between CR and LF for a blank line", () => {
    expect(parseChunks(["data: x\r", "", "\ndata: y\n\n"])).toEqual([
      { id: undefined, event: "message", data: "x\ny", retry: undefined },
    ]);
  });

  it("joins multi-line data with newlines and keeps inner spaces", () => {
    const [message] = expectSplitInvariant("data: first\ndata:second\ndata:  third \ndata\n\n");
    expect(message?.data).toBe("first\nsecond\n third \n");
  });

  it("reports comments and never dispatches them as events", () => {
    const comments: string[] = [];
    const parser = new SseParser({ onComment: (text) => comments.push(text) });
    expect(parser.feed(": ping\n\n:raw\n\n")).toEqual([]);
    expect(comments).toEqual(["ping", "raw"]);
  });

  it("carries the last event id over to later events and ignores ids with NUL", () => {
    const messages = expectSplitInvariant("id: 7\ndata: a\n\ndata: b\n\nid: 8\0\ndata: c\n\nid\ndata: d\n\n");
    expect(messages.map((message) => message.id)).toEqual(["7", "7", "7", ""]);
  });

  it("ignores events without data, unknown fields and bad retry values, and keeps good ones", () => {
    const messages = expectSplitInvariant("event: lonely\n\nfoo: bar\nretry: soon\ndata: x\n\nretry: 1500\ndata: y\n\n");
    expect(messages).toEqual([
      { id: undefined, event: "message", data: "x", retry: undefined },
      { id: undefined, event: "message", data: "y", retry: 1500 },
    ]);
  });

  it("takes a field without a colon as a field with an empty value", () => {
    expect(parseChunks(["data\ndata\n\n"])).toEqual([{ id: undefined, event: "message", data: "\n", retry: undefined }]);
  });

  it("keeps colons inside values", () => {
    expect(parseChunks(['data: {"a":"b: c"}\n\n'])[0]?.data).toBe('{"a":"b: c"}');
  });
});

describe("readSseStream", () => {
  it("decodes multi-byte characters split across network chunks", async () => {
    const bytes = new TextEncoder().encode("data: héllo 👋\n\n");
    const chunks = Array.from(bytes, (byte) => Uint8Array.of(byte));
    expect(await collect(streamOf(chunks))).toEqual([{ id: undefined, event: "message", data: "héllo 👋", retry: undefined }]);
  });

  it("drops a final event that never got its blank line (a cut connection)", async () => {
    expect(await collect(streamOf(["data: whole\n\n", "data: half"]))).toEqual([
      { id: undefined, event: "message", data: "whole", retry: undefined },
    ]);
  });

  it("strips a byte order mark at the start of the stream", async () => {
    expect(await collect(streamOf(["\uFEFFdata: x\n\n"]))).toEqual([{ id: undefined, event: "message", data: "x", retry: undefined }]);
  });

  it("cancels the body when the consumer stops early", async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode("data: tick\n\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const message of readSseStream(stream)) {
      expect(message.data).toBe("tick");
      break;
    }
    expect(cancelled).toBe(true);
  });
});
