import { useEffect, useState } from "react";
import { useParams } from "react-router";
import type { PublicAgent } from "../../../src/contracts/agent.js";
import { AtelierError } from "../../../src/contracts/errors.js";
import { api } from "../api.js";
import { ChatError } from "../chat/ChatError.js";
import { ThemeToggle } from "../components/ThemeToggle.js";
import { applyTheme, storedTheme } from "../components/theme.js";
import { connectIdentity, type ShareIdentity } from "./identity.js";
import { ShareChatView } from "./ShareChatView.js";
import "../chat/chat.css";
import "./share.css";

type PageState =
  | { status: "loading" }
  | { status: "unavailable" }
  | { status: "failed"; message: string }
  | { status: "ready"; agent: PublicAgent; identity: ShareIdentity };

/**
 * The public page of a published agent, /a/:handle: outside the studio and its sign-in, for anyone
 * with the link. Visitors get an anonymous identity (an httpOnly cookie) on their first visit.
 */
export function SharePage() {
  const { handle = "" } = useParams();
  const [state, setState] = useState<PageState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  // The studio's theme choice applies here too, whichever state the page is in.
  useEffect(() => applyTheme(storedTheme()), []);

  useEffect(() => {
    let active = true;
    setState({ status: "loading" });
    void (async () => {
      try {
        const agent = await api.publicAgent(handle);
        // Only an available agent gets the visitor an identity: a dead link should leave nothing behind.
        const identity = await connectIdentity();
        if (active) setState({ status: "ready", agent, identity });
      } catch (error) {
        if (!active) return;
        if (AtelierError.is(error, "not_found") || AtelierError.is(error, "validation_failed")) setState({ status: "unavailable" });
        else setState({ status: "failed", message: error instanceof AtelierError ? error.message : "Something went wrong." });
      }
    })();
    return () => {
      active = false;
    };
  }, [handle, attempt]);

  useEffect(() => {
    document.title = state.status === "ready" ? `${state.agent.name} · chat` : state.status === "unavailable" ? "Not available" : "Chat";
  }, [state]);

  if (state.status === "ready") return <ShareChatView agent={state.agent} identity={state.identity} />;
  return (
    <div className="share share--plain">
      <header className="share-header">
        <div className="share-header__row">
          <p className="share-header__brand">Atelier</p>
          <ThemeToggle />
        </div>
      </header>
      <main className="share-main share-main--plain" id="main">
        {state.status === "loading" && (
          <p className="share-state" role="status">
            Opening the chat…
          </p>
        )}
        {state.status === "unavailable" && (
          <>
            <h1>This agent is not available</h1>
            <p className="share-state">
              The link may be mistyped, or the agent's owner has made it private. Check the address, or ask whoever shared it
              for a new link.
            </p>
          </>
        )}
        {state.status === "failed" && (
          <>
            <h1>The chat could not open</h1>
            <ChatError message={state.message} onRetry={() => setAttempt((n) => n + 1)} />
          </>
        )}
      </main>
    </div>
  );
}
