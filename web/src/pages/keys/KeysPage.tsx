import { useState } from "react";
import type { CreatedApiKey } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Loading } from "../../components/Loading.js";
import { useAsync } from "../useAsync.js";
import { CreateKeyForm } from "./CreateKeyForm.js";
import { KeyList } from "./KeyList.js";
import { NewKeyNotice } from "./NewKeyNotice.js";
import "./keys.css";

/** API keys: for the OpenAI-compatible API under /v1 and for scripts using the Atelier API. */
export function KeysPage() {
  const [data, reload, setData] = useAsync(async () => {
    const [keys, agents] = await Promise.all([api.listApiKeys(), api.listAgents()]);
    return { keys, agents: agents.agents };
  }, []);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);

  return (
    <>
      <div className="page-header">
        <div>
          <h1>API keys</h1>
          <p>
            Let other apps talk to your agents. A key with the “chat” permission works with any OpenAI client at{" "}
            <span className="mono">{window.location.origin}/v1</span>.
          </p>
        </div>
      </div>
      {data.status === "loading" && <Loading label="Loading your keys…" />}
      {data.status === "error" && <ErrorMessage error={data.error} title="Your keys could not be loaded" onRetry={reload} />}
      {data.status === "done" && (
        <>
          {created && <NewKeyNotice created={created} agents={data.value.agents} onDone={() => setCreated(null)} />}
          <section className="card section" aria-labelledby="keys-title">
            <h2 id="keys-title">Your keys</h2>
            {data.value.keys.length === 0 ? (
              <p className="muted">No keys yet. Create one below.</p>
            ) : (
              <KeyList keys={data.value.keys} agents={data.value.agents}
                onRevoked={(revoked) => setData({ ...data.value, keys: data.value.keys.map((key) => (key.id === revoked.id ? { ...key, revokedAt: new Date().toISOString() } : key)) })} />
            )}
          </section>
          <section className="card section" aria-labelledby="create-key-title">
            <h2 id="create-key-title">Create a key</h2>
            <CreateKeyForm agents={data.value.agents} onCreated={(fresh) => {
              setCreated(fresh);
              setData({ ...data.value, keys: [fresh.key, ...data.value.keys] });
              window.scrollTo({ top: 0 });
            }} />
          </section>
        </>
      )}
    </>
  );
}
