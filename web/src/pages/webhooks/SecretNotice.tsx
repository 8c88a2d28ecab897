import type { CreatedWebhook } from "../../../../src/contracts/index.js";
import { Button } from "../../components/Button.js";
import { useClipboard } from "../../components/useClipboard.js";

/** The signing secret, shown this once (after creating or rotating), with a copy button. */
export function SecretNotice({ created, rotated, onDone }: { created: CreatedWebhook; rotated: boolean; onDone: () => void }) {
  const [copied, copy] = useClipboard();

  return (
    <section className="card section alert-info" aria-labelledby="webhook-secret-title">
      <h2 id="webhook-secret-title">{rotated ? "New signing secret" : "Webhook added"} for {created.webhook.url}</h2>
      <p>
        <strong>Copy the signing secret now: it is shown only this once.</strong> Your endpoint uses it to check that deliveries come
        from Atelier (see “Verify the signature” below).{rotated ? " The old secret no longer signs anything." : ""}
      </p>
      <div className="secret-once">
        <code aria-label="Signing secret">{created.secret}</code>
        <Button small variant="primary" onClick={() => void copy(created.secret)}>
          {copied === "copied" ? "Copied" : "Copy"}
        </Button>
      </div>
      <p className="status-line" role="status">
        {copied === "failed" ? "Copying did not work here; select the secret and copy it yourself." : ""}
      </p>
      <Button onClick={onDone}>I have copied it</Button>
    </section>
  );
}
