import type { ChatEvent } from "../../src/contracts/index.js";

export interface WireEvent {
  id: number;
  event: ChatEvent;
}

/**
 * Reads an SSE response body the way a plain HTTP client (curl, a browser) sees it, without our own
 * client library, so these tests pin the wire format itself.
 */
export async function* readSse(response: Response): AsyncGenerator<WireEvent> {
  if (!response.body) throw new Error("no body");
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let boundary: number;
    while ((boundary = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const fields = new Map<string, string>();
      for (const line of frame.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
      }
      if (!fields.has("data")) continue;
      const event = JSON.parse(fields.get("data")!) as ChatEvent;
      if (fields.get("event") !== event.type) throw new Error(`SSE event name ${fields.get("event")} does not match ${event.type}`);
      yield { id: Number(fields.get("id")), event };
    }
  }
}

export async function collectSse(response: Response): Promise<WireEvent[]> {
  const events: WireEvent[] = [];
  for await (const event of readSse(response)) events.push(event);
  return events;
}

export function replyText(events: readonly WireEvent[]): string {
  return events.map(({ event }) => (event.type === "text-delta" ? event.delta : "")).join("");
}
