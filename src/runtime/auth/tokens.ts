import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/*
 * Bearer secrets (sessions, API keys, visitors, invites) are 32 random bytes. At that entropy a
 * plain SHA-256 at rest is enough: nobody can brute-force the preimage, and a lookup by hash costs
 * nothing (argon2 is for low-entropy passwords).
 */

export type TokenKind = "ses" | "atk" | "vis" | "inv";

/** `<kind>_<43 base64url characters>`; API keys embed their id (`atk_<id>.<secret>`) so lookup is by primary key. */
export function newToken(kind: TokenKind): string {
  return `${kind}_${randomBytes(32).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

const HEX_DIGEST = /^[0-9a-f]{64}$/;

export function sameHash(a: string, b: string): boolean {
  if (!HEX_DIGEST.test(a) || !HEX_DIGEST.test(b)) return false;
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The CSRF token of a cookie session: derived from the session's secret, so it needs no storage,
 * changes with every session, and cannot be computed by a page that cannot read the httpOnly cookie.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash("sha256").update(`csrf:${sessionToken}`).digest("base64url");
}
