import { describe, expect, it } from "vitest";
import { AgentProfile, AtelierError, type Agent, type ChatEvent } from "../contracts/index.js";
import { AtelierClient, type StreamedChatEvent } from "./http-client.js";

interface Recorded {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that answers from a list of handlers, in order, and records what it was asked. */
function fakeFetch(...answers: ((request: Recorded, signal?: AbortSignal) => Response | Promise<Response>)[]) {
  const requests: Recorded[] = [];
  const fetchImpl = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>));
    const request: Recorded = {
      method: init.method ?? "GET",
      url: String(input),
      headers,
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
    };
    requests.push(request);
    const answer = answers.shift();
    if (!answer) throw new Error(`unexpected request ${request.method} ${request.url}`);
    return answer(request, init.signal ?? undefined);
  };
  return { fetch: fetchImpl as typeof fetch, requests };
}

const json = (status: number, body: unknown) => () =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const agent: Agent = {
  ...AgentProfile.parse({ name: "Ada", greetings: ["Hello!"] }),
  id: "agt_1",
  handle: "ada",
  version: 1,
  ownerId: "usr_1",
  publishedAt: null,
  visibility: "private",
  publishedVersion: null,
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
};

const start: ChatEvent = { type: "message-start", messageId: "msg_2", conversationId: "cnv_1", userMessageId: "msg_1", model: "tiny", agentVersion: 1 };
const delta = (text: string): ChatEvent => ({ type: "text-delta", messageId: "msg_2", delta: text });
const end: ChatEvent = {
  type: "message-end",
  messageId: "msg_2",
  finishReason: "stop",
  usage: { promptTokens: 10, evaluatedPromptTokens: 10, completionTokens: 2 },
  firstTokenMs: 5,
  durationMs: 20,
};
const frame = (id: number, event: ChatEvent) => `id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

function sse(frames: string[], options: { close?: boolean } = {}): () => Response {
  return () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const text of frames) controller.enqueue(new TextEncoder().encode(text));
          if (options.close ?? true) controller.close();
        },
        // Erroring in start() would discard the queued frames; pull() runs once they were read.
        pull(controller) {
          controller.error(new TypeError("terminated"));
        },
      }),
      { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8" } },
    );
}

async function collect(events: AsyncIterable<StreamedChatEvent>): Promise<StreamedChatEvent[]> {
  const all: StreamedChatEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

async function rejection(promise: Promise<unknown>): Promise<AtelierError> {
  const error: unknown = await promise.then(() => undefined, (caught: unknown) => caught);
  if (!(error instanceof AtelierError)) throw new Error(`expected an AtelierError, got ${String(error)}`);
  return error;
}

describe("AtelierClient JSON routes", () => {
  it("validates the profile, posts it as written and parses the created agent", async () => {
    const { fetch, requests } = fakeFetch(json(201, agent));
    const client = new AtelierClient({ baseUrl: "http://server:1/", fetch });
    expect(await client.createAgent({ name: "Ada", greetings: ["Hello!"] })).toEqual(agent);
    expect(requests[0]).toMatchObject({ method: "POST", url: "http://server:1/api/agents" });
    expect(requests[0]?.body).toEqual({ name: "Ada", greetings: ["Hello!"] });
    expect(requests[0]?.headers["content-type"]).toBe("application/json");
  });

  it("sends a patch without schema defaults for the fields it leaves alone", async () => {
    const { fetch, requests } = fakeFetch(json(200, { ...agent, version: 2 }));
    await new AtelierClient({ baseUrl: "http://server:1", fetch }).updateAgent("ada", { model: { temperature: 1.2 } });
    expect(requests[0]?.body).toEqual({ model: { temperature: 1.2 } });
  });

  it("rejects an invalid profile before sending anything", async () => {
    const { fetch, requests } = fakeFetch();
    const error = await rejection(new AtelierClient({ baseUrl: "http://server:1", fetch }).createAgent({ name: "" }));
    expect(error.code).toBe("validation_failed");
    expect(error.issues).toEqual([{ path: "name", message: "give the agent a name" }]);
    expect(requests).toEqual([]);
  });

  it("sends If-Match for an expected version and encodes path segments", async () => {
    const { fetch, requests } = fakeFetch(json(200, { ...agent, version: 2 }));
    await new AtelierClient({ baseUrl: "http://server:1", fetch }).updateAgent("a/b", { tone: "dry" }, { expectedVersion: 1 });
    expect(requests[0]).toMatchObject({ method: "PATCH", url: "http://server:1/api/agents/a%2Fb", body: { tone: "dry" } });
    expect(requests[0]?.headers["if-match"]).toBe("1");
  });

  it("builds the conversation list query", async () => {
    const { fetch, requests } = fakeFetch(json(200, { conversations: [] }), json(200, { conversations: [] }));
    const client = new AtelierClient({ baseUrl: "http://server:1", fetch });
    await client.listConversations({ agentId: "agt_1", limit: 5 });
    await client.listConversations();
    expect(requests.map((request) => request.url)).toEqual([
      "http://server:1/api/conversations?agentId=agt_1&limit=5",
      "http://server:1/api/conversations",
    ]);
  });

  it("throws the server's error code, message and issues", async () => {
    const body = { error: { code: "not_found", message: 'No agent "zed".', issues: [{ path: "id", message: "unknown" }] } };
    const { fetch } = fakeFetch(json(404, body));
    const error = await rejection(new AtelierClient({ baseUrl: "http://server:1", fetch }).getAgent("zed"));
    expect(error).toMatchObject({ code: "not_found", message: 'No agent "zed".', issues: [{ path: "id", message: "unknown" }] });
  });

  it("carries Retry-After on a refused request, so a page can say how long to wait", async () => {
    const body = { error: { code: "rate_limited", message: "Please wait a little." } };
    const { fetch } = fakeFetch(() => new Response(JSON.stringify(body), { status: 429, headers: { "content-type": "application/json", "retry-after": "42" } }));
    const error = await rejection(new AtelierClient({ baseUrl: "http://server:1", fetch }).listAgents());
    expect(error).toMatchObject({ code: "rate_limited", message: "Please wait a little.", retryAfterSeconds: 42 });
  });

  it("returns the held-turn note when a reply waits for the owner (202)", async () => {
    const { fetch, requests } = fakeFetch(json(202, { userMessage: null, held: "owner" }));
    const turn = await new AtelierClient({ baseUrl: "http://server:1", fetch }).sendMessage("cnv_1", "Hello?");
    expect(turn).toEqual({ userMessage: null, held: "owner" });
    expect(requests[0]?.body).toEqual({ content: "Hello?", stream: false });
  });

  it("maps a foreign error page by its status", async () => {
    const { fetch } = fakeFetch(() => new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway" }));
    const error = await rejection(new AtelierClient({ baseUrl: "http://server:1", fetch }).listAgents());
    expect(error.code).toBe("upstream_error");
    expect(error.message).toBe("The server answered 502 Bad Gateway to GET /api/agents.");
  });

  it("says clearly when the server cannot be reached", async () => {
    const refused = Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }) });
    const { fetch } = fakeFetch(() => Promise.reject(refused));
    const error = await rejection(new AtelierClient({ baseUrl: "http://127.0.0.1:9", fetch }).listAgents());
    expect(error.code).toBe("upstream_error");
    expect(error.message).toBe("Could not reach the Atelier server at http://127.0.0.1:9 (ECONNREFUSED). Is `atelier serve` running?");
    expect(error.cause).toBe(refused);
  });

  it("reports a response that does not match the contract", async () => {
    const { fetch } = fakeFetch(json(200, { agents: [{ name: "no id" }] }));
    const error = await rejection(new AtelierClient({ baseUrl: "http://server:1", fetch }).listAgents());
    expect(error.code).toBe("upstream_error");
    expect(error.issues?.some((issue) => issue.path === "agents.0.id")).toBe(true);
  });

  it("reads readiness from a 503 answer", async () => {
    const body = { status: "not_ready", checks: { model: { ok: false, detail: "loading" } } };
    const { fetch } = fakeFetch(json(503, body));
    expect(await new AtelierClient({ baseUrl: "http://server:1", fetch }).readiness()).toEqual(body);
  });

  it("returns nothing for 204 and the flag for abort", async () => {
    const { fetch, requests } = fakeFetch(() => new Response(null, { status: 204 }), json(202, { aborted: true }));
    const client = new AtelierClient({ baseUrl: "http://server:1", fetch });
    await client.deleteAgent("ada");
    expect(await client.abortReply("cnv_1", "msg_2")).toBe(true);
    expect(requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      "DELETE http://server:1/api/agents/ada",
      "POST http://server:1/api/conversations/cnv_1/replies/msg_2/abort",
    ]);
  });
});

describe("AtelierClient streams", () => {
  it("yields events with their ids and stops at message-end", async () => {
    const { fetch, requests } = fakeFetch(sse([frame(1, start), ": ping\n\n", frame(2, delta("Hi")), frame(3, end)]));
    const events = await collect(new AtelierClient({ baseUrl: "http://server:1", fetch }).streamMessage("cnv_1", "Hello"));
    expect(events).toEqual([
      { ...start, id: "1" },
      { ...delta("Hi"), id: "2" },
      { ...end, id: "3" },
    ]);
    expect(requests[0]).toMatchObject({ method: "POST", body: { content: "Hello", stream: true } });
    expect(requests[0]?.headers.accept).toBe("text/event-stream");
  });

  it("resumes from the last event id when the connection breaks mid-reply", async () => {
    const { fetch, requests } = fakeFetch(
      sse([frame(1, start), frame(2, delta("Hel"))], { close: false }),
      sse([frame(3, delta("lo")), frame(4, end)]),
    );
    const events = await collect(new AtelierClient({ baseUrl: "http://server:1", fetch }).streamMessage("cnv_1", "Hello"));
    expect(events.map((event) => event.id)).toEqual(["1", "2", "3", "4"]);
    expect(requests[1]).toMatchObject({ method: "GET", url: "http://server:1/api/conversations/cnv_1/replies/msg_2/events" });
    expect(requests[1]?.headers["last-event-id"]).toBe("2");
  });

  it("gives up when the stream ends before the reply even started", async () => {
    const { fetch } = fakeFetch(sse([": ping\n\n"]));
    const error = await rejection(collect(new AtelierClient({ baseUrl: "http://server:1", fetch }).streamMessage("cnv_1", "Hi")));
    expect(error.code).toBe("upstream_error");
  });

  it("throws the HTTP error of a refused turn", async () => {
    const { fetch } = fakeFetch(json(409, { error: { code: "conflict", message: "A reply is still being written." } }));
    const error = await rejection(collect(new AtelierClient({ baseUrl: "http://server:1", fetch }).streamRegenerate("cnv_1")));
    expect(error).toMatchObject({ code: "conflict", message: "A reply is still being written." });
  });

  it("turns an aborted signal into an aborted error", async () => {
    const controller = new AbortController();
    const { fetch } = fakeFetch((_request, signal) =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(stream) {
            stream.enqueue(new TextEncoder().encode(frame(1, start)));
            signal?.addEventListener("abort", () => stream.error(new DOMException("aborted", "AbortError")));
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      ),
    );
    const seen: StreamedChatEvent[] = [];
    const error = await rejection(
      (async () => {
        for await (const event of new AtelierClient({ baseUrl: "http://server:1", fetch }).streamMessage("cnv_1", "Hi", { signal: controller.signal })) {
          seen.push(event);
          controller.abort();
        }
      })(),
    );
    expect(seen).toHaveLength(1);
    expect(error.code).toBe("aborted");
  });

  it("resumes a reply explicitly with Last-Event-ID", async () => {
    const { fetch, requests } = fakeFetch(sse([frame(4, end)]));
    const events = await collect(new AtelierClient({ baseUrl: "http://server:1", fetch }).resumeReply("cnv_1", "msg_2", { lastEventId: 3 }));
    expect(events).toEqual([{ ...end, id: "4" }]);
    expect(requests[0]?.headers["last-event-id"]).toBe("3");
  });
});
