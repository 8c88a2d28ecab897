import { once } from "node:events";
import type { FastifyReply } from "fastify";
import type { SequencedEvent } from "../runtime/reply-hub.js";

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
  const gone = new AbortController();
  const onClose = () => gone.abort();
  response.on("close", onClose);
  const heartbeat = setInterval(() => response.write(": ping\n\n"), options.heartbeatMs ?? 15_000);
  heartbeat.unref();
  try {
    for await (const item of subscribe(gone.signal)) {
      if (gone.signal.aborted) break;
      if (!response.write(formatSseEvent(item))) {
        await Promise.race([once(response, "drain"), once(gone.signal, "abort")]);
      }
    }
  } finally {
    clearInterval(heartbeat);
    response.off("close", onClose);
    if (!response.writableEnded) response.end();
  }
}
