/**
 * A worker thread that runs HTTP turns (fetch + SSE parsing) off the main thread, so that an in-process
 * server's event loop does not also pay for its client, as it never would in production.
 */
import { parentPort, Worker } from "node:worker_threads";
import { fetchTurn, type TurnTiming } from "./sse-client.js";

interface TurnRequest {
  id: number;
  url: string;
  body: unknown;
  /** Extra request headers (authorization). */
  headers: Record<string, string>;
}

type TurnReply = { id: number; timing: TurnTiming } | { id: number; error: string };

if (parentPort) {
  const port = parentPort;
  port.on("message", (request: TurnRequest) => {
    fetchTurn(request.url, request.body, request.headers).then(
      (timing) => port.postMessage({ id: request.id, timing } satisfies TurnReply),
      (error: unknown) => port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies TurnReply),
    );
  });
}

/** The main-thread side: `turn()` runs one fetchTurn in the worker and resolves with its timing. */
export class TurnClient {
  readonly #worker = new Worker(new URL(import.meta.url));
  readonly #pending = new Map<number, { resolve: (timing: TurnTiming) => void; reject: (error: Error) => void }>();
  #nextId = 0;

  constructor() {
    this.#worker.on("message", (reply: TurnReply) => {
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if ("error" in reply) pending.reject(new Error(reply.error));
      else pending.resolve(reply.timing);
    });
    this.#worker.unref();
  }

  turn(url: string, body: unknown, headers: Record<string, string> = {}): Promise<TurnTiming> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, url, body, headers } satisfies TurnRequest);
    });
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
