import { readSseStream } from "../../src/client/sse.js";
import type { ChatEvent } from "../../src/contracts/index.js";

export interface WireEvent {
  id: number;
  event: ChatEvent;
}

/**
 * Reads a raw SSE response (what curl or a browser gets) into chat events, checking the wire
 * contract as it goes: every event has a numeric id, and its `event:` name equals its data's type.
 */
export async function* readSse(response: Response): AsyncGenerator<WireEvent> {
  if (!response.body) throw new Error("no body");
  for await (const message of readSseStream(response.body)) {
    const event = JSON.parse(message.data) as ChatEvent;
    if (message.event !== event.type) throw new Error(`SSE event name ${message.event} does not match ${event.type}`);
    const id = Number(message.id);
    if (!Number.isInteger(id)) throw new Error(`SSE event without a numeric id: ${message.id}`);
    yield { id, event };
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
