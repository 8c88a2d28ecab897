import { describe } from "vitest";
import { describeAgentContract } from "./contract/agents-contract.js";
import { describeConversationContract } from "./contract/conversations-contract.js";
import { describeLifecycleContract } from "./contract/lifecycle-contract.js";
import { describeMessageContract } from "./contract/messages-contract.js";
import type { Store } from "./store.js";

/**
 * The behaviour every Store implementation must show, as vitest tests. `open` must reach the same
 * database on every call (the suite closes and reopens it to prove durability); the tests make
 * their own ids and never assume the database starts empty.
 */
export function describeStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    describeAgentContract(open);
    describeConversationContract(open);
    describeMessageContract(open);
    describeLifecycleContract(open);
  });
}
