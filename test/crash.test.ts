import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import type { Agent, ConversationWithMessages } from "../src/contracts/index.js";
import { readSse } from "./support/sse.js";
import { serveProcess } from "./support/serve-process.js";
import { removeDir } from "./support/server.js";
import { seedApiKey, seedUser } from "./support/accounts.js";
import { openSqliteStore } from "../src/store/sqlite/sqlite-store.js";

const ITERATIONS = 5;
/** Every request carries the admin's key, seeded into the database before the first start. */
const auth: Record<string, string> = {};


const serve = (dataDir: string) => serveProcess(dataDir);

async function json<T>(url: string, method: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const dataDir = mkdtempSync(path.join(tmpdir(), "atelier-crash-"));
afterAll(() => removeDir(dataDir));

describe("kill -9 during replies and writes", () => {
  it(`loses no acknowledged data and never shows a cut reply as complete (${ITERATIONS} kills)`, { timeout: 120_000 }, async () => {
    const acknowledgedAgents: string[] = [];
    const acknowledgedMessages: { conversationId: string; messageId: string }[] = [];
    const cutReplies: { conversationId: string; messageId: string; streamed: string }[] = [];
    {
      await using store = await openSqliteStore({ file: path.join(dataDir, "atelier.db") });
      const admin = await seedUser(store, { role: "admin-if-first" });
      auth.authorization = `Bearer ${await seedApiKey(store, admin.id)}`;
    }

    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const { child, url } = await serve(dataDir);
      const exited = new Promise((resolve) => child.once("exit", resolve));
      const agent = await json<Agent>(`${url}/api/agents`, "POST", {
        name: `Crash ${iteration}`,
        model: { maxTokens: 4000, temperature: 1 },
      });
      acknowledgedAgents.push(agent.id);
      const { conversation } = await json<ConversationWithMessages>(`${url}/api/conversations`, "POST", { agentId: agent.id });

      // Writes in flight while the process dies: every one acknowledged must survive.
      let writing = true;
      const writer = (async () => {
        for (let index = 0; writing; index++) {
          try {
            const created = await json<Agent>(`${url}/api/agents`, "POST", { name: `Writer ${iteration}-${index}` });
            acknowledgedAgents.push(created.id);
          } catch {
            return;
          }
        }
      })();

      const response = await fetch(`${url}/api/conversations/${conversation.id}/messages`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ content: "Once upon a time" }),
      });
      let messageId = "";
      let streamed = "";
      let firstDeltaAt = 0;
      // Right at the start on the first kill, after a progress save (every 250 ms) on the others.
      const killAfterMs = [0, 300, 600, 150, 450][iteration % 5]!;
      try {
        for await (const { event } of readSse(response)) {
          if (event.type === "message-start") {
            messageId = event.messageId;
            // The user's message was committed before the reply started: it must survive the kill.
            if (event.userMessageId) acknowledgedMessages.push({ conversationId: conversation.id, messageId: event.userMessageId });
          }
          if (event.type === "text-delta") {
            streamed += event.delta;
            firstDeltaAt ||= performance.now();
            if (performance.now() - firstDeltaAt >= killAfterMs) child.kill("SIGKILL");
          }
          if (event.type === "message-end") throw new Error("the reply finished before the kill; make it longer");
        }
      } catch (error) {
        if ((error as Error).message.includes("finished before")) throw error;
      }
      writing = false;
      await writer;
      await exited;
      cutReplies.push({ conversationId: conversation.id, messageId, streamed });
    }

    const database = new Database(path.join(dataDir, "atelier.db"));
    expect(database.pragma("integrity_check", { simple: true })).toBe("ok");
    database.close();

    const { child, url } = await serve(dataDir);
    try {
      for (const id of acknowledgedAgents) expect((await fetch(`${url}/api/agents/${id}`, { headers: auth })).status).toBe(200);
      for (const { conversationId, messageId } of acknowledgedMessages) {
        const { messages } = await json<ConversationWithMessages>(`${url}/api/conversations/${conversationId}`, "GET");
        expect(messages.some((message) => message.id === messageId && message.role === "user")).toBe(true);
      }
      const savedLengths: number[] = [];
      for (const cut of cutReplies) {
        const { messages } = await json<ConversationWithMessages>(`${url}/api/conversations/${cut.conversationId}`, "GET");
        expect(messages.map((message) => message.role)).toEqual(["user", "assistant"]);
        const reply = messages[1]!;
        expect(reply.id).toBe(cut.messageId);
        expect(reply.status).toBe("incomplete");
        expect(cut.streamed.startsWith(reply.content)).toBe(true);
        savedLengths.push(reply.content.length);
      }
      // Replies cut after a progress save kept their text up to that save.
      expect(Math.max(...savedLengths)).toBeGreaterThan(0);
      // A conversation with a cut reply goes on.
      const last = cutReplies.at(-1)!;
      const next = await json<{ reply: { status: string } }>(`${url}/api/conversations/${last.conversationId}/messages`, "POST", {
        content: "And then?",
        stream: false,
      });
      expect(next.reply.status).toBe("complete");
      console.log(
        `crash test: ${ITERATIONS} kills, ${acknowledgedAgents.length} acknowledged agent writes and ${acknowledgedMessages.length} acknowledged user messages all present, integrity_check ok; ` +
          `cut replies kept ${savedLengths.join(", ")} of ${cutReplies.map((cut) => cut.streamed.length).join(", ")} streamed characters`,
      );
    } finally {
      child.kill("SIGKILL");
    }
  });
});
