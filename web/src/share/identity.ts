import { AtelierError } from "../../../src/contracts/errors.js";
import { api } from "../api.js";

/** Who is talking on the share page: an anonymous visitor, or an account signed in in this browser. */
export interface ShareIdentity {
  kind: "visitor" | "user";
  /** The participant id the server files this person's conversations under. */
  participantId: string;
}

/**
 * Finds or starts the visitor identity (an httpOnly cookie the page cannot read) and puts its CSRF
 * token on the client, as session.tsx does for owners. When an account is signed in in this browser,
 * the server lets its session cookie win; the page then talks as that account (an owner trying their
 * own page) and needs the session's CSRF token instead.
 */
export async function connectIdentity(): Promise<ShareIdentity> {
  try {
    const me = await api.visitor();
    api.setHeader("x-csrf-token", me.csrfToken);
    return { kind: "visitor", participantId: me.visitorId };
  } catch (error) {
    if (AtelierError.is(error, "forbidden")) return signedInAccount();
    if (!AtelierError.is(error, "unauthorized")) throw error;
  }
  const started = await api.startVisitor();
  api.setHeader("x-csrf-token", started.csrfToken);
  return { kind: "visitor", participantId: started.visitorId };
}

async function signedInAccount(): Promise<ShareIdentity> {
  const who = await api.whoAmI();
  if (who.via === "session") api.setHeader("x-csrf-token", who.csrfToken);
  return { kind: "user", participantId: who.user.id };
}
