import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { openSqliteStore } from "./sqlite-store.js";

const directory = mkdtempSync(path.join(tmpdir(), "atelier-crash-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const WRITER = fileURLToPath(new URL("./crash-writer.fixture.mjs", import.meta.url));
const ROWS_BEFORE_KILL = 300;
const MAX_WRITE_MS = 2_500;

/*
 * A process killed with SIGKILL mid-write leaves a consistent database holding every message it
 * reported as committed. (Power loss is the job of synchronous=FULL, which no test can cut the
 * power to prove; this proves the process-crash half and that the store reads what it finds.)
 */
it("keeps every committed message when the writer is killed with SIGKILL", async () => {
  const file = path.join(directory, "crash.db");
  const setup = await openSqliteStore({ file });
  await setup.agents.create({ id: "agt_crash", handle: "crash", ownerId: null, profile: crashProfile, now: "2030-01-01T00:00:00.000Z" });
  await setup.conversations.create({ id: "cnv_crash", agentId: "agt_crash", participantId: "p", title: "t", now: "2030-01-01T00:00:00.000Z" });
  await setup[Symbol.asyncDispose]();

  const committed = await runWriterUntilKilled(file);
  expect(committed.length).toBeGreaterThan(0);

  const database = new BetterSqlite3(file);
  expect(database.pragma("integrity_check", { simple: true })).toBe("ok");
  database.close();

  await using store = await openSqliteStore({ file });
  const stored = await store.conversations.listMessages("cnv_crash");
  const storedIds = new Set(stored.map((message) => message.id));
  expect(committed.filter((id) => !storedIds.has(id))).toEqual([]);
  // The kill may land after a commit and before its line: at most one more row than reported.
  expect(stored.length - committed.length).toBeGreaterThanOrEqual(0);
  expect(stored.length - committed.length).toBeLessThanOrEqual(1);
}, 15_000);

/** Starts the writer, collects the ids it reports, and SIGKILLs it mid-loop. */
function runWriterUntilKilled(file: string): Promise<string[]> {
  const betterSqlite3 = createRequire(import.meta.url).resolve("better-sqlite3");
  const child = spawn(process.execPath, [WRITER, betterSqlite3, file, "cnv_crash"], { stdio: ["ignore", "pipe", "pipe"] });
  const committed: string[] = [];
  let pending = "";
  let errors = "";
  return new Promise((resolve, reject) => {
    const kill = () => child.kill("SIGKILL");
    const timer = setTimeout(kill, MAX_WRITE_MS);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop() ?? ""; // a line cut by the kill is not a report
      committed.push(...lines);
      if (committed.length >= ROWS_BEFORE_KILL) kill();
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      errors += chunk;
    });
    child.on("error", reject);
    // "close", not "exit": only then has every line the writer printed been read.
    child.on("close", (_code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL") resolve(committed);
      else reject(new Error(`The writer stopped by itself before it was killed: ${errors}`));
    });
  });
}

const crashProfile = {
  name: "Crash", handle: "crash", tagline: "", avatar: "", description: "", personality: "", traits: [], interests: [], tone: "",
  instructions: "", greetings: [], openers: [], exampleDialogues: [], avoidTopics: [], model: { temperature: 0.8, maxTokens: 512 },
  scenario: "", postHistoryInstructions: "", card: null,
};
