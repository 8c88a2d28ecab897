import http from "node:http";
import type { ChatEvent } from "../../src/contracts/index.js";

type MessageEnd = Extract<ChatEvent, { type: "message-end" }>;

export interface TurnTiming {
  /** From just before the request was sent to the response headers, ms. */
  headersMs: number;
  /** To the message-start event, ms. */
  startEventMs: number;
  /** From just before the request was sent to the first text-delta event, ms. */
  ttftMs: number;
  /** To the last text-delta event, ms. */
  lastDeltaMs: number;
  /** To the end of the stream (message-end received), ms. */
  totalMs: number;
  deltas: number;
  text: string;
  end: MessageEnd;
}

/**
 * One Atelier turn the way a browser or SDK client does it: fetch, then parse every SSE event of the
 * reply (WHATWG framing with LF line ends, as the server writes them) and JSON.parse each data field.
 */
export async function fetchTurn(url: string, body: unknown, headers: Record<string, string> = {}): Promise<TurnTiming> {
  const started = performance.now();
  const response = await fetch(url, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify(body),
  });
  if (!response.ok || !response.body) throw new Error(`POST ${url}: HTTP ${response.status} ${await response.text()}`);
  const headersMs = performance.now() - started;
  let startEventMs = Number.NaN;
  const decoder = new TextDecoder();
  let buffer = "";
  let ttftMs = Number.NaN;
  let lastDeltaMs = Number.NaN;
  let deltas = 0;
  let text = "";
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let boundary: number;
    while ((boundary = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      let data: string | undefined;
      for (const line of frame.split("\n")) if (line.startsWith("data:")) data = line.slice(5).trimStart();
      if (data === undefined) continue;
      const event = JSON.parse(data) as ChatEvent;
      if (event.type === "text-delta") {
        const now = performance.now() - started;
        if (deltas === 0) ttftMs = now;
        lastDeltaMs = now;
        deltas += 1;
        text += event.delta;
      } else if (event.type === "message-start") {
        startEventMs = performance.now() - started;
      } else if (event.type === "message-end") {
        return { headersMs, startEventMs, ttftMs, lastDeltaMs, totalMs: performance.now() - started, deltas, text, end: event };
      } else if (event.type === "error") {
        throw new Error(`reply failed: ${event.code}: ${event.message}`);
      }
    }
  }
  throw new Error("the stream ended without message-end");
}

export interface LeanTiming {
  status: number;
  /** First content event (Atelier text-delta, or an OpenAI chunk with content), ms. */
  ttftMs: number;
  totalMs: number;
  /** The final JSON payload (Atelier message-end data), or undefined for OpenAI streams. */
  endData: string | undefined;
}

/**
 * A low-overhead client for load generation (node:http with keep-alive, no fetch, no JSON parsing of
 * deltas): the load generator shares the cores with the server, so it must be cheap. It recognises the
 * end of an Atelier stream (`event: message-end` or `event: error`) or an OpenAI stream (`data: [DONE]`).
 */
export function leanStreamRequest(options: {
  agent: http.Agent;
  port: number;
  path: string;
  body: string;
  kind: "atelier" | "openai";
  /** Extra request headers (authorization). */
  headers?: Record<string, string>;
  /** Called once the response headers arrived (the stream is open). */
  onOpen?: (request: http.ClientRequest) => void;
  /** Called at the first content event. */
  onFirstContent?: () => void;
}): Promise<LeanTiming> {
  const started = performance.now();
  return new Promise<LeanTiming>((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port: options.port,
        method: "POST",
        path: options.path,
        agent: options.agent,
        headers: { ...options.headers, "content-type": "application/json", "content-length": Buffer.byteLength(options.body) },
      },
      (response) => {
        response.setEncoding("utf8");
        options.onOpen?.(request);
        let buffer = "";
        let ttftMs = Number.NaN;
        let endData: string | undefined;
        let finished = false;
        const contentMarker = options.kind === "atelier" ? "event: text-delta" : '"delta":{"content":"';
        response.on("data", (chunk: string) => {
          if (finished) return;
          buffer += chunk;
          if (Number.isNaN(ttftMs)) {
            const at = buffer.indexOf(contentMarker);
            // The OpenAI role frame carries `"content":""`; a content frame carries text after the quote.
            if (at >= 0 && (options.kind === "atelier" || buffer[at + contentMarker.length] !== '"')) {
              ttftMs = performance.now() - started;
              options.onFirstContent?.();
            }
          }
          if (options.kind === "atelier") {
            const endAt = buffer.indexOf("event: message-end\n");
            const errorAt = buffer.indexOf("event: error\n");
            const at = endAt >= 0 ? endAt : errorAt;
            if (at >= 0) {
              const frameEnd = buffer.indexOf("\n\n", at);
              if (frameEnd < 0) return;
              const frame = buffer.slice(at, frameEnd);
              endData = frame.slice(frame.indexOf("data: ") + 6);
              if (errorAt >= 0 && endAt < 0) {
                finished = true;
                response.destroy();
                reject(new Error(`Atelier reply failed: ${endData}`));
                return;
              }
              finished = true;
              resolve({ status: response.statusCode ?? 0, ttftMs, totalMs: performance.now() - started, endData });
              // Let the server end the response; keep-alive reuses the socket afterwards.
              response.resume();
              return;
            }
            // Keep only a tail big enough to hold a marker split across chunks.
            if (buffer.length > 4096) buffer = buffer.slice(-1024);
          } else {
            if (buffer.includes("data: [DONE]")) {
              finished = true;
              resolve({ status: response.statusCode ?? 0, ttftMs, totalMs: performance.now() - started, endData: undefined });
              response.resume();
              return;
            }
            if (buffer.length > 4096) buffer = buffer.slice(-1024);
          }
        });
        response.on("end", () => {
          if (!finished) reject(new Error(`stream from ${options.path} ended early (HTTP ${response.statusCode}): ${buffer.slice(0, 300)}`));
        });
        response.on("error", (error) => {
          if (!finished) reject(error);
        });
      },
    );
    request.on("error", reject);
    request.end(options.body);
  });
}

/** A small JSON request over node:http (setup calls: agents, conversations). */
export function jsonRequest<T>(options: {
  agent?: http.Agent;
  port: number;
  method: string;
  path: string;
  body?: unknown;
  /** Extra request headers (authorization). */
  headers?: Record<string, string>;
}): Promise<{ status: number; body: T }> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port: options.port,
        method: options.method,
        path: options.path,
        ...(options.agent ? { agent: options.agent } : {}),
        headers: payload === undefined ? { ...options.headers } : { ...options.headers, "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
      },
      (response) => {
        response.setEncoding("utf8");
        let text = "";
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => {
          try {
            resolve({ status: response.statusCode ?? 0, body: (text ? JSON.parse(text) : undefined) as T });
          } catch (error) {
            reject(error);
          }
        });
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}
