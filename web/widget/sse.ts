import { readSseStream, type SseMessage } from "../../src/client/sse.js";

/**
 * The project's dependency-free SSE parser over a fetch body (EventSource cannot send Authorization
 * headers). Aborting `signal` (the fetch's own) errors the body: here that ends the stream quietly.
 */
export async function* readSse(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<SseMessage> {
  try {
    yield* readSseStream(body);
  } catch (error) {
    if (signal?.aborted) return;
    throw error;
  }
}
