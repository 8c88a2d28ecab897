import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent } from "../contracts/index.js";
import { AgentsService } from "../runtime/agents-service.js";
import { silentLogger } from "../runtime/logger.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Store } from "../store/store.js";
import { MemoryService } from "./memory-service.js";

describe("MemoryService (owner operations)", () => {
  let store: Store;
  let memory: MemoryService;
  let bea: Agent;
  let max: Agent;

  beforeAll(async () => {
    store = await openSqliteStore({ file: ":memory:" });
    const agents = new AgentsService({ agents: store.agents });
    memory = new MemoryService({ store, logger: silentLogger, settings: { extract: true, maxPerPerson: 3, recallShare: 0.1, summariseAt: 0.75 } });
    await store.users.create({ id: "usr_ann", email: "ann@example.com", name: "Ann", role: "owner", passwordHash: "x", now: new Date().toISOString() });
    bea = await agents.create({ name: "Bea" }, "usr_ann");
    max = await agents.create({ name: "Max" }, "usr_ann");
  });
  afterAll(async () => {
    await store[Symbol.asyncDispose]();
  });

  it("labels people by account name, as a short visitor id, or by the id given", async () => {
    await memory.add(bea.id, "usr_ann", { kind: "fact", content: "Owns the bakery" });
    await memory.add(bea.id, "vis_0123456789abcdef", { kind: "fact", content: "Visits on Mondays" });
    await memory.add(bea.id, "tester", { kind: "fact", content: "Tests things" });
    const { people } = await memory.listPeople(bea);
    expect(people.map(({ participantId, label, kind, memoryCount }) => ({ participantId, label, kind, memoryCount })).sort((a, b) => a.label.localeCompare(b.label))).toEqual([
      { participantId: "usr_ann", label: "Ann", kind: "user", memoryCount: 1 },
      { participantId: "tester", label: "tester", kind: "visitor", memoryCount: 1 },
      { participantId: "vis_0123456789abcdef", label: "Visitor abcdef", kind: "visitor", memoryCount: 1 },
    ]);
    expect((await memory.listPeople(max)).people).toEqual([]);
  });

  it("labels a visitor an embedding site identified by the site's user id, an anonymous one by a short id", async () => {
    const now = new Date().toISOString();
    const identified = await store.visitors.create({ id: "vis_identified0001", tokenHash: "hash-identified", externalKey: `${max.id}:user-42`, now });
    const anonymous = await store.visitors.create({ id: "vis_anon0000000002", tokenHash: "hash-anonymous", now });
    await memory.add(max.id, identified.id, { kind: "fact", content: "Orders online" });
    await memory.add(max.id, anonymous.id, { kind: "fact", content: "Browses" });
    const labels = Object.fromEntries((await memory.listPeople(max)).people.map((person) => [person.participantId, [person.label, person.kind]]));
    expect(labels).toEqual({ [identified.id]: ["Site user user-42", "visitor"], [anonymous.id]: ["Visitor 000002", "visitor"] });
    await memory.forget(max.id, identified.id);
    await memory.forget(max.id, anonymous.id);
  });

  it("labels a person known through the OpenAI-compatible API by the app's `user`", async () => {
    await memory.add(max.id, "api:key_0123:alice", { kind: "fact", content: "Uses the app" });
    await memory.add(max.id, "api:usr_ann:bob:the:builder", { kind: "fact", content: "Builds" });
    const labels = Object.fromEntries((await memory.listPeople(max)).people.map((person) => [person.participantId, [person.label, person.kind]]));
    expect(labels).toEqual({ "api:key_0123:alice": ["API user alice", "visitor"], "api:usr_ann:bob:the:builder": ["API user bob:the:builder", "visitor"] });
    await memory.forget(max.id, "api:key_0123:alice");
    await memory.forget(max.id, "api:usr_ann:bob:the:builder");
  });

  it("keeps one name per person: adding or changing a memory to a name replaces the old one", async () => {
    const first = await memory.add(bea.id, "vis_x", { kind: "name", content: "Sam" });
    const second = await memory.add(bea.id, "vis_x", { kind: "name", content: "Samantha" });
    expect(second.id).toBe(first.id);
    const fact = await memory.add(bea.id, "vis_x", { kind: "fact", content: "Goes by Sammy" });
    await memory.update(bea.id, fact.id, { kind: "name", content: "Sammy" });
    const names = (await memory.listFor(bea.id, "vis_x")).filter((item) => item.kind === "name");
    expect(names.map((item) => item.content)).toEqual(["Sammy"]);
    expect(await memory.nameOf(bea.id, "vis_x")).toBe("Sammy");
  });

  it("edits and deletes a memory only through its own agent (not_found otherwise)", async () => {
    const noted = await memory.add(bea.id, "vis_y", { kind: "preference", content: "Likes rye" });
    await expect(memory.update(max.id, noted.id, { content: "changed" })).rejects.toMatchObject({ code: "not_found" });
    await expect(memory.remove(max.id, noted.id)).rejects.toMatchObject({ code: "not_found" });
    expect(await memory.update(bea.id, noted.id, { content: "Likes dark rye" })).toMatchObject({ content: "Likes dark rye", origin: "owner" });
    await memory.remove(bea.id, noted.id);
    await expect(memory.remove(bea.id, noted.id)).rejects.toMatchObject({ code: "not_found" });
  });

  it("prunes to the limit per person, and forgets one person with one agent", async () => {
    for (const content of ["one", "two", "three", "four"]) await memory.add(bea.id, "vis_z", { kind: "fact", content });
    expect(await memory.listFor(bea.id, "vis_z")).toHaveLength(3);
    await memory.add(max.id, "vis_z", { kind: "fact", content: "with Max" });
    expect(await memory.forget(bea.id, "vis_z")).toEqual({ deleted: 3 });
    expect(await memory.listFor(bea.id, "vis_z")).toEqual([]);
    expect(await memory.listFor(max.id, "vis_z")).toHaveLength(1);
  });
});
