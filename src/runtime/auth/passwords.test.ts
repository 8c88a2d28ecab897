import { describe, expect, it } from "vitest";
import { decoyPasswordHash, generatePassword, hashPassword, verifyPassword } from "./passwords.js";

const PASSWORD = "correct horse battery staple";

describe("password hashing", () => {
  it("verifies the password it hashed, and nothing else", async () => {
    const hashed = await hashPassword(PASSWORD);
    expect(await verifyPassword(hashed, PASSWORD)).toBe(true);
    expect(await verifyPassword(hashed, "correct horse battery stapler")).toBe(false);
    expect(await verifyPassword(hashed, "")).toBe(false);
  });

  it("uses argon2id and never stores the password itself", async () => {
    const hashed = await hashPassword(PASSWORD);
    expect(hashed).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
    expect(hashed).not.toContain(PASSWORD);
  });

  it("salts every hash: the same password hashes differently twice, and both verify", async () => {
    const [first, second] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD)]);
    expect(first).not.toBe(second);
    expect(await verifyPassword(first, PASSWORD)).toBe(true);
    expect(await verifyPassword(second, PASSWORD)).toBe(true);
  });

  it("answers false for a malformed or foreign hash instead of throwing", async () => {
    const truncated = (await hashPassword(PASSWORD)).slice(0, 30);
    for (const malformed of ["", "not a hash", "$argon2id$", truncated, "$2b$10$abcdefghijklmnopqrstuv", "5f4dcc3b5aa765d61d8327deb882cf99"]) {
      await expect(verifyPassword(malformed, PASSWORD), malformed).resolves.toBe(false);
    }
  });

  it("keeps one decoy hash that no ordinary password matches", async () => {
    const decoy = await decoyPasswordHash();
    expect(await decoyPasswordHash()).toBe(decoy);
    expect(decoy).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(decoy, PASSWORD)).toBe(false);
  });
});

describe("generatePassword", () => {
  const ALPHABET = /^[abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789]+$/;

  it("makes 20 characters from an alphabet without look-alikes (0/O, 1/l/I)", () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword();
      expect(password).toHaveLength(20);
      expect(password).toMatch(ALPHABET);
      expect(password).not.toMatch(/[01ilIoO]/);
    }
  });

  it("does not repeat itself", () => {
    const passwords = new Set(Array.from({ length: 200 }, () => generatePassword()));
    expect(passwords.size).toBe(200);
  });

  it("makes passwords the sign-up rules accept, and that hash and verify", async () => {
    const password = generatePassword();
    expect(password.length).toBeGreaterThanOrEqual(10);
    expect(await verifyPassword(await hashPassword(password), password)).toBe(true);
  });
});
