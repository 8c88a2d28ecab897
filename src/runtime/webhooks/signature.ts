import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/*
 * Deliveries are signed Stripe-style. The `Atelier-Signature` header reads
 *
 *   t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * A receiver recomputes the HMAC over the raw bytes it received (before any JSON parsing), compares
 * in constant time, and refuses a `t` too far from its clock (replays). `t` is the attempt's time,
 * so it changes on retries while the body and the `Atelier-Delivery` id stay the same.
 */

/** How far a signature's time may be from the receiver's clock, by default. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** A new signing secret: "whsec_" and 32 random bytes, base64url. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

function hmac(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** The `Atelier-Signature` header value for `body` sent at `timestamp` (unix seconds). */
export function signWebhookBody(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/**
 * Whether `header` signs `body` with `secret` at a time within `toleranceSeconds` of `now`. Several
 * v1 values may appear (none are sent today; a future secret rotation with overlap could): any match.
 */
export function verifyWebhookSignature(input: { secret: string; header: string | undefined; body: string; now?: Date; toleranceSeconds?: number }): boolean {
  if (!input.header) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of input.header.split(",")) {
    const [key, value] = part.trim().split("=", 2);
    if (key === "t" && value && /^\d+$/.test(value)) timestamp = Number(value);
    if (key === "v1" && value && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - timestamp) > (input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(hmac(input.secret, timestamp, input.body), "hex");
  return signatures.some((signature) => timingSafeEqual(Buffer.from(signature, "hex"), expected));
}
