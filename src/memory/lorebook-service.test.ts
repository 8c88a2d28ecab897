import { describe, expect, it } from "vitest";
import { AtelierError, LorebookContent, type Lorebook, type LorebookContentInput } from "../contracts/index.js";
import type { LorebookRepository } from "../store/lorebooks.js";
import { LorebookService } from "./lorebook-service.js";

/** The port's contract in memory, counting reads (the Kysely repository is tested by the store contract tests). */
class MemoryLorebooks implements LorebookRepository {
  readonly books = new Map<string, Lorebook>();
  reads = 0;
  async get(agentId: string) {
    this.reads++;
    return this.books.get(agentId);
  }
  async put(input: { agentId: string; content: LorebookContent; expectedRevision?: number | undefined; now: string }) {
    const revision = this.books.get(input.agentId)?.revision ?? 0;
    if (input.expectedRevision !== undefined && input.expectedRevision !== revision) throw new AtelierError("conflict", "stale");
    const book = { agentId: input.agentId, revision: revision + 1, updatedAt: input.now, ...input.content };
    this.books.set(input.agentId, book);
    return book;
  }
}

const content = (input: LorebookContentInput) => LorebookContent.parse(input);
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

function setup() {
  const lorebooks = new MemoryLorebooks();
  return { lorebooks, service: new LorebookService({ store: { lorebooks }, now: () => new Date("2025-01-01T00:00:00Z") }) };
}

describe("LorebookService", () => {
  it("shows an empty lorebook at revision 0 when the agent has none", async () => {
    const { service } = setup();
    expect(await service.get("agt_1")).toMatchObject({ agentId: "agt_1", revision: 0, updatedAt: null, entries: [], scanDepth: 4, tokenBudget: 512 });
  });

  it("refuses a stale edit with a message to reload, changing nothing", async () => {
    const { service } = setup();
    await service.put("agt_1", { lorebook: content({ name: "first" }) });
    await service.put("agt_1", { lorebook: content({ name: "second" }), expectedRevision: 1 });
    const stale = service.put("agt_1", { lorebook: content({ name: "lost" }), expectedRevision: 1 });
    await expect(stale).rejects.toMatchObject({ code: "conflict", message: expect.stringMatching(/revision 2.*Reload/) });
    expect(await service.get("agt_1")).toMatchObject({ name: "second", revision: 2 });
  });

  it("merges imported entries after the existing ones, re-identifying clashing ids and keeping the settings", async () => {
    const { service } = setup();
    await service.put("agt_1", { lorebook: content({ name: "mine", scanDepth: 2, entries: [{ id: "0", keys: ["a"], content: "A" }] }) });
    const merged = await service.merge("agt_1", content({ name: "theirs", scanDepth: 9, entries: [{ id: "0", keys: ["b"], content: "B" }, { id: "1", keys: ["c"], content: "C" }] }), "merge");
    expect(merged).toMatchObject({ name: "mine", scanDepth: 2, revision: 2 });
    expect(merged.entries.map((entry) => entry.content)).toEqual(["A", "B", "C"]);
    expect(merged.entries[1]!.id).toMatch(/^lor_/);
    expect(merged.entries[2]!.id).toBe("1");
    const replaced = await service.merge("agt_1", content({ name: "theirs", entries: [{ id: "9", content: "Z" }] }), "replace");
    expect(replaced).toMatchObject({ name: "theirs", revision: 3, entries: [{ id: "9" }] });
  });

  it("takes the file's settings when merging into an agent without a lorebook", async () => {
    const { service } = setup();
    expect(await service.merge("agt_1", content({ name: "theirs", scanDepth: 9 }), "merge")).toMatchObject({ name: "theirs", scanDepth: 9, revision: 1 });
  });

  it("selects nothing (null) for an agent without enabled entries, and caps the budget at the book's", async () => {
    const { service } = setup();
    expect(await service.select("agt_1", ["forest"], 1_000, words)).toBeNull();
    await service.put("agt_1", { lorebook: content({ tokenBudget: 16, entries: [{ id: "0", keys: ["forest"], content: "word ".repeat(20) }, { id: "1", keys: ["forest"], content: "small", priority: 20 }] }) });
    const selection = await service.select("agt_1", ["the forest"], 1_000, words);
    expect(selection?.entries.map((hit) => hit.leftOut)).toEqual([true, false]);
  });

  it("serves turns from memory, re-reading the store at most every few seconds, and sees its own edits at once", async () => {
    const { service, lorebooks } = setup();
    await service.put("agt_1", { lorebook: content({ entries: [{ id: "0", keys: ["forest"], content: "old" }] }) });
    const readsBefore = lorebooks.reads;
    for (let turn = 0; turn < 5; turn++) await service.select("agt_1", ["forest"], 100, words);
    expect(lorebooks.reads).toBe(readsBefore);
    await service.put("agt_1", { lorebook: content({ entries: [{ id: "0", keys: ["forest"], content: "new" }] }) });
    expect((await service.select("agt_1", ["forest"], 100, words))?.after).toBe("new");
  });

  it("reports invalid regular expressions from the test", async () => {
    const { service } = setup();
    await service.put("agt_1", { lorebook: content({ entries: [{ id: "0", name: "broken", keys: ["/([/"], content: "x" }, { id: "1", keys: ["forest"], content: "y" }] }) });
    const result = await service.test("agt_1", { messages: ["the forest"] }, words);
    expect(result).toMatchObject({ tokens: 1, budget: 512, entries: [{ entryId: "1", reason: 'key "forest"' }] });
    expect(result.warnings).toEqual([expect.stringContaining('Entry "broken"')]);
  });
});
