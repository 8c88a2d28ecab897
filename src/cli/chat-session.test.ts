import type { ServerResponse } from "node:http";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { AtelierClient } from "../client/http-client.js";
import { AtelierError } from "../contracts/index.js";
import { ChatSession, runChat } from "./chat-session.js";
import { agentFixture, captureStream, conversationFixture, messageFixture, replyEvents } from "./testing/fixtures.js";
import { sendJson, sseFrame, startSse, startStubServer, type StubHandler, type StubServer } from "./testing/stub-server.js";

let server: StubServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const greeting = messageFixture({ id: "msg_greet", role: "assistant", content: "Hello, I am Ada." });

function writeReply(response: ServerResponse, events: ReturnType<typeof replyEvents>): void {
  startSse(response);
  events.forEach((event, index) => response.write(sseFrame(index + 1, event)));
  response.end();
}

/** The routes every chat needs, plus the ones a test adds or replaces. */
async function startChatServer(routes: Record<string, StubHandler> = {}): Promise<StubServer> {
  server = await startStubServer({
    "GET /api/agents/ada": (_request, response) => sendJson(response, 200, agentFixture()),
    "POST /api/conversations": (_request, response) =>
      sendJson(response, 201, { conversation: conversationFixture(), messages: [greeting] }),
    "POST /api/conversations/cnv_1/messages": (request, response) => {
      const { content } = request.body as { content: string };
      writeReply(response, replyEvents({ messageId: "msg_reply", pieces: ["You said: ", content] }));
    },
    ...routes,
  });
  return server;
}

