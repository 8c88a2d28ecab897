import type { Agent, CreatedApiKey } from "../../../../src/contracts/index.js";
import { Button } from "../../components/Button.js";
import { useClipboard } from "../../components/useClipboard.js";

interface NewKeyNoticeProps {
  created: CreatedApiKey;
  agents: readonly Agent[];
  onDone: () => void;
}

/** The token, shown this once, with a copy button and how to use it with /v1. */
export function NewKeyNotice({ created, agents, onDone }: NewKeyNoticeProps) {
  const [copied, copy] = useClipboard();
  const { key, token } = created;
  const baseUrl = `${window.location.origin}/v1`;
  const usable = key.agentIds === null ? agents : agents.filter((agent) => key.agentIds?.includes(agent.id));
  const model = usable[0]?.handle ?? "your-agent-handle";

  const curl = [
    `curl ${baseUrl}/chat/completions \\`,
    `  -H "Authorization: Bearer ${token}" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello!"}]}'`,
  ].join("\n");
  const python = [
    "from openai import OpenAI",
    "",
    `client = OpenAI(base_url="${baseUrl}", api_key="${token}")`,
    "reply = client.chat.completions.create(",
    `    model="${model}",`,
    `    messages=[{"role": "user", "content": "Hello!"}],`,
    ")",
    "print(reply.choices[0].message.content)",
  ].join("\n");

  return (
    <section className="card section alert-info" aria-labelledby="new-key-title">
      <h2 id="new-key-title">Your new key “{key.name}”</h2>
      <p>
        <strong>Copy it now: it is shown only this once.</strong> Atelier keeps only a fingerprint of it, so nobody can show it to you
        again. If you lose it, revoke it and create another.
      </p>
      <div className="secret-once">
        <code aria-label="API key">{token}</code>
        <Button small variant="primary" onClick={() => void copy(token)}>
          {copied === "copied" ? "Copied" : "Copy"}
        </Button>
      </div>
      <p className="status-line" role="status">
        {copied === "failed" ? "Copying did not work here; select the key and copy it yourself." : ""}
      </p>
      {key.scopes.includes("chat") && (
        <>
          <h3>Use it with the OpenAI-compatible API</h3>
          <p>
            Point any OpenAI client at <span className="mono">{baseUrl}</span> and name an agent by its handle as the model.
          </p>
          <pre className="code-example" aria-label="curl example">{curl}</pre>
          <pre className="code-example" aria-label="Python example">{python}</pre>
        </>
      )}
      <Button onClick={onDone}>I have copied it</Button>
    </section>
  );
}
