import type { ModelsOverview } from "../../../src/contracts/index.js";
import { api } from "../api.js";
import { ErrorMessage } from "../components/ErrorMessage.js";
import { Loading } from "../components/Loading.js";
import { AgentModels } from "./models/AgentModels.js";
import { Downloads } from "./models/Downloads.js";
import { formatBytes } from "./models/format.js";
import { useAsync } from "./useAsync.js";

export function ModelsPage() {
  const [overview, reload, setOverview] = useAsync(() => api.models(), []);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Models</h1>
          <p>The AI models on this Atelier, and which one each of your agents uses.</p>
        </div>
      </div>
      {overview.status === "loading" && <Loading label="Loading models…" />}
      {overview.status === "error" && <ErrorMessage error={overview.error} title="Models could not be loaded" onRetry={reload} />}
      {overview.status === "done" && (
        <>
          <ActiveModel overview={overview.value} />
          <LocalModels overview={overview.value} />
          <Downloads
            canDownload={overview.value.canDownload}
            initial={overview.value.downloads}
            onFinished={() => void api.models().then(setOverview, () => undefined)}
          />
          <AgentModels overview={overview.value} />
        </>
      )}
    </>
  );
}

function ActiveModel({ overview }: { overview: ModelsOverview }) {
  return (
    <section className="card" aria-labelledby="active-title">
      <h2 id="active-title">Active model</h2>
      <dl className="definition">
        <dt>Engine</dt>
        <dd>{overview.engine === "llama-cpp" ? "Built-in (llama.cpp, runs on this computer)" : "OpenAI-compatible server"}</dd>
        <dt>Default model</dt>
        <dd className="mono">{overview.model}</dd>
        <dt>Status</dt>
        <dd>
          {overview.status.ready ? <span className="badge">Ready</span> : <span className="badge badge-muted">Not ready</span>}{" "}
          {overview.status.detail}
        </dd>
      </dl>
    </section>
  );
}

function LocalModels({ overview }: { overview: ModelsOverview }) {
  return (
    <section className="card section" aria-labelledby="local-title">
      <h2 id="local-title">Models on this computer</h2>
      {overview.local.length === 0 ? (
        <p className="muted">No model files yet. {overview.canDownload ? "Download one below." : "Ask an administrator to download one."}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Size</th>
              <th scope="col">Added</th>
            </tr>
          </thead>
          <tbody>
            {overview.local.map((model) => (
              <tr key={model.name}>
                <td className="mono">{model.name}</td>
                <td>{formatBytes(model.bytes)}</td>
                <td>{new Date(model.modifiedAt).toLocaleDateString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
