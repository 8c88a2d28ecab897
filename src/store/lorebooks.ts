import type { Lorebook, LorebookContent } from "../contracts/index.js";

/** One lorebook per agent, stored and replaced as a whole (the studio saves it as one document). Deleted with the agent. */
export interface LorebookRepository {
  /** The agent's lorebook; undefined when it has none yet (the service shows an empty one, revision 0). */
  get(agentId: string): Promise<Lorebook | undefined>;
  /**
   * Replaces the lorebook and raises its revision by one (the first put makes revision 1).
   * `expectedRevision` guards against lost updates: conflict when it is not the current one (0: none yet).
   * Throws not_found for an unknown agent.
   */
  put(input: { agentId: string; content: LorebookContent; expectedRevision?: number | undefined; now: string }): Promise<Lorebook>;
}
