import { APIError } from "openai";
import { describe, expect, it } from "vitest";
import { completionChunks } from "./completion-chunks.js";

function chunk(content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }], ...extra };
}

/** A response whose body arrives in the given byte pieces. */
function responseOf(pieces: readonly Uint8Array[], signal?: AbortSignal): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      signal?.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")), { once: true });
      for (const piece of pieces) controller.enqueue(piece);
      if (!signal) controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

/** Splits bytes every `size` bytes, so events, lines and multi-byte characters straddle reads. */
function split(text: string, size: number): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const pieces: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; start += size) pieces.push(bytes.slice(start, start + size));
  return pieces;
}

async function contents(response: Response, signal = new AbortController().signal): Promise<string[]> {
  const seen: string[] = [];
  for await (const data of completionChunks(response, signal)) seen.push(data.choices[0]?.delta?.content ?? "");
  return seen;
}

describe("completionChunks", () => {
  const stream =
    `data: ${JSON.stringify(chunk("Bonjour "))}\n\n` +
    `: a comment line, ignored\n\n` +
    `data: ${JSON.stringify(chunk("crème brûlée 🍮"))}\r\n\r\n` +
    `data: ${JSON.stringify(chunk("", { choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }))}\n\n` +
    `data: [DONE]\n\n` +
    `data: ${JSON.stringify(chunk("after done"))}\n\n`;

  it.each([1, 2, 7, 64, 100_000])("reads every chunk up to [DONE] whatever the read sizes (%i bytes)", async (size) => {
    await expect(contents(responseOf(split(stream, size)))).resolves.toEqual(["Bonjour ", "crème brûlée 🍮", ""]);
  });

  it("joins a data field spread over several lines", async () => {
    const text = JSON.stringify(chunk("two lines"), null, 1).split("\n").map((line) => `data: ${line}`).join("\n");
    await expect(contents(responseOf(split(`${text}\n\n`, 5)))).resolves.toEqual(["two lines"]);
  });

  it("ends at the end of the body without [DONE]; an event never closed by a blank line is dropped, as the SSE standard says", async () => {
    await expect(contents(responseOf(split(`data: ${JSON.stringify(chunk("a"))}\n\ndata: ${JSON.stringify(chunk("b"))}\n`, 9)))).resolves.toEqual(["a"]);
  });

  it("fails with the client's APIError for an event carrying an error", async () => {
    const text = `data: ${JSON.stringify(chunk("a"))}\n\ndata: ${JSON.stringify({ error: { message: "CUDA out of memory" } })}\n\n`;
    const seen: string[] = [];
    const error = await (async () => {
      for await (const data of completionChunks(responseOf(split(text, 11)), new AbortController().signal)) seen.push(data.choices[0]?.delta?.content ?? "");
    })().catch((caught: unknown) => caught);
    expect(seen).toEqual(["a"]);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).message).toContain("CUDA out of memory");
  });

  it("fails for an `error` event and for data that is not JSON", async () => {
    await expect(contents(responseOf(split(`event: error\ndata: {"message":"overloaded"}\n\n`, 8)))).rejects.toBeInstanceOf(APIError);
    await expect(contents(responseOf(split(`data: {not json\n\n`, 8)))).rejects.toBeInstanceOf(SyntaxError);
  });

  it("ends quietly when its request is aborted mid-stream", async () => {
    const controller = new AbortController();
    const response = responseOf(split(`data: ${JSON.stringify(chunk("a"))}\n\n`, 4), controller.signal);
    const seen: string[] = [];
    for await (const data of completionChunks(response, controller.signal)) {
      seen.push(data.choices[0]?.delta?.content ?? "");
      controller.abort();
    }
    expect(seen).toEqual(["a"]);
  });
});
