import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import * as sqliteVec from "sqlite-vec";
import { afterAll, describe, expect, it } from "vitest";
import { AtelierClient } from "../src/client/index.js";
import { chunkDocument } from "../src/knowledge/chunk.js";
import { parseDocument } from "../src/knowledge/parse/index.js";
import { openSqliteStore } from "../src/store/sqlite/sqlite-store.js";
import { seedApiKey, seedUser } from "./support/accounts.js";
import { serveProcess } from "./support/serve-process.js";
import { removeDir } from "./support/server.js";
import { waitForIndexing } from "../src/knowledge/testing/wait-for-indexing.js";

const FILES = 24;
const SECTIONS = 120;

/** A long handbook: each file a few hundred chunks, so a kill lands in the middle of the queue. */
function handbook(file: number): string {
  const sections = Array.from({ length: SECTIONS }, (_, section) =>
    `## Topic ${file}-${section}\n${`Paragraph about procedure ${section} of handbook ${file}, with words worth indexing. `.repeat(40)} Codeword h${file}s${section}.`);
  return `# Handbook ${file}\n\n${sections.join("\n\n")}`;
}

const dataDir = mkdtempSync(path.join(tmpdir(), "atelier-knowledge-kill-"));
afterAll(() => removeDir(dataDir));

describe("kill -9 while indexing", () => {
  it("resumes after a restart with every chunk exactly once", { timeout: 180_000 }, async () => {
    const headers: Record<string, string> = {};
    {
      await using store = await openSqliteStore({ file: path.join(dataDir, "atelier.db") });
      const admin = await seedUser(store, { role: "admin-if-first" });
      headers.authorization = `Bearer ${await seedApiKey(store, admin.id)}`;
    }
    const env = { ATELIER_KNOWLEDGE_CHUNK_TOKENS: "64", ATELIER_KNOWLEDGE_OVERLAP_TOKENS: "8" };
    const first = await serveProcess(dataDir, env);
    const exited = new Promise((resolve) => first.child.once("exit", resolve));
    let client = new AtelierClient({ baseUrl: first.url, headers });
    const agent = await client.createAgent({ name: "Handbooks" });
    const texts = Array.from({ length: FILES }, (_, file) => handbook(file));
    await client.addKnowledgeFiles(agent.id, texts.map((text, file) => ({ name: `handbook-${file}.md`, data: new TextEncoder().encode(text) })));

    // Kill once some sources are done and others are not: in the middle of the queue.
    const atKill = await waitForIndexing(() => client.listKnowledge(agent.id), {
      done: (sources) => sources.some((source) => source.status === "ready"),
      intervalMs: 5,
    });
    first.child.kill("SIGKILL");
    await exited;
    const unfinished = atKill.filter((source) => source.status !== "ready").length;
    expect(unfinished, "the kill came after everything was indexed; make the files bigger").toBeGreaterThan(0);

    const second = await serveProcess(dataDir, env);
    try {
      client = new AtelierClient({ baseUrl: second.url, headers });
      const sources = await waitForIndexing(() => client.listKnowledge(agent.id), {
        done: (all) => all.every((source) => source.status === "ready"),
        timeoutMs: 120_000,
        intervalMs: 100,
      });
      expect(sources.map((source) => source.status)).toEqual(Array(FILES).fill("ready"));

      const database = new Database(path.join(dataDir, "atelier.db"), { readonly: true });
      sqliteVec.load(database);
      try {
        for (const [file, text] of texts.entries()) {
          const source = sources.find((item) => item.name === `handbook-${file}.md`)!;
          const expected = chunkDocument(await parseDocument({ name: source.name, format: "markdown", bytes: new TextEncoder().encode(text) }), { chunkTokens: 64, overlapTokens: 8 });
          const positions = database.prepare("select position from knowledge_chunks where source_id = ? order by position").pluck().all(source.id) as number[];
          expect(positions, `chunks of ${source.name}`).toEqual(expected.map((chunk) => chunk.position));
          expect(source.chunkCount).toBe(expected.length);
        }
        // The full-text index holds exactly the chunks there are: no entries left from the killed run.
        const chunkCount = database.prepare("select count(*) from knowledge_chunks").pluck().get();
        const indexed = database.prepare("select count(*) from knowledge_fts where knowledge_fts match 'handbook'").pluck().get();
        expect(indexed).toBe(chunkCount);
      } finally {
        database.close();
      }
      const hits = await client.searchKnowledge(agent.id, { q: "codeword h7s33" });
      expect(hits.passages[0]?.heading).toContain("Topic 7-33");
    } finally {
      second.child.kill("SIGKILL");
    }
  });
});
