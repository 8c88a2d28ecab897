import { describe } from "vitest";
import { describeAgentContract } from "./contract/agents-contract.js";
import { describeApiKeyUsageContract } from "./contract/api-key-usage-contract.js";
import { describeAuditContract } from "./contract/audit-contract.js";
import { describeConversationContract } from "./contract/conversations-contract.js";
import { describeCredentialContract } from "./contract/credentials-contract.js";
import type { ContractStores } from "./contract/fixtures.js";
import { describeKnowledgeContract } from "./contract/knowledge-contract.js";
import { describeLifecycleContract } from "./contract/lifecycle-contract.js";
import { describeLorebookContract } from "./contract/lorebook-contract.js";
import { describeMediaContract } from "./contract/media-contract.js";
import { describeMemoryContract } from "./contract/memory-contract.js";
import { describeMessageContract } from "./contract/messages-contract.js";
import { describePublishingContract } from "./contract/publishing-contract.js";
import { describeSummaryContract } from "./contract/summary-contract.js";
import { describeUserContract } from "./contract/users-contract.js";
import { describeWebhookContract } from "./contract/webhooks-contract.js";

/**
 * The behaviour every Store implementation must show, as vitest tests. `open` must reach the same
 * database on every call (the suite closes and reopens it to prove durability); the tests make
 * their own ids and never assume that database starts empty. `openEmpty` gives a new database
 * each call, for the few tests about an instance's first user.
 */
export function describeStoreContract(name: string, stores: ContractStores): void {
  describe(`Store contract: ${name}`, () => {
    describeAgentContract(stores.open);
    describeConversationContract(stores.open);
    describeMessageContract(stores.open);
    describeUserContract(stores);
    describeCredentialContract(stores.open);
    describeApiKeyUsageContract(stores.open);
    describeAuditContract(stores.open);
    describeKnowledgeContract(stores.open);
    describePublishingContract(stores.open);
    describeWebhookContract(stores.open);
    describeMemoryContract(stores.open);
    describeSummaryContract(stores.open);
    describeLorebookContract(stores.open);
    describeMediaContract(stores.open);
    describeLifecycleContract(stores.open);
  });
}
