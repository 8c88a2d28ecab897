import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ChatEvent } from "../../contracts/index.js";

export interface StubRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export type StubHandler = (request: StubRequest, response: ServerResponse) => void | Promise<void>;

export interface StubServer {
  url: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP server that answers fixed routes ("POST /api/agents"), for testing the CLI over the
 * wire without the real server. It fakes the answers, never the protocol.
 */
export async function startStubServer(routes: Record<string, StubHandler>): Promise<StubServer> {
  const requests: StubRequest[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const request: StubRequest = {
        method: incoming.method ?? "GET",
        path: incoming.url ?? "/",
        headers: incoming.headers,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      };
      requests.push(request);
      const handler = routes[`${request.method} ${request.path.split("?")[0]}`];
      if (!handler) {
        sendJson(response, 404, { error: { code: "not_found", message: `No route ${request.method} ${request.path}.` } });
        return;
      }
      Promise.resolve(handler(request, response)).catch((error: unknown) => {
        sendJson(response, 500, { error: { code: "internal", message: String(error) } });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

/** Starts an SSE response; write frames with `sseFrame`. */
export function startSse(response: ServerResponse): void {
  response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  response.flushHeaders();
}

export function sseFrame(id: number, event: ChatEvent): string {
  return `id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
