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
export function streamSse(
  reply: FastifyReply,
  subscribe: (signal: AbortSignal) => AsyncIterable<SequencedEvent>,
  options: { heartbeatMs?: number } = {},
): Promise<void> {
  return streamFormatted(reply, subscribe, formatSseEvent, options);
}

/** One Server-Sent Event: `event` names it, `data` is sent as JSON, `id` (optional) is for resuming. */
export interface SseMessageOut {
  event: string;
  data: unknown;
  id?: string | undefined;
}

export function formatSseMessage(message: SseMessageOut): string {
  return `${message.id === undefined ? "" : `id: ${message.id}\n`}event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

/**
 * Takes the response over for Server-Sent Events: headers set so far (security headers, rate-limit
 * counters) go out with the stream's own, and a comment every `heartbeatMs` keeps proxies from closing
 * a quiet stream. `write` waits for the socket to drain (or for `signal`), so a slow client is not buffered without end.
 */
export function openEventStream(reply: FastifyReply, options: { signal: AbortSignal; heartbeatMs?: number | undefined }): { write(frame: string): Promise<void>; end(): void } {
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
  const heartbeat = setInterval(() => response.write(": ping\n\n"), options.heartbeatMs ?? 15_000);
  heartbeat.unref();
  return {
    async write(frame) {
      if (!response.write(frame) && !options.signal.aborted) {
        await Promise.race([once(response, "drain"), once(options.signal, "abort")]);
      }
    },
    end() {
      clearInterval(heartbeat);
      if (!response.writableEnded) response.end();
    },
  };
}

/** Streams any events (live updates without replay) as Server-Sent Events, with heartbeats, until they end or the client goes away. */
export function streamSseMessages(
  reply: FastifyReply,
  subscribe: (signal: AbortSignal) => AsyncIterable<SseMessageOut>,
  options: { heartbeatMs?: number } = {},
): Promise<void> {
  return streamFormatted(reply, subscribe, formatSseMessage, options);
}

/** Each item goes straight from the source to the socket, with no extra asynchronous step between. */
async function streamFormatted<T>(
  reply: FastifyReply,
  subscribe: (signal: AbortSignal) => AsyncIterable<T>,
  format: (item: T) => string,
  options: { heartbeatMs?: number },
): Promise<void> {
  const connection = whileConnected(reply.raw);
  const stream = openEventStream(reply, { signal: connection.signal, heartbeatMs: options.heartbeatMs });
  try {
    for await (const item of subscribe(connection.signal)) {
      if (connection.signal.aborted) break;
      await stream.write(format(item));
    }
  } finally {
    connection.release();
    stream.end();
  }
}