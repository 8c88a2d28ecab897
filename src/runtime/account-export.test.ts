import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import yauzl from "yauzl";
import { AgentProfile, AtelierError, LorebookContent, type Agent, type User } from "../contracts/index.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Store } from "../store/store.js";
import { exportAccount, exportFileName, safeSegment } from "./account-export.js";
import { newId } from "./ids.js";

const NOW = new Date("2030-01-31T12:00:00.000Z");
const at = (minutes: number): string => new Date(Date.UTC(2030, 0, 1) + minutes * 60_000).toISOString();

let directory: string;
let store: Store;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "atelier-export-"));
  store = await openSqliteStore({ file: path.join(directory, "atelier.db") });
});

afterAll(async () => {
  await store?.[Symbol.asyncDispose]();
  await rm(directory, { recursive: true, force: true });
});

async function createUser(name: string, role: "admin-if-first" | "owner"): Promise<User> {
  const id = newId("usr");
  // A realistic-looking hash, so the test can prove no "$argon2" text leaks into the archive.
  const passwordHash = `$argon2id$v=19$m=19456,t=2,p=1$salt-${id}$hash-${id}`;
  return store.users.create({ id, email: `${name}-${id}@example.com`, name, role, passwordHash, now: at(0) });
}

async function createAgent(ownerId: string, name: string): Promise<Agent> {
  const handle = `${name}-${randomBytes(4).toString("hex")}`;
  return store.agents.create({ id: newId("agt"), handle, ownerId, profile: AgentProfile.parse({ name, handle }), now: at(1) });
}

async function createChat(input: { agentId: string; participantId: string; texts: string[]; minute: number }) {
  const conversation = await store.conversations.create({ id: newId("cnv"), agentId: input.agentId, participantId: input.participantId, title: "A chat", now: at(input.minute) });
  const messages = [];
  for (const [index, content] of input.texts.entries()) {
    messages.push(await store.conversations.appendMessage({
      id: newId("msg"), conversationId: conversation.id, role: index % 2 === 0 ? "user" : "assistant", content, status: "complete", createdAt: at(input.minute + index),
    }));
  }
  return { conversation, messages };
}

/** Reads the whole archive back with an independent ZIP reader, as text by entry name. */
async function readArchive(stream: Readable): Promise<Map<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const zip = await yauzl.fromBufferPromise(Buffer.concat(chunks));
  const entries = new Map<string, string>();
  for await (const entry of zip.eachEntry()) {
    const parts: Buffer[] = [];
    for await (const part of await zip.openReadStreamPromise(entry)) parts.push(part as Buffer);
    entries.set(entry.fileName, Buffer.concat(parts).toString("utf8"));
  }
  return entries;
}

const parse = (entries: Map<string, string>, name: string): unknown => JSON.parse(entries.get(name) ?? "null");

