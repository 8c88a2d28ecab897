import { useState } from "react";
import type { CreatedWebhook } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { Loading } from "../../components/Loading.js";
import { useAsync } from "../useAsync.js";
import { CreateWebhookForm } from "./CreateWebhookForm.js";
import { SecretNotice } from "./SecretNotice.js";
import { VerifySnippet } from "./VerifySnippet.js";
import { WebhookItem } from "./WebhookItem.js";
import "./webhooks.css";

/** /webhooks: URLs that receive signed events from the owner's conversations (CRMs, chat tools, automations). */
export function WebhooksPage() {
  const [list, reload, setList] = useAsync(() => api.listWebhooks(), []);
  const [secret, setSecret] = useState<{ created: CreatedWebhook; rotated: boolean } | null>(null);

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Webhooks</h1>
          <p>Send your agents’ conversations to other tools as they happen: new conversations, messages, takeovers and hand-backs.</p>
        </div>
      </div>
      {secret && <SecretNotice created={secret.created} rotated={secret.rotated} onDone={() => setSecret(null)} />}
      {list.status === "loading" && <Loading label="Loading your webhooks…" />}
      {list.status === "error" && <ErrorMessage error={list.error} title="Your webhooks could not be loaded" onRetry={reload} />}
      {list.status === "done" && (
        <>
          <section className="card section" aria-labelledby="webhooks-title">
            <h2 id="webhooks-title">Your webhooks</h2>
            {list.value.length === 0 ? (
              <p className="muted">No webhooks yet. Add one below.</p>
            ) : (
              <div className="webhooks-list">
                {list.value.map((webhook) => (
                  <WebhookItem key={webhook.id} webhook={webhook}
                    onChanged={(changed) => setList(list.value.map((entry) => (entry.id === changed.id ? changed : entry)))}
                    onDeleted={(deleted) => setList(list.value.filter((entry) => entry.id !== deleted.id))}
                    onRotated={(created) => {
                      setSecret({ created, rotated: true });
                      window.scrollTo({ top: 0 });
                    }} />
                ))}
              </div>
            )}
          </section>
          <section className="card section" aria-labelledby="add-webhook-title">
            <h2 id="add-webhook-title">Add a webhook</h2>
            <CreateWebhookForm onCreated={(created) => {
              setSecret({ created, rotated: false });
              setList([...list.value, created.webhook]);
              window.scrollTo({ top: 0 });
            }} />
          </section>
        </>
      )}
      <VerifySnippet />
    </>
  );
}
