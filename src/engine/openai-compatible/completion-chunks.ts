import { createParser, type EventSourceMessage } from "eventsource-parser";
import { APIError } from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";

/**
 * The chunks of a streamed chat completion, read from the response body with eventsource-parser.
 *
 * The openai client's own Stream does the same through three stacked async generators (bytes → lines
 * → events → chunks), and was the larger part of the adapter's cost per reply in the server-overhead
 * benchmark. The client still makes the request (retries, timeouts, error statuses); only reading the
 * body is done here, with the client's rules: `[DONE]` ends the stream, an event carrying `error`
 * fails it with the client's APIError, and an abort ends it quietly (the caller tells an abort from
 * an end by its signal and by the missing finish reason).
 */
export async function* completionChunks(response: Response, signal: AbortSignal): AsyncGenerator<ChatCompletionChunk> {
  const body = response.body;
  if (!body) return;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parsed: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => parsed.push(event) });
  // [DONE] ends the chunks, but the body is still read to its end, as the client does: a response
  // read in full lets its keep-alive connection serve the next request, a cancelled one closes it.
  let doneSeen = false;
  let bodyEnded = false;
  try {
    while (!bodyEnded) {
      let read: Awaited<ReturnType<typeof reader.read>>;
      try {
        read = await reader.read();
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
      if (read.done) {
        // An event not closed by a blank line before the end is dropped, as the SSE standard (and the client) do.
        parser.feed(decoder.decode());
        bodyEnded = true;
      } else {
        parser.feed(decoder.decode(read.value, { stream: true }));
      }
      for (const event of parsed.splice(0)) {
        if (doneSeen) break;
        if (event.data.startsWith("[DONE]")) {
          doneSeen = true;
          break;
        }
        // A JSON.parse failure propagates as the client's does: the stream is broken.
        const data = JSON.parse(event.data) as ChatCompletionChunk & { error?: object; message?: string };
        if (event.event === "error") throw new APIError(undefined, data.error, data.message, response.headers);
        if (data.error) throw new APIError(undefined, data.error, undefined, response.headers);
        yield data;
      }
    }
  } finally {
    // Left early (an error, or a consumer that stopped): let the connection go.
    if (!bodyEnded) reader.cancel().catch(() => undefined);
  }
}