describe("exportAccount", () => {
  it("exports exactly the owner's data, with every message and no secrets", async () => {
    const userA = await createUser("ada", "admin-if-first");
    const userB = await createUser("bob", "owner");
    await store.apiKeys.create({ id: newId("key"), userId: userA.id, name: "ci", prefix: "atl_ab12", tokenHash: "tokenhash-secret-of-a", scopes: ["account:export"], now: at(2), expiresAt: null });
    await store.apiKeys.create({ id: newId("key"), userId: userB.id, name: "bobs", prefix: "atl_cd34", tokenHash: "tokenhash-secret-of-b", scopes: ["admin"], now: at(2), expiresAt: null });
    await store.sessions.create({ id: newId("ses"), userId: userA.id, tokenHash: "session-hash-of-a", now: at(2), expiresAt: at(9_000) });

    const bea = await createAgent(userA.id, "bea");
    await store.agents.update({ id: bea.id, handle: bea.handle, profile: AgentProfile.parse({ name: "Beatrice", handle: bea.handle }), now: at(3) });
    const beaNow = await store.agents.update({ id: bea.id, handle: bea.handle, profile: AgentProfile.parse({ name: "Bea III", handle: bea.handle, tagline: "Cooks" }), now: at(4) });
    const cid = await createAgent(userA.id, "cid");
    const bobsAgent = await createAgent(userB.id, "bobs-agent");

    const chatA1 = await createChat({ agentId: bea.id, participantId: "visitor-1", texts: ["Hello", "Hi there", "Tell me a joke", "First joke"], minute: 10 });
    const regenerated = await store.conversations.appendMessage({ id: newId("msg"), conversationId: chatA1.conversation.id, role: "assistant", content: "Second joke", status: "complete", createdAt: at(20) });
    const replaced = chatA1.messages[3];
    if (!replaced) throw new Error("fixture has four messages");
    await store.conversations.replaceMessage(replaced.id, regenerated.id);
    const chatA2 = await createChat({ agentId: cid.id, participantId: userA.id, texts: ["Only one"], minute: 30 });
    const chatB = await createChat({ agentId: bobsAgent.id, participantId: "visitor-2", texts: ["bob-private-question", "bob-private-answer"], minute: 40 });
    // A talking to B's agent: B's conversation, not A's data.
    const chatAWithB = await createChat({ agentId: bobsAgent.id, participantId: userA.id, texts: ["ada-asks-bobs-agent", "bobs-agent-replies"], minute: 50 });

    const auditA = [newId("aud"), newId("aud"), newId("aud")];
    for (const [index, id] of auditA.entries()) {
      await store.audit.append({ id, userId: userA.id, action: "user.logged_in", actor: userA.id, ip: "10.0.0.1", detail: { attempt: index }, createdAt: at(60 + index) });
    }
    const auditB = newId("aud");
    await store.audit.append({ id: auditB, userId: userB.id, action: "user.logged_in", actor: userB.id, ip: "10.9.9.9", detail: {}, createdAt: at(70) });

    const entries = await readArchive(await exportAccount({ store, userId: userA.id, now: () => NOW, pageSize: 1 }));

    const a1Path = `conversations/${bea.handle}/${chatA1.conversation.id}.json`;
    const a2Path = `conversations/${cid.handle}/${chatA2.conversation.id}.json`;
    expect([...entries.keys()].sort()).toEqual([
      "account.json",
      `agents/${bea.handle}/agent.json`,
      `agents/${bea.handle}/versions/1.json`,
      `agents/${bea.handle}/versions/2.json`,
      `agents/${bea.handle}/versions/3.json`,
      `agents/${cid.handle}/agent.json`,
      `agents/${cid.handle}/versions/1.json`,
      "audit.json",
      a1Path,
      a2Path,
      "knowledge/README.txt",
      "manifest.json",
    ].sort());

    expect(parse(entries, "manifest.json")).toEqual({
      format: "atelier-account-export",
      formatVersion: 1,
      exportedAt: NOW.toISOString(),
      userId: userA.id,
      counts: { apiKeys: 1, agents: 2, agentVersions: 4, conversations: 2, messages: 6, auditEvents: 3, knowledgeSources: 0, lorebooks: 0, memories: 0 },
    });
    expect(entries.get("manifest.json")).toBe(`${JSON.stringify(parse(entries, "manifest.json"), null, 2)}\n`);

    const account = parse(entries, "account.json") as { user: User; apiKeys: { name: string }[] };
    expect(account.user).toEqual(userA);
    expect(account.apiKeys.map((key) => key.name)).toEqual(["ci"]);

    expect(parse(entries, `agents/${bea.handle}/agent.json`)).toEqual(beaNow);
    expect(parse(entries, `agents/${bea.handle}/versions/1.json`)).toMatchObject({ version: 1, name: "bea" });
    expect(parse(entries, `agents/${bea.handle}/versions/3.json`)).toMatchObject({ version: 3, name: "Bea III", tagline: "Cooks" });

    const exported = parse(entries, a1Path) as { conversation: { id: string }; messages: { id: string; content: string; replacedBy: string | null }[] };
    expect(exported.conversation.id).toBe(chatA1.conversation.id);
    expect(exported.messages).toEqual(await store.conversations.listMessages(chatA1.conversation.id, { includeReplaced: true }));
    expect(exported.messages.map((message) => message.content)).toEqual(["Hello", "Hi there", "Tell me a joke", "First joke", "Second joke"]);
    expect(exported.messages.find((message) => message.id === replaced.id)?.replacedBy).toBe(regenerated.id);
    expect(parse(entries, a2Path)).toMatchObject({ messages: [{ id: chatA2.messages[0]?.id, content: "Only one" }] });

    const audit = parse(entries, "audit.json") as { id: string; detail: unknown }[];
    expect(audit.map((event) => event.id).sort()).toEqual([...auditA].sort());
    expect(entries.get("audit.json")).toBe(`${JSON.stringify(audit, null, 2)}\n`);
    expect(entries.get("knowledge/README.txt")?.trim().split("\n")).toHaveLength(1);

    const everything = [...entries.entries()].map(([name, text]) => `${name}\n${text}`).join("\n");
    const forbidden = [
      userB.id, userB.email, bobsAgent.id, bobsAgent.handle, auditB, "10.9.9.9",
      chatB.conversation.id, chatAWithB.conversation.id, ...chatB.messages.map((message) => message.id), ...chatAWithB.messages.map((message) => message.id),
      "bob-private", "ada-asks-bobs-agent", "bobs-agent-replies",
      "passwordHash", "tokenHash", "$argon2", "tokenhash-secret", "session-hash-of-a",
    ];
    for (const text of forbidden) expect(everything, `the archive contains ${text}`).not.toContain(text);
  });

  it("carries the owner's lorebooks and memories, and what other agents remember about the user, nothing about others", async () => {
    const eve = await createUser("eve", "owner");
    const fred = await createUser("fred", "owner");
    const evesAgent = await createAgent(eve.id, "eves-agent");
    const fredsAgent = await createAgent(fred.id, "freds-agent");
    const lorebook = LorebookContent.parse({ name: "Eve's world", entries: [{ id: "lor_1", keys: ["harbour"], content: "The harbour freezes in winter." }] });
    await store.lorebooks.put({ agentId: evesAgent.id, content: lorebook, now: at(5) });
    await store.lorebooks.put({ agentId: fredsAgent.id, content: LorebookContent.parse({ entries: [{ id: "x", keys: ["k"], content: "fred-lore-secret" }] }), now: at(5) });
    const remember = (agentId: string, participantId: string, content: string) =>
      store.memories.add({ id: newId("mem"), agentId, participantId, kind: "fact", content, origin: "extracted", conversationId: null, now: at(6) });
    await remember(evesAgent.id, "vis_visitor-one", "Visitor one likes tea");
    await remember(evesAgent.id, "vis_visitor-one", "Visitor one is called Ann");
    await remember(evesAgent.id, eve.id, "Eve tests her own agent");
    // Eve talked to Fred's agent, which remembers her; it also remembers someone else.
    await createChat({ agentId: fredsAgent.id, participantId: eve.id, texts: ["Hi, I am Eve"], minute: 80 });
    await remember(fredsAgent.id, eve.id, "Eve prefers mornings");
    await remember(fredsAgent.id, "vis_someone-else", "someone-else-secret");

    const entries = await readArchive(await exportAccount({ store, userId: eve.id, now: () => NOW }));
    const folder = `agents/${evesAgent.handle}`;
    expect(parse(entries, `${folder}/lorebook.json`)).toMatchObject({ agentId: evesAgent.id, revision: 1, name: "Eve's world", entries: [{ id: "lor_1", content: "The harbour freezes in winter." }] });
    const people = (parse(entries, `${folder}/memories.json`) as { people: { participantId: string; memories: { content: string }[] }[] }).people;
    expect(Object.fromEntries(people.map((person) => [person.participantId, person.memories.map((memory) => memory.content).sort()]))).toEqual({
      "vis_visitor-one": ["Visitor one is called Ann", "Visitor one likes tea"],
      [eve.id]: ["Eve tests her own agent"],
    });
    expect(parse(entries, "memories/about-me.json")).toEqual({
      agents: [{ agent: { name: "freds-agent" }, memories: [expect.objectContaining({ kind: "fact", content: "Eve prefers mornings", origin: "extracted" })] }],
    });
    expect(parse(entries, "manifest.json")).toMatchObject({ counts: { lorebooks: 1, memories: 4 } });
    const everything = [...entries.values()].join("\n");
    for (const theirs of ["fred-lore-secret", "someone-else-secret", "vis_someone-else", fredsAgent.id, fredsAgent.handle, fred.id]) {
      expect(everything, `the archive contains ${theirs}`).not.toContain(theirs);
    }
  });

  it("produces the archive while it is read, holding back when the reader does", async () => {
    const user = await createUser("carla", "owner");
    const agent = await createAgent(user.id, "chatty");
    const total = 60;
    const ids = new Set<string>();
    for (let index = 0; index < total; index++) {
      // Incompressible text, so the archive is far bigger than the stream buffers.
      const { conversation } = await createChat({ agentId: agent.id, participantId: `visitor-${index}`, texts: [randomBytes(30_000).toString("base64")], minute: 100 + index });
      ids.add(conversation.id);
    }
    const list = vi.spyOn(store.conversations, "list");
    try {
      const stream = await exportAccount({ store, userId: user.id, pageSize: 10 });
      await sleep(300);
      // Unread, the export waits: 7 queries would page through everything.
      const callsWhileUnread = list.mock.calls.length;
      expect(callsWhileUnread).toBeLessThan(4);
      expect(stream.readableLength).toBeLessThan(200_000);

      const entries = await readArchive(stream);
      // Pages of the owner's agents' conversations; one more query looks for the user's own with others' agents.
      const ownerPages = list.mock.calls.filter(([options]) => options.participantId === undefined);
      expect(ownerPages.length).toBe(7);
      expect(ownerPages.every(([options]) => options.ownerId === user.id && options.limit === 10)).toBe(true);
      expect(list.mock.calls.filter(([options]) => options.participantId === user.id)).toHaveLength(1);
      const exported = [...entries.keys()].filter((name) => name.startsWith("conversations/"));
      expect(new Set(exported.map((name) => path.basename(name, ".json")))).toEqual(ids);
      expect(parse(entries, "manifest.json")).toMatchObject({ counts: { conversations: total, messages: total } });
    } finally {
      list.mockRestore();
    }
  });

  it("ends the stream with an aborted error when the signal fires", async () => {
    const user = await createUser("dora", "owner");
    const agent = await createAgent(user.id, "dora-agent");
    for (let index = 0; index < 20; index++) await createChat({ agentId: agent.id, participantId: "v", texts: [randomBytes(6_000).toString("base64")], minute: 200 + index });
    const controller = new AbortController();
    const stream = await exportAccount({ store, userId: user.id, signal: controller.signal, pageSize: 5 });
    controller.abort();
    const error = await readArchive(stream).then(() => undefined, (reason: unknown) => reason);
    expect(AtelierError.is(error, "aborted")).toBe(true);
  });

  it("refuses an unknown user with not_found before streaming", async () => {
    const error = await exportAccount({ store, userId: newId("usr") }).then(() => undefined, (reason: unknown) => reason);
    expect(AtelierError.is(error, "not_found")).toBe(true);
  });

  it("names the file after the export date and keeps path segments inside their folder", () => {
    expect(exportFileName(NOW)).toBe("atelier-export-2030-01-31.zip");
    expect(safeSegment("bea-2")).toBe("bea-2");
    expect(safeSegment("../../etc/passwd")).toBe(".._.._etc_passwd");
    expect(safeSegment("..")).toBe("_");
    expect(safeSegment("")).toBe("_");
  });
});
