import type { Agent } from "../contracts/index.js";

/**
 * Limits on visitors' messages to a published agent (per visitor and per agent, per minute and per
 * day, from the agent's publish settings). `admit` counts one message or throws rate_limited with
 * retryAfterSeconds and the owner's limit message. Owners talking to their own agents are never limited.
 */
export interface VisitorQuotas {
  admit(input: { agent: Agent; participantId: string }): Promise<void>;
}
