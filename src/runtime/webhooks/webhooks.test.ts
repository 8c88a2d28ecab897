import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Message } from "../../contracts/index.js";
import { loadConfig } from "../../config/load.js";
import { AtelierError } from "../../contracts/index.js";
import { nextAttempt, retryDelayMs } from "./backoff.js";
import { webhookEventOf } from "./payload.js";
import { newWebhookSecret, signWebhookBody, verifyWebhookSignature } from "./signature.js";
import { checkWebhookUrl } from "./url-policy.js";

describe("webhook signatures", () => {
  const secret = "whsec_test-secret";
  const body = JSON.stringify({ id: "evt_1", type: "message.created", data: { text: "héllo" } });
  const now = new Date("2030-01-01T00:00:00Z");
  const t = Math.floor(now.getTime() / 1000);

  it("makes secrets of 32 random bytes, base64url, prefixed", () => {
    const made = newWebhookSecret();
    expect(made).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(made.slice(6), "base64url")).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(made);
  });

  it("signs t.body with HMAC-SHA256 as a receiver recomputes it", () => {
    const header = signWebhookBody(secret, body, t);
    const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
    expect(header).toBe(`t=${t},v1=${expected}`);
  });

  it("verifies its own signature, and refuses a tampered body, another secret, a stale time or a malformed header", () => {
    const header = signWebhookBody(secret, body, t);
    expect(verifyWebhookSignature({ secret, header, body, now })).toBe(true);
    expect(verifyWebhookSignature({ secret, header, body: body.replace("héllo", "hello"), now })).toBe(false);
    expect(verifyWebhookSignature({ secret: "whsec_other", header, body, now })).toBe(false);
    expect(verifyWebhookSignature({ secret, header, body, now: new Date(now.getTime() + 301_000) })).toBe(false);
    expect(verifyWebhookSignature({ secret, header, body, now: new Date(now.getTime() + 301_000), toleranceSeconds: 600 })).toBe(true);
    expect(verifyWebhookSignature({ secret, header: header.replace(`t=${t}`, `t=${t + 1}`), body, now })).toBe(false);
    expect(verifyWebhookSignature({ secret, header: undefined, body, now })).toBe(false);
    expect(verifyWebhookSignature({ secret, header: "v1=abc", body, now })).toBe(false);
    expect(verifyWebhookSignature({ secret, header: `t=${t}`, body, now })).toBe(false);
  });
});

describe("webhook retry backoff", () => {
  const policy = { maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 10_000 };

  it("doubles from the base delay per attempt, with jitter between half and all of the step", () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, policy, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, policy, () => 0.999999))).toEqual([1_000, 2_000, 4_000, 8_000]);
    for (let index = 0; index < 100; index++) {
      const delay = retryDelayMs(3, policy);
      expect(delay).toBeGreaterThanOrEqual(2_000);
      expect(delay).toBeLessThanOrEqual(4_000);
    }
  });

  it("never waits longer than the cap, even after very many attempts", () => {
    expect(retryDelayMs(5, policy, () => 1)).toBe(10_000);
    expect(retryDelayMs(10_000, policy, () => 1)).toBe(10_000);
    expect(Number.isFinite(retryDelayMs(10_000, policy, () => 0.5))).toBe(true);
  });

  it("retries until maxAttempts attempts were made, then gives up", () => {
    const now = new Date("2030-01-01T00:00:00Z");
    expect(nextAttempt(1, policy, now, () => 0)).toEqual({ retryAt: new Date(now.getTime() + 500) });
    expect(nextAttempt(3, policy, now, () => 0)).toEqual({ retryAt: new Date(now.getTime() + 2_000) });
    expect(nextAttempt(4, policy, now)).toEqual({ giveUp: true });
  });
});

