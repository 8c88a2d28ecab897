import { useState } from "react";
import type { Agent, Publication } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { Button } from "../../components/Button.js";
import { ConfirmDialog } from "../../components/ConfirmDialog.js";
import { CopyField } from "./CopyField.js";

/** The identity secret (hidden until asked), its rotation, and how a website signs its users with it. */
export function IdentityCard({ agent, publication, onRotated }: { agent: Agent; publication: Publication; onRotated: (publication: Publication) => void }) {
  const [shown, setShown] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState("");

  async function rotate() {
    setBusy(true);
    setError(null);
    try {
      onRotated(await api.rotateIdentitySecret(agent.id));
      setConfirming(false);
      setShown(true);
      setStatus("A new secret is in force. Put it on your server; the old one no longer works.");
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const server = [
    'import { createHmac } from "node:crypto";',
    "",
    "// On your server, for the signed-in user: never send the secret to the browser.",
    'const signature = createHmac("sha256", process.env.ATELIER_IDENTITY_SECRET).update(user.id).digest("hex");',
  ].join("\n");
  const page = `<script src="${window.location.origin}/widget.js" data-agent="${agent.handle}"\n  data-user-id="USER_ID" data-user-signature="SIGNATURE" async></script>`;

  return (
    <section className="card section" aria-labelledby="publish-identity-title">
      <h2 id="publish-identity-title">Signed-in users of your website</h2>
      <p>
        If your site has accounts, it can tell {agent.name} who the visitor is: sign the user’s id with this secret on your server. The same
        user then keeps their conversations on every device.
      </p>
      {shown ? (
        <CopyField label="Identity secret" value={publication.identitySecret} />
      ) : (
        <p className="publish-secret" aria-label="Identity secret, hidden">••••••••••••••••••••••••••••••••</p>
      )}
      <div className="button-row">
        <Button small onClick={() => setShown(!shown)}>
          {shown ? "Hide" : "Show"}
        </Button>
        <Button small variant="danger" onClick={() => setConfirming(true)}>
          Rotate…
        </Button>
      </div>
      <p className="status-line" role="status">
        {status}
      </p>
      <h3>Example</h3>
      <CopyField label="Signing example" value={server} multiline />
      <CopyField label="Widget snippet with a signed-in user" value={page} multiline />
      <ConfirmDialog
        open={confirming}
        title="Rotate the identity secret?"
        confirmLabel="Rotate"
        danger
        busy={busy}
        error={error ?? undefined}
        onConfirm={() => void rotate()}
        onCancel={() => setConfirming(false)}
      >
        <p>
          Signatures made with the current secret stop working at once, and signed-in visitors are signed out until your site signs them
          in again with the new secret. Do this if the secret leaked.
        </p>
      </ConfirmDialog>
    </section>
  );
}
