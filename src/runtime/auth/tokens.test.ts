import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { csrfTokenFor, hashToken, newToken, sameHash } from "./tokens.js";

describe("newToken", () => {
  it("prefixes the kind to 32 random bytes in base64url", () => {
    for (const kind of ["ses", "atk", "vis", "inv"] as const) {
      expect(newToken(kind)).toMatch(new RegExp(`^${kind}_[A-Za-z0-9_-]{43}$`));
    }
    expect(newToken("ses")).not.toBe(newToken("ses"));
  });
});

describe("hashToken", () => {
  it("is a deterministic lowercase SHA-256 hex digest", () => {
    const token = newToken("ses");
    expect(hashToken(token)).toBe(hashToken(token));
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(token)).toBe(createHash("sha256").update(token).digest("hex"));
  });

  it("differs between tokens and does not contain the token", () => {
    const token = newToken("vis");
    expect(hashToken(token)).not.toBe(hashToken(newToken("vis")));
    expect(hashToken(token)).not.toContain(token.slice(4));
  });
});

describe("csrfTokenFor", () => {
  it("is stable for one session token and differs per token", () => {
    const token = newToken("ses");
    expect(csrfTokenFor(token)).toBe(csrfTokenFor(token));
    expect(csrfTokenFor(token)).not.toBe(csrfTokenFor(newToken("ses")));
  });

  it("reveals neither the session token nor its stored hash", () => {
    const token = newToken("ses");
    const csrf = csrfTokenFor(token);
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrf).not.toContain(token.slice(4));
    expect(csrf).not.toBe(hashToken(token));
    expect(Buffer.from(csrf, "base64url").toString("hex")).not.toBe(hashToken(token));
  });
});

describe("sameHash", () => {
  it("is true for equal hashes only", () => {
    const a = hashToken(newToken("atk"));
    const b = hashToken(newToken("atk"));
    expect(sameHash(a, a)).toBe(true);
    expect(sameHash(a, `${a}`)).toBe(true);
    expect(sameHash(a, b)).toBe(false);
  });

  it("is false, not a throw, for hashes of different lengths or that are not hex", () => {
    const a = hashToken("x");
    expect(sameHash(a, a.slice(0, 62))).toBe(false);
    expect(sameHash(a, "")).toBe(false);
    expect(sameHash(a, "zz".repeat(32))).toBe(false);
  });
});
