import { createHmac, timingSafeEqual } from "node:crypto";
import { AtelierError, type Agent, type IdentifyVisitor, type VisitorSession } from "../../contracts/index.js";
import type { VisitorRepository } from "../../store/accounts.js";
import type { AgentsService } from "../agents-service.js";
import { newId } from "../ids.js";
import { csrfTokenFor, hashToken } from "./tokens.js";

/*
 * Visitors an embedding site vouches for. The site's server signs its signed-in user's id with the
 * agent's identity secret (HMAC-SHA256, hex); the widget passes id and signature here, and gets the
 * visitor that stands for that user with this agent, on every device.
 *
 * The token is derived, not random: HMAC(secret, "visitor-token:" + externalKey). Every device that
 * identifies the same user gets the same token, so one token hash per visitor is enough and signing
 * in on a phone does not sign the laptop out. Deriving grants nothing new: whoever holds the secret
 * can already sign any user id and be handed the token. Rotating the secret revokes all of them
 * (the store forgets their hashes); each visitor gets a new token at their next identification.
 */

export class VisitorIdentity {
  readonly #visitors: VisitorRepository;
  readonly #agents: AgentsService;
  readonly #now: () => Date;

  constructor(options: { visitors: VisitorRepository; agents: AgentsService; now?: () => Date }) {
    this.#visitors = options.visitors;
    this.#agents = options.agents;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * The visitor for `userId` with this (published) agent, found or made; not_found when the agent
   * is not published, forbidden when the signature is not the secret's.
   */
  async identify(input: IdentifyVisitor, agent: Agent): Promise<VisitorSession> {
    if (agent.visibility === "private") throw new AtelierError("not_found", `No published agent "${input.agent}".`);
    const secret = await this.#agents.identitySecret(agent);
    if (!signatureMatches(secret, input.userId, input.signature)) {
      throw new AtelierError(
        "forbidden",
        "The signature does not match userId. Sign the user id on your server with HMAC-SHA256 and the agent's identity secret (publish settings), and send it in hex.",
      );
    }
    const externalKey = `${agent.id}:${input.userId}`;
    const token = `vis_${createHmac("sha256", secret).update(`visitor-token:${externalKey}`).digest("base64url")}`;
    const visitorId = await this.#findOrCreate(externalKey, hashToken(token));
    return { visitorId, token, csrfToken: csrfTokenFor(token) };
  }

  /** Forgets every identified visitor's token of the agent: call after its identity secret changed. */
  async revokeTokens(agent: Pick<Agent, "id">): Promise<number> {
    return this.#visitors.revokeIdentifiedTokens(agent.id);
  }

  async #findOrCreate(externalKey: string, tokenHash: string): Promise<string> {
    const existing = await this.#visitors.findByExternalKey(externalKey);
    if (existing) {
      // Same secret: the hash is already this one. A rotated secret: this is the visitor's new token.
      await this.#visitors.setTokenHash({ id: existing.id, tokenHash });
      return existing.id;
    }
    try {
      const created = await this.#visitors.create({ id: newId("vis"), tokenHash, externalKey, now: this.#now().toISOString() });
      return created.id;
    } catch (error) {
      // Two devices identified the same user at once: the other made the visitor; use theirs.
      if (!AtelierError.is(error, "conflict")) throw error;
      const raced = await this.#visitors.findByExternalKey(externalKey);
      if (!raced) throw error;
      await this.#visitors.setTokenHash({ id: raced.id, tokenHash });
      return raced.id;
    }
  }
}

/** Constant-time comparison of the hex HMAC-SHA256 of userId (any letter case) with the one given. */
export function signatureMatches(secret: string, userId: string, signature: string): boolean {
  const expected = createHmac("sha256", secret).update(userId).digest();
  const given = Buffer.from(signature.toLowerCase(), "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What an embedding site's server computes: the signature for one of its users. */
export function signUserId(secret: string, userId: string): string {
  return createHmac("sha256", secret).update(userId).digest("hex");
}
