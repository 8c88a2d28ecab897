import { once } from "node:events";
import type { ServerResponse } from "node:http";
import type { FastifyReply } from "fastify";
import type { SequencedEvent } from "../runtime/reply-hub.js";

/**
 * A signal that aborts when the client's connection closes before the response was written in
 * full: a closed tab or a cancelled request stops the work it was waiting for.
 */
export function whileConnected(response: ServerResponse): { signal: AbortSignal; release(): void } {
  const gone = new AbortController();
  const onClose = () => {
    if (!response.writableFinished) gone.abort();
  };
  response.on("close", onClose);
  return { signal: gone.signal, release: () => response.off("close", onClose) };
}

export function formatSseEvent({ seq, event }: SequencedEvent): string {
  return `id: ${seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * Streams events as Server-Sent Events until they end or the client goes away. The client leaving
 * only detaches this listener: the reply itself keeps running and can be resumed by event id.
 */
export async function streamSse(
  reply: FastifyReply,
  subscribe: (signal: AbortSignal) => AsyncIterable<SequencedEvent>,
  options: { heartbeatMs?: number } = {},
): Promise<void> {
  // Headers set so far (security headers, rate-limit counters) go out with the stream.
  const earlier = Object.fromEntries(Object.entries(reply.getHeaders()).filter((entry): entry is [string, string | number | string[]] => entry[1] !== undefined));
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    ...earlier,
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  response.flushHeaders();
  const connection = whileConnected(response);
  const heartbeat = setInterval(() => response.write(": ping\n\n"), options.heartbeatMs ?? 15_000);
  heartbeat.unref();
  try {
    for await (const item of subscribe(connection.signal)) {
      if (connection.signal.aborted) break;
      if (!response.write(formatSseEvent(item))) {
        await Promise.race([once(response, "drain"), once(connection.signal, "abort")]);
      }
    }
  } finally {
    clearInterval(heartbeat);
    connection.release();
    if (!response.writableEnded) response.end();
  }
}
