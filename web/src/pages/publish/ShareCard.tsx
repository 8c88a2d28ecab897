import type { Agent } from "../../../../src/contracts/index.js";
import { CopyField } from "./CopyField.js";

/** The share page link and the widget snippet for the owner's website. */
export function ShareCard({ agent, sharePath }: { agent: Agent; sharePath: string }) {
  const origin = window.location.origin;
  const snippet = `<script src="${origin}/widget.js" data-agent="${agent.handle}" async></script>`;
  return (
    <section className="card section" aria-labelledby="publish-share-title">
      <h2 id="publish-share-title">Share</h2>
      {agent.visibility === "private" && (
        <p className="alert alert-info">Publish {agent.name} first: until then the link and the widget only work for you.</p>
      )}
      <h3>Link to its page</h3>
      <CopyField label="Share link" value={`${origin}${sharePath}`} />
      <h3>Chat bubble on your website</h3>
      <p>
        Paste this before <code>&lt;/body&gt;</code> on your site, and add the site below under “Allowed websites”.
      </p>
      <CopyField label="Widget snippet" value={snippet} multiline />
    </section>
  );
}
