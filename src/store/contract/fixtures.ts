import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect } from "vitest";
import { AgentProfile, AtelierError, type AgentProfileInput, type ErrorCode, type User, type UserRole } from "../../contracts/index.js";
import type { Store } from "../store.js";

export type OpenStore = () => Promise<Store>;

/** How the contract suite reaches a dialect's databases. */
export interface ContractStores {
  /** The suite's shared database: the same data on every call. */
  open: OpenStore;
  /** A new, empty, migrated database on every call, for behaviour that depends on what exists (the first user). */
  openEmpty: OpenStore;
}

/**
 * Opens one store for the enclosing describe block and closes it after. The suite shares one
 * database across blocks (open() must reach the same data every time), so every test makes its
 * own ids and never assumes the database is empty.
 */
export function useStore(open: OpenStore): () => Store {
  let store: Store | undefined;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => {
    await store?.[Symbol.asyncDispose]();
  });
  return () => {
    if (!store) throw new Error("The store is not open yet.");
    return store;
  };
}

/** A fresh id; `order` makes ids sort in a chosen order among themselves. */
export function uniqueId(prefix: string, order = ""): string {
  return `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 12)}_${order}`;
}

/** A handle no other test uses. */
export function uniqueHandle(base = "agent"): string {
  return `${base}-${randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/** Timestamps minutes apart from a fixed origin, so ordering tests do not depend on the clock. */
export function at(minutes: number): string {
  return new Date(Date.UTC(2030, 0, 1) + minutes * 60_000).toISOString();
}

export function profile(input: Partial<AgentProfileInput> = {}): AgentProfile {
  return AgentProfile.parse({ name: "Chef Bea", ...input });
}

/** A created agent with its handle, for tests that need one to hang conversations on. Ownerless unless told. */
export async function createAgent(store: Store, options: { now?: string; name?: string; ownerId?: string | null } = {}) {
  const handle = uniqueHandle();
  return store.agents.create({
    id: uniqueId("agt"),
    handle,
    ownerId: options.ownerId ?? null,
    profile: profile({ name: options.name ?? "Chef Bea", handle }),
    now: options.now ?? at(0),
  });
}

/** A user with a unique email; an owner unless told (the shared database has no "first" user to rely on). */
export async function createUser(store: Store, options: { role?: UserRole | "admin-if-first"; now?: string; name?: string } = {}): Promise<User> {
  const id = uniqueId("usr");
  return store.users.create({
    id,
    email: `${id.toLowerCase()}@example.com`,
    name: options.name ?? "Ada",
    role: options.role ?? "owner",
    passwordHash: `$argon2id$hash-of-${id}`,
    now: options.now ?? at(0),
  });
}

export async function createConversation(store: Store, options: { agentId: string; now?: string; id?: string; participantId?: string }) {
  return store.conversations.create({
    id: options.id ?? uniqueId("cnv"),
    agentId: options.agentId,
    participantId: options.participantId ?? "person-1",
    title: "A chat",
    now: options.now ?? at(0),
  });
}

export async function expectAtelierError(promise: Promise<unknown>, code: ErrorCode, message?: string | RegExp): Promise<AtelierError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, `expected an AtelierError "${code}"`).toBeInstanceOf(AtelierError);
  const atelierError = error as AtelierError;
  expect(atelierError.code).toBe(code);
  if (typeof message === "string") expect(atelierError.message).toBe(message);
  else if (message) expect(atelierError.message).toMatch(message);
  return atelierError;
}
