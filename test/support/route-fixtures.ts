import { createHash } from "node:crypto";
import type { Store } from "../../src/store/store.js";
import { seedApiKey, seedSession, seedUser, seedVisitor, TEST_PASSWORD } from "./accounts.js";

/*
 * A fresh world per request, written straight to the store: an owner with a private and a
 * published agent, a conversation of the owner's and one of a visitor's, another owner, an admin,
 * and each caller's credentials. Fresh because requests delete, revoke and sign out.
 */

export type Caller = "none" | "visitor" | "other" | "owner" | "admin";
export const CALLERS: readonly Caller[] = ["none", "visitor", "other", "owner", "admin"];

export interface World {
  ownerId: string;
  ownerEmail: string;
  otherId: string;
  adminId: string;
  visitorId: string;
  privateAgent: string;
  publishedAgent: string;
  /** The owner's conversation with the private agent, and its greeting's id. */
  ownerConversation: string;
  ownerGreeting: string;
  /** The visitor's conversation with the published agent, and its greeting's id. */
  visitorConversation: string;
  visitorGreeting: string;
  /** What the published agent remembers about the visitor. */
  visitorMemory: string;
  /** A stored image's /media name ("<sha256>.png"). */
  mediaName: string;
  /** An API key of the owner (every scope), for setting things up over HTTP. */
  ownerKey: string;
  ownerKeyId: string;
  headers: Record<Caller, Record<string, string>>;
}

let counter = 0;

export async function buildWorld(store: Store): Promise<World> {
  const n = ++counter;
  const now = new Date().toISOString();
  const owner = await seedUser(store);
  const other = await seedUser(store);
  const admin = await seedUser(store, { role: "admin" });
  const visitor = await seedVisitor(store);
  const model = { temperature: 0.5, maxTokens: 6 };
  const privateAgent = await store.agents.create({
    id: `agt_private${n}`, handle: `private-${n}`, ownerId: owner.id, now,
    profile: { ...baseProfile, name: "Private", handle: `private-${n}`, model },
  });
  const publishedAgent = await store.agents.create({
    id: `agt_public${n}`, handle: `public-${n}`, ownerId: owner.id, now,
    profile: { ...baseProfile, name: "Public", handle: `public-${n}`, model },
  });
  await store.agents.setPublication({ id: publishedAgent.id, visibility: "public", publishedVersion: 1, publishedAt: now, now });
  const ownerConversation = await conversationWithGreeting(store, { agentId: privateAgent.id, participantId: owner.id, n, who: "o" });
  const visitorConversation = await conversationWithGreeting(store, { agentId: publishedAgent.id, participantId: visitor.id, n, who: "v" });
  await store.conversations.appendMessage({
    id: `msg_vu${n}`, conversationId: visitorConversation.conversationId, role: "user", content: "Hi", status: "complete", createdAt: now, completedAt: now,
  });
  const visitorMemory = await store.memories.add({
    id: `mem_world${n}`, agentId: publishedAgent.id, participantId: visitor.id, kind: "preference", content: "Likes green tea",
    origin: "extracted", conversationId: visitorConversation.conversationId, now,
  });
  const sha256 = createHash("sha256").update(TINY_PNG).digest("hex");
  await store.media.put({ sha256, mime: "image/png", bytes: TINY_PNG, now });
  const ownerKey = await seedApiKey(store, owner.id);
  const keys = await store.apiKeys.listForUser(owner.id);
  return {
    ownerId: owner.id,
    ownerEmail: owner.email,
    otherId: other.id,
    adminId: admin.id,
    visitorId: visitor.id,
    privateAgent: privateAgent.id,
    publishedAgent: publishedAgent.id,
    ownerConversation: ownerConversation.conversationId,
    ownerGreeting: ownerConversation.greetingId,
    visitorConversation: visitorConversation.conversationId,
    visitorGreeting: visitorConversation.greetingId,
    visitorMemory: visitorMemory.id,
    mediaName: `${sha256}.png`,
    ownerKey,
    ownerKeyId: keys[0]!.id,
    headers: {
      none: {},
      visitor: visitor.headers,
      other: await seedSession(store, other.id),
      owner: await seedSession(store, owner.id),
      admin: await seedSession(store, admin.id),
    },
  };
}

export const PASSWORD = TEST_PASSWORD;

/** A 1x1 PNG: the smallest real image, for avatars and /media. */
export const TINY_PNG = new Uint8Array(Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64"));

const baseProfile = {
  tagline: "", avatar: "", description: "", personality: "", traits: [], interests: [], tone: "", instructions: "Secret instructions.",
  greetings: ["Hello!"], openers: [], exampleDialogues: [], avoidTopics: [], scenario: "", postHistoryInstructions: "", card: null,
};

async function conversationWithGreeting(store: Store, options: { agentId: string; participantId: string; n: number; who: string }) {
  const now = new Date().toISOString();
  const conversationId = `cnv_${options.who}${options.n}`;
  await store.conversations.create({ id: conversationId, agentId: options.agentId, participantId: options.participantId, title: "t", now });
  const greetingId = `msg_${options.who}${options.n}`;
  await store.conversations.appendMessage({ id: greetingId, conversationId, role: "assistant", content: "Hello!", status: "complete", createdAt: now, completedAt: now });
  return { conversationId, greetingId };
}