describe("webhook events from domain events", () => {
  const base = { ownerId: "usr_1", agentId: "agt_1", conversationId: "cnv_1" };
  const message = (review: Message["review"]) => ({ id: "msg_1", review }) as Message;

  it("maps messages, takeovers and hand-backs, and leaves out drafts and other events", () => {
    expect(webhookEventOf({ ...base, type: "message.created", message: message(null) })).toMatchObject({ type: "message.created", data: { agentId: "agt_1", conversationId: "cnv_1", message: { id: "msg_1" } } });
    expect(webhookEventOf({ ...base, type: "message.created", message: message("pending") })).toBeUndefined();
    expect(webhookEventOf({ ...base, type: "message.updated", message: message("approved") })?.type).toBe("message.created");
    expect(webhookEventOf({ ...base, type: "message.updated", message: message("edited") })?.type).toBe("message.created");
    expect(webhookEventOf({ ...base, type: "message.updated", message: message(null) })).toBeUndefined();
    expect(webhookEventOf({ ...base, type: "message.updated", message: message("discarded") })).toBeUndefined();
    expect(webhookEventOf({ ...base, type: "conversation.mode", mode: "owner", by: "usr_1" })).toEqual({ type: "conversation.taken_over", data: { agentId: "agt_1", conversationId: "cnv_1", mode: "owner", by: "usr_1" } });
    expect(webhookEventOf({ ...base, type: "conversation.mode", mode: "ai", by: "usr_1" })?.type).toBe("conversation.handed_back");
    expect(webhookEventOf({ ...base, type: "reply.started", messageId: "msg_2", held: false })).toBeUndefined();
    expect(webhookEventOf({ ...base, type: "conversation.updated" })).toBeUndefined();
    expect(webhookEventOf({ ...base, type: "conversation.deleted" })).toBeUndefined();
  });
});

describe("webhook URL policy", () => {
  it("refuses loopback, private and link-local addresses unless allowed, and non-http URLs always", async () => {
    for (const url of ["http://127.0.0.1:8080/hook", "http://10.1.2.3/hook", "http://192.168.1.10/hook", "http://169.254.169.254/latest/meta-data", "http://[::1]:3000/hook", "http://localhost:3000/hook"]) {
      const error = await checkWebhookUrl(url, { allowPrivate: false }).catch((reason: unknown) => reason);
      expect(error, url).toBeInstanceOf(AtelierError);
      expect((error as AtelierError).message, url).toMatch(/private network/);
    }
    await expect(checkWebhookUrl("http://127.0.0.1:8080/hook", { allowPrivate: true })).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl("https://203.0.113.7/hook", { allowPrivate: false })).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl("ftp://203.0.113.7/hook", { allowPrivate: true })).rejects.toThrow(/not an http\(s\) URL/);
    await expect(checkWebhookUrl("https://user:pw@203.0.113.7/hook", { allowPrivate: true })).rejects.toThrow(/no user name or password/);
  });
});

describe("webhook settings", () => {
  it("default to 8 attempts from 5 s, capped at an hour, 10 s per attempt, public addresses only", () => {
    expect(loadConfig({ env: {}, file: undefined }).webhooks).toEqual({ maxAttempts: 8, baseDelayMs: 5_000, maxDelayMs: 3_600_000, timeoutMs: 10_000, allowPrivateUrls: false });
  });

  it("come from ATELIER_WEBHOOKS_* variables", () => {
    const env = {
      ATELIER_WEBHOOKS_MAX_ATTEMPTS: "3", ATELIER_WEBHOOKS_BASE_DELAY_MS: "100", ATELIER_WEBHOOKS_MAX_DELAY_MS: "1000",
      ATELIER_WEBHOOKS_TIMEOUT_MS: "2000", ATELIER_WEBHOOKS_ALLOW_PRIVATE_URLS: "true",
    };
    expect(loadConfig({ env, file: undefined }).webhooks).toEqual({ maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000, timeoutMs: 2_000, allowPrivateUrls: true });
  });
});