function pipedInput(text: string): PassThrough {
  const input = new PassThrough();
  input.end(text);
  return input;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("chat with piped input", () => {
  it("prints the greeting, answers each line and ends at end of input", async () => {
    const stub = await startChatServer();
    const output = captureStream();
    const outcome = await runChat({
      client: new AtelierClient({ baseUrl: stub.url }),
      input: pipedInput("Hello there\n\nHow are you?"),
      output,
      agent: "ada",
    });
    expect(output.text()).toBe("Ada: Hello, I am Ada.\nAda: You said: Hello there\nAda: You said: How are you?\n");
    expect(outcome).toEqual({ conversationId: "cnv_1", replies: 2, failures: 0 });
    const posts = stub.requests.filter((request) => request.path === "/api/conversations/cnv_1/messages");
    expect(posts.map((request) => request.body)).toEqual([
      { content: "Hello there", stream: true },
      { content: "How are you?", stream: true },
    ]);
    expect(stub.requests.find((request) => request.path === "/api/conversations")?.body).toEqual({ agentId: "agt_1" });
  });

  it("regenerates, marks a reply that hit the length limit as cut off and shows stats", async () => {
    const stub = await startChatServer({
      "POST /api/conversations/cnv_1/regenerate": (_request, response) =>
        writeReply(response, replyEvents({ messageId: "msg_again", pieces: ["Once upon"], finishReason: "length" })),
    });
    const output = captureStream();
    await runChat({ client: new AtelierClient({ baseUrl: stub.url }), input: pipedInput("/regenerate\n"), output, agent: "ada", showStats: true });
    expect(output.text()).toBe(
      "Ada: Hello, I am Ada.\n" +
        "Ada: Once upon (cut off)\n" +
        "[the reply reached its length limit; raise it with: atelier agent edit ada --max-tokens <n>]\n" +
        "[tiny-model · 40 prompt tokens (28 cached) · 8 reply tokens · first token 100 ms · total 500 ms · 20.0 tokens/s]\n",
    );
  });

  it("handles /help, /new, // escapes and unknown commands, and stops at /exit", async () => {
    const stub = await startChatServer();
    const output = captureStream();
    const errors = captureStream();
    await runChat({
      client: new AtelierClient({ baseUrl: stub.url }),
      input: pipedInput("/help\n/bogus\n//slash\n/new\n/exit\nnever sent\n"),
      output,
      errorOutput: errors,
      agent: "ada",
    });
    expect(output.text()).toContain("/regenerate   write the last reply again");
    expect(output.text()).toContain("Ada: You said: /slash\n");
    expect(output.text().match(/Hello, I am Ada\./g)).toHaveLength(2);
    expect(errors.text()).toBe("Unknown command /bogus. Type /help for the list.\n");
    expect(stub.requests.some((request) => (request.body as { content?: string } | undefined)?.content === "never sent")).toBe(false);
  });

  it("reports failed turns and carries on", async () => {
    let calls = 0;
    const stub = await startChatServer({
      "POST /api/conversations/cnv_1/messages": (_request, response) => {
        calls++;
        if (calls === 1) {
          sendJson(response, 409, { error: { code: "conflict", message: "A reply is still being written." } });
          return;
        }
        startSse(response);
        response.write(sseFrame(1, replyEvents({ messageId: "m", pieces: [] })[0]!));
        response.end(sseFrame(2, { type: "error", messageId: "m", code: "engine_error", message: "The model crashed." }));
      },
    });
    const output = captureStream();
    const errors = captureStream();
    const outcome = await runChat({ client: new AtelierClient({ baseUrl: stub.url }), input: pipedInput("one\ntwo\n"), output, errorOutput: errors, agent: "ada" });
    expect(errors.text()).toBe("error: A reply is still being written. (conflict)\nerror: The model crashed. (engine_error)\n");
    expect(output.text()).toBe("Ada: Hello, I am Ada.\nAda:  (incomplete)\n");
    expect(outcome.failures).toBe(2);
  });

  it("refuses to continue a conversation that belongs to another agent", async () => {
    const stub = await startChatServer({
      "GET /api/conversations/cnv_9": (_request, response) =>
        sendJson(response, 200, { conversation: { ...conversationFixture("cnv_9"), agentId: "agt_other" }, messages: [] }),
    });
    const error: unknown = await runChat({
      client: new AtelierClient({ baseUrl: stub.url }),
      input: pipedInput(""),
      output: captureStream(),
      agent: "ada",
      conversationId: "cnv_9",
    }).catch((caught: unknown) => caught);
    expect(AtelierError.is(error, "bad_request")).toBe(true);
  });
});

describe("chat streaming and stopping", () => {
  it("prints each token as it arrives, before the reply ends", async () => {
    const output = captureStream();
    await startChatServer({
      "POST /api/conversations/cnv_1/messages": async (_request, response) => {
        const [start, first, second, end] = replyEvents({ messageId: "m", pieces: ["Hel", "lo"] });
        startSse(response);
        response.write(sseFrame(1, start!) + sseFrame(2, first!));
        // Holding the rest back until "Hel" is on screen proves nothing waits for the whole reply.
        await until(() => output.text().endsWith("Ada: Hel"), "the first token");
        response.end(sseFrame(3, second!) + sseFrame(4, end!));
      },
    });
    await runChat({ client: new AtelierClient({ baseUrl: server!.url }), input: pipedInput("hi\n"), output, agent: "ada" });
    expect(output.text()).toBe("Ada: Hello, I am Ada.\nAda: Hello\n");
  });

  it("stops a reply through the abort route on interrupt and marks it incomplete", async () => {
    const output = captureStream();
    let finish: (() => void) | undefined;
    const stub = await startChatServer({
      "POST /api/conversations/cnv_1/messages": (_request, response) => {
        const [start, first] = replyEvents({ messageId: "msg_long", pieces: ["Once"] });
        startSse(response);
        response.write(sseFrame(1, start!) + sseFrame(2, first!));
        finish = () => response.end(sseFrame(3, { ...replyEvents({ messageId: "msg_long", pieces: [], finishReason: "aborted" }).at(-1)! }));
      },
      "POST /api/conversations/cnv_1/replies/msg_long/abort": (_request, response) => {
        sendJson(response, 202, { aborted: true });
        finish?.();
      },
    });
    const session = new ChatSession({ client: new AtelierClient({ baseUrl: stub.url }), input: pipedInput("story\n"), output, agent: "ada" });
    const running = session.run();
    await until(() => output.text().endsWith("Ada: Once"), "the reply to start");
    session.interrupt();
    const outcome = await running;
    expect(output.text()).toBe("Ada: Hello, I am Ada.\nAda: Once (incomplete)\n[stopped]\n");
    expect(outcome).toMatchObject({ replies: 1, failures: 0 });
    expect(stub.requests.some((request) => request.path.endsWith("/replies/msg_long/abort"))).toBe(true);
  });

  it("hangs up when the server cannot stop the reply", async () => {
    const output = captureStream();
    const stub = await startChatServer({
      "POST /api/conversations/cnv_1/messages": (_request, response) => {
        const [start, first] = replyEvents({ messageId: "msg_stuck", pieces: ["Never"] });
        startSse(response);
        response.write(sseFrame(1, start!) + sseFrame(2, first!));
      },
      "POST /api/conversations/cnv_1/replies/msg_stuck/abort": (_request, response) =>
        sendJson(response, 500, { error: { code: "internal", message: "no" } }),
    });
    const session = new ChatSession({ client: new AtelierClient({ baseUrl: stub.url }), input: pipedInput("hi\n"), output, agent: "ada" });
    const running = session.run();
    await until(() => output.text().endsWith("Never"), "the reply to start");
    session.interrupt();
    expect((await running).failures).toBe(0);
    expect(output.text()).toBe("Ada: Hello, I am Ada.\nAda: Never (incomplete)\n[stopped]\n");
  });

  it("ends the session on interrupt at the prompt", async () => {
    const stub = await startChatServer();
    const input = new PassThrough(); // never ends, like a terminal nobody types in
    const session = new ChatSession({ client: new AtelierClient({ baseUrl: stub.url }), input, output: captureStream(), agent: "ada" });
    const running = session.run();
    await until(() => stub.requests.length >= 2, "the conversation to open");
    await new Promise((resolve) => setTimeout(resolve, 20));
    session.interrupt();
    expect((await running).replies).toBe(0);
  });
});
