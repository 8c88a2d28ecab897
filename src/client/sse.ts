/**
 * An incremental Server-Sent Events parser, following the WHATWG "event stream interpretation"
 * rules: lines end in CRLF, LF or CR; `:` starts a comment; one optional space after the colon is
 * dropped; `data` lines accumulate with "\n"; a blank line dispatches; the last event id persists
 * across events until the server changes it. It has no dependencies so browsers can use it too.
 */

export interface SseMessage {
  /** The `event:` field; "message" when the server sent none. */
  event: string;
  data: string;
  /** The last event id seen so far in this stream (it carries over to later events by design). */
  id: string | undefined;
  /** A reconnection delay the server asked for, in milliseconds. */
  retry: number | undefined;
}

export class SseParser {
  #buffer = "";
  /** A chunk ended in "\r": the next chunk may start with the "\n" of the same CRLF. */
  #pendingCarriageReturn = false;
  #data: string[] = [];
  #event = "";
  #lastEventId: string | undefined;
  #retry: number | undefined;
  readonly #onComment: ((text: string) => void) | undefined;

  constructor(options: { onComment?: (text: string) => void } = {}) {
    this.#onComment = options.onComment;
  }

  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  /** Feeds decoded text and returns the events it completed. */
  feed(text: string): SseMessage[] {
    if (text === "") return [];
    let input = text;
    if (this.#pendingCarriageReturn && input.startsWith("\n")) input = input.slice(1);
    this.#pendingCarriageReturn = false;
    this.#buffer += input;

    const messages: SseMessage[] = [];
    let start = 0;
    for (let index = 0; index < this.#buffer.length; index++) {
      const char = this.#buffer[index];
      if (char !== "\n" && char !== "\r") continue;
      const line = this.#buffer.slice(start, index);
      if (char === "\r") {
        if (index + 1 === this.#buffer.length) this.#pendingCarriageReturn = true;
        else if (this.#buffer[index + 1] === "\n") index++;
      }
      start = index + 1;
      const message = this.#processLine(line);
      if (message) messages.push(message);
    }
    this.#buffer = this.#buffer.slice(start);
    return messages;
  }

  /**
   * Ends the stream. An event without its closing blank line is discarded, as the specification
   * says: a cut connection must not deliver half an event as if it were whole.
   */
  end(): void {
    this.#buffer = "";
    this.#pendingCarriageReturn = false;
    this.#data = [];
    this.#event = "";
  }

  #processLine(line: string): SseMessage | undefined {
    if (line === "") return this.#dispatch();
    if (line.startsWith(":")) {
      this.#onComment?.(line.slice(1).replace(/^ /, ""));
      return undefined;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    switch (field) {
      case "data":
        this.#data.push(value);
        break;
      case "event":
        this.#event = value;
        break;
      case "id":
        // An id with NUL is ignored by specification, so a broken server cannot poison resumes.
        if (!value.includes("\0")) this.#lastEventId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.#retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
    return undefined;
  }

  #dispatch(): SseMessage | undefined {
    const data = this.#data;
    const event = this.#event;
    this.#data = [];
    this.#event = "";
    if (data.length === 0) return undefined;
    return { event: event || "message", data: data.join("\n"), id: this.#lastEventId, retry: this.#retry };
  }
}

/** Reads a fetch response body as SSE messages. The body is cancelled when iteration stops early. */
export async function* readSseStream(
  body: ReadableStream<Uint8Array>,
  options: { onComment?: (text: string) => void } = {},
): AsyncGenerator<SseMessage> {
  const parser = new SseParser(options);
  // The default decoder strips a leading BOM, which the specification also asks for.
  const decoder = new TextDecoder("utf-8");
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.feed(decoder.decode(value, { stream: true }));
    }
    yield* parser.feed(decoder.decode());
    finished = true;
    parser.end();
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
