import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import type { CliContext } from "./context.js";
import { runCli } from "./program.js";
import { agentFixture, captureStream, conversationFixture, messageFixture, replyEvents } from "./testing/fixtures.js";
import { sendJson, sseFrame, startSse, startStubServer, type StubHandler, type StubServer } from "./testing/stub-server.js";

let server: StubServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function cli(argv: string[], options: { routes?: Record<string, StubHandler>; stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  server ??= await startStubServer(options.routes ?? {});
  const stdout = captureStream();
  const stderr = captureStream();
  const stdin = new PassThrough();
  stdin.end(options.stdin ?? "");
  const context: CliContext = { stdin, stdout, stderr, env: { ATELIER_URL: server.url, ...options.env } };
  const code = await runCli({ argv, context });
  return { code, stdout: stdout.text(), stderr: stderr.text(), requests: server.requests };
}

describe("atelier agent", () => {
  it("create maps flags to the request body", async () => {
    const { code, stdout, requests } = await cli(
      ["agent", "create", "--name", "Ada", "--trait", "curious", "--trait", "dry", "--greeting", "Hi!", "--temperature", "0.5"],
      { routes: { "POST /api/agents": (request, response) => sendJson(response, 201, agentFixture(request.body as object)) } },
    );
    expect(code).toBe(0);
    expect(requests[0]?.body).toEqual({ name: "Ada", traits: ["curious", "dry"], greetings: ["Hi!"], model: { temperature: 0.5 } });
    expect(stdout).toBe("Created Ada (@ada), version 1.\nChat with it: atelier chat ada\n");
  });

  it("create refuses an invalid profile without calling the server", async () => {
    const { code, stderr, requests } = await cli(["agent", "create", "--tagline", "x".repeat(200)]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      "error: Invalid agent profile (validation_failed)\n" +
        "  name (--name): Invalid input: expected string, received undefined\n" +
        "  tagline (--tagline): Too big: expected string to have <=160 characters\n",
    );
    expect(requests).toEqual([]);
  });

  it("edit sends only the changed fields with If-Match", async () => {
    const { code, requests } = await cli(["agent", "edit", "ada", "--max-tokens", "64", "--expect-version", "3"], {
      routes: { "PATCH /api/agents/ada": (_request, response) => sendJson(response, 200, { ...agentFixture(), version: 4 }) },
    });
    expect(code).toBe(0);
    expect(requests[0]?.body).toEqual({ model: { maxTokens: 64 } });
    expect(requests[0]?.headers["if-match"]).toBe("3");
  });

  it("list prints a table", async () => {
    const { stdout } = await cli(["agent", "list"], {
      routes: { "GET /api/agents": (_request, response) => sendJson(response, 200, { agents: [agentFixture({ tagline: "A librarian" })] }) },
    });
    expect(stdout).toBe(
      "HANDLE  NAME  VERSION  UPDATED               TAGLINE\n" +
        "ada     Ada   1        2025-01-02 03:04 UTC  A librarian\n",
    );
  });

  it("show prints a readable page, or JSON", async () => {
    const routes = { "GET /api/agents/ada": (_request: unknown, response: Parameters<StubHandler>[1]) => sendJson(response, 200, agentFixture({ traits: ["curious"] })) };
    const readable = await cli(["agent", "show", "ada"], { routes });
    expect(readable.stdout).toContain("Ada (@ada) · version 1\n");
    expect(readable.stdout).toContain("Traits:       curious\n");
    await server?.close();
    server = undefined;
    const json = await cli(["agent", "show", "ada", "--json"], { routes });
    expect(JSON.parse(json.stdout)).toMatchObject({ id: "agt_1", traits: ["curious"] });
  });

  it("delete refuses to go on without --yes when stdin is not a terminal", async () => {
    const { code, stderr, requests } = await cli(["agent", "delete", "ada"]);
    expect(code).toBe(1);
    expect(stderr).toBe("error: Refusing to delete without confirmation: stdin is not a terminal. Pass --yes. (bad_request)\n");
    expect(requests).toEqual([]);
  });

  it("delete --yes deletes", async () => {
    const { code, requests } = await cli(["agent", "delete", "ada", "--yes"], {
      routes: { "DELETE /api/agents/ada": (_request, response) => void response.writeHead(204).end() },
    });
    expect(code).toBe(0);
    expect(requests.map((request) => `${request.method} ${request.path}`)).toEqual(["DELETE /api/agents/ada"]);
  });

  it("prints the server's error and code, without a stack", async () => {
    const { code, stderr } = await cli(["agent", "show", "zed"]);
    expect(code).toBe(1);
    expect(stderr).toBe("error: No route GET /api/agents/zed. (not_found)\n");
  });
});

describe("atelier chat", () => {
  it("answers piped lines and exits 0", async () => {
    const { code, stdout } = await cli(["chat", "ada"], {
      stdin: "Hi\n",
      routes: {
        "GET /api/agents/ada": (_request, response) => sendJson(response, 200, agentFixture()),
        "POST /api/conversations": (request, response) =>
          sendJson(response, 201, {
            conversation: { ...conversationFixture(), participantId: (request.body as { participantId?: string }).participantId ?? "local" },
            messages: [messageFixture({ id: "g", role: "assistant", content: "Hello, I am Ada." })],
          }),
        "POST /api/conversations/cnv_1/messages": (_request, response) => {
          startSse(response);
          replyEvents({ messageId: "m", pieces: ["Hi ", "you"] }).forEach((event, index) => response.write(sseFrame(index + 1, event)));
          response.end();
        },
      },
    });
    expect(code).toBe(0);
    expect(stdout).toBe("Ada: Hello, I am Ada.\nAda: Hi you\n");
  });

  it("exits 1 when a piped turn failed", async () => {
    const { code, stderr } = await cli(["chat", "ada", "--participant", "sam"], {
      stdin: "Hi\n",
      routes: {
        "GET /api/agents/ada": (_request, response) => sendJson(response, 200, agentFixture()),
        "POST /api/conversations": (_request, response) => sendJson(response, 201, { conversation: conversationFixture(), messages: [] }),
        "POST /api/conversations/cnv_1/messages": (_request, response) =>
          sendJson(response, 503, { error: { code: "engine_unavailable", message: "The model is still loading." } }),
      },
    });
    expect(code).toBe(1);
    expect(stderr).toBe("error: The model is still loading. (engine_unavailable)\n");
    expect(server?.requests[1]?.body).toEqual({ agentId: "agt_1", participantId: "sam" });
  });
});

describe("atelier (global)", () => {
  const listAgents = { "GET /api/agents": (_request: unknown, response: Parameters<StubHandler>[1]) => sendJson(response, 200, { agents: [] }) };
  const refuse = (message: string) => ({
    "GET /api/agents": (_request: unknown, response: Parameters<StubHandler>[1]) => sendJson(response, 401, { error: { code: "unauthorized", message } }),
  });

  it("sends the API key from ATELIER_API_KEY, and --api-key over it", async () => {
    await cli(["agent", "list"], { routes: listAgents, env: { ATELIER_API_KEY: "atk_from_env" } });
    await cli(["--api-key", "atk_from_flag", "agent", "list"], { routes: listAgents, env: { ATELIER_API_KEY: "atk_from_env" } });
    await cli(["agent", "list"], { routes: listAgents });
    expect(server?.requests.map((request) => request.headers.authorization)).toEqual(["Bearer atk_from_env", "Bearer atk_from_flag", undefined]);
  });

  it("says how to get an API key when the server wants one", async () => {
    const { code, stderr } = await cli(["agent", "list"], { routes: refuse("Sign in first, or send an API key as 'Authorization: Bearer atk_…'.") });
    expect(code).toBe(1);
    expect(stderr).toBe(
      "error: This server needs an API key, and none was given. To get one, run " +
        "`atelier user create --email you@example.com --role admin --api-key-name cli` where the server keeps its data " +
        "(it prints a key), or create one in the studio. Then pass --api-key <key> or set ATELIER_API_KEY. (unauthorized)\n",
    );
  });

  it("says the key was refused, with the server's reason, when one was sent", async () => {
    const { code, stderr } = await cli(["agent", "list", "--api-key", "atk_revoked"], {
      routes: refuse("The API key or token is not valid (unknown, revoked or expired). Create a new one."),
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: The server refused the API key from --api-key or ATELIER_API_KEY: The API key or token is not valid \(unknown, revoked or expired\)\. Create a new one\. To get one, run `atelier user create/);
  });

  it("says how to start the server when it cannot be reached", async () => {
    const closed = await startStubServer({});
    await closed.close();
    const { code, stderr } = await cli(["agent", "list", "--url", closed.url]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: Could not reach the Atelier server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Is `atelier serve` running\? \(upstream_error\)\n$/);
  });

  it("prints help with examples and exits 0", async () => {
    const { code, stdout } = await cli(["agent", "create", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("--trait <trait>");
    expect(stdout).toContain("Examples:");
  });

  it("rejects unknown options with a usage hint", async () => {
    const { code, stderr } = await cli(["agent", "list", "--bogus"]);
    expect(code).toBe(1);
    expect(stderr).toContain("unknown option '--bogus'");
  });

  it("shows stacks only with ATELIER_DEBUG=1", async () => {
    const { stderr } = await cli(["agent", "show", "zed"], { env: { ATELIER_DEBUG: "1" } });
    expect(stderr).toMatch(/\n {4}at /);
  });
});
