import { useEffect, useState } from "react";
import { Link } from "react-router";
import type { ReadinessResult } from "../../../src/client/index.js";
import { api } from "../api.js";

const POLL_MS = 30_000;

type Readiness = { state: "unknown" } | { state: "ready" } | { state: "not-ready"; result: ReadinessResult } | { state: "unreachable" };

/** Says plainly when the AI model or the server is not available, instead of leaving chats to fail. */
export function ReadinessBanner() {
  const [readiness, setReadiness] = useState<Readiness>({ state: "unknown" });
  useEffect(() => {
    let stopped = false;
    const check = () =>
      api.readiness().then(
        (result) => !stopped && setReadiness(result.status === "ready" ? { state: "ready" } : { state: "not-ready", result }),
        () => !stopped && setReadiness({ state: "unreachable" }),
      );
    void check();
    const timer = window.setInterval(check, POLL_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, []);

  return <div role="status">{message(readiness)}</div>;
}

function message(readiness: Readiness) {
  if (readiness.state === "unreachable") {
    return (
      <p className="alert banner">
        <strong>The Atelier server is not answering.</strong> Check that it is running; this page will notice when it is back.
      </p>
    );
  }
  if (readiness.state !== "not-ready") return null;
  const { model, database } = readiness.result.checks;
  if (database && !database.ok) {
    return (
      <p className="alert banner">
        <strong>The database is not available.</strong> Your agents cannot be loaded or saved right now. {database.detail ?? ""}
      </p>
    );
  }
  return (
    <p className="alert alert-warning banner">
      <strong>The AI model is not ready yet.</strong> You can still create and edit agents; chats will answer once it is.{" "}
      {model?.detail ? <span>({model.detail})</span> : null} See the <Link to="/models">Models page</Link>.
    </p>
  );
}
