import { APIError } from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { readSseStream } from "../../client/sse.js";

/**
 * The chunks of a streamed chat completion, read from the response body with the project's SSE reader.
 *
 * The openai client's own Stream does the same through three stacked async generators (bytes → lines
 * → events → chunks), and was the larger part of the adapter's cost per reply in the server-overhead
 * benchmark. The client still makes the request (retries, timeouts, error statuses); only reading the
 * body is done here, with the client's rules: `[DONE]` ends the chunks, an event carrying `error`
 * fails the stream with the client's APIError, and an abort ends it quietly (the caller tells an abort
 * from an end by its signal and by the missing finish reason).
 */
export async function* completionChunks(response: Response, signal: AbortSignal): AsyncGenerator<ChatCompletionChunk> {
  if (!response.body) return;
  // [DONE] ends the chunks, but the body is still read to its end, as the client does: a response
  // read in full lets its keep-alive connection serve the next request, a cancelled one closes it.
  let doneSeen = false;
  try {
    for await (const event of readSseStream(response.body)) {
      if (doneSeen) continue;
      if (event.data.startsWith("[DONE]")) {
        doneSeen = true;
        continue;
      }
      // A JSON.parse failure propagates as the client's does: the stream is broken.
      const data = JSON.parse(event.data) as ChatCompletionChunk & { error?: object; message?: string };
      if (event.event === "error") throw new APIError(undefined, data.error, data.message, response.headers);
      if (data.error) throw new APIError(undefined, data.error, undefined, response.headers);
      yield data;
    }
  } catch (error) {
    if (signal.aborted && !(error instanceof APIError) && !(error instanceof SyntaxError)) return;
    throw error;
  }
}
