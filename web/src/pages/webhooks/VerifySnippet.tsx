/** How a receiver checks the Atelier-Signature header, in Node.js; the scheme is the same in any language. */
const NODE = [
  'import { createHmac, timingSafeEqual } from "node:crypto";',
  "",
  "// rawBody: the request body exactly as received (before JSON parsing).",
  "export function isFromAtelier(rawBody, signatureHeader, secret) {",
  '  const parts = Object.fromEntries(signatureHeader.split(",").map((part) => part.split("=")));',
  "  const expected = createHmac(\"sha256\", secret).update(`${parts.t}.${rawBody}`).digest();",
  '  const given = Buffer.from(parts.v1 ?? "", "hex");',
  "  const fresh = Math.abs(Date.now() / 1000 - Number(parts.t)) < 300;",
  "  return fresh && given.length === expected.length && timingSafeEqual(given, expected);",
  "}",
].join("\n");

export function VerifySnippet() {
  return (
    <section className="card section" aria-labelledby="webhooks-verify-title">
      <h2 id="webhooks-verify-title">Verify the signature</h2>
      <p>
        Each delivery is a <span className="mono">POST</span> with a JSON body <span className="mono">{"{ id, type, createdAt, data }"}</span> and
        these headers: <span className="mono">Atelier-Event</span> (the event type), <span className="mono">Atelier-Delivery</span> (the same
        on every retry: use it to ignore duplicates) and <span className="mono">Atelier-Signature: t=…,v1=…</span>, where{" "}
        <span className="mono">v1</span> is the hex HMAC-SHA256 of <span className="mono">{"<t>.<raw body>"}</span> with your signing secret.
      </p>
      <pre className="code-example" aria-label="Node.js example">{NODE}</pre>
      <p className="muted">
        Answer with any 2xx status, quickly (within 10 seconds unless your operator changed it). Anything else, or no answer, is retried
        with growing pauses, and marked failed after the last attempt.
      </p>
    </section>
  );
}
