import { createBrowserRouter, Navigate, NavLink, Outlet, RouterProvider, useLocation } from "react-router";
import { Button } from "./components/Button.js";
import { ErrorMessage } from "./components/ErrorMessage.js";
import { Loading } from "./components/Loading.js";
import { ReadinessBanner } from "./components/ReadinessBanner.js";
import { ThemeToggle } from "./components/ThemeToggle.js";
import { HomePage } from "./pages/HomePage.js";
import { NotFoundPage } from "./pages/NotFoundPage.js";
import { InboxNavLink } from "./pages/inbox/InboxNavLink.js";
import { SignInPage } from "./pages/SignInPage.js";
import { SessionProvider, useSession } from "./session.js";

/*
 * Home and sign-in load with the app; the editor, the chat (markdown rendering) and the models page
 * load on first visit, so the first screen needs less than half the script.
 */
const lazyCreate = async () => ({ Component: (await import("./pages/CreatePage.js")).CreatePage });
const lazyEditor = async () => ({ Component: (await import("./pages/EditorPage.js")).EditorPage });
const lazyChat = async () => ({ Component: (await import("./chat/index.js")).ChatPage });
const lazyModels = async () => ({ Component: (await import("./pages/ModelsPage.js")).ModelsPage });
const lazyKnowledge = async () => ({ Component: (await import("./pages/knowledge/KnowledgePage.js")).KnowledgePage });
const lazyLorebook = async () => ({ Component: (await import("./pages/lorebook/LorebookPage.js")).LorebookPage });
const lazyMemory = async () => ({ Component: (await import("./pages/memory/MemoryPage.js")).MemoryPage });
const lazyPublish = async () => ({ Component: (await import("./pages/publish/PublishPage.js")).PublishPage });
const lazyKeys = async () => ({ Component: (await import("./pages/keys/KeysPage.js")).KeysPage });
// The public share page: its own layout, no studio shell, no sign-in, and none of the studio's pages in its chunk.
const lazyShare = async () => ({ Component: (await import("./share/SharePage.js")).SharePage });
const lazyInbox = async () => ({ Component: (await import("./pages/inbox/InboxPage.js")).InboxPage });
const lazyWebhooks = async () => ({ Component: (await import("./pages/webhooks/WebhooksPage.js")).WebhooksPage });

const router = createBrowserRouter([
  { path: "/a/:handle", lazy: lazyShare },
  {
    // Only the studio asks who is signed in; the share page finds its visitor itself.
    element: (
      <SessionProvider>
        <Shell />
      </SessionProvider>
    ),
    children: [
      { path: "/signin", element: <SignInPage /> },
      {
        element: <RequireUser />,
        children: [
          { path: "/", element: <HomePage /> },
          { path: "/agents/new", lazy: lazyCreate },
          { path: "/agents/:agentId/edit", lazy: lazyEditor },
          { path: "/agents/:agentId/knowledge", lazy: lazyKnowledge },
          { path: "/agents/:agentId/lorebook", lazy: lazyLorebook },
          { path: "/agents/:agentId/memory", lazy: lazyMemory },
          { path: "/agents/:agentId/publish", lazy: lazyPublish },
          { path: "/agents/:agentId/chat", lazy: lazyChat },
          { path: "/agents/:agentId/chat/:conversationId", lazy: lazyChat },
          { path: "/models", lazy: lazyModels },
          { path: "/keys", lazy: lazyKeys },
          { path: "/webhooks", lazy: lazyWebhooks },
          // One route for both, so the list and its live stream stay mounted while conversations open and close.
          { path: "/inbox/:conversationId?", lazy: lazyInbox },
          { path: "*", element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);

export function App() {
  return <RouterProvider router={router} />;
}

function Shell() {
  const { session, signOut } = useSession();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <NavLink to="/" className="brand" aria-label="Atelier studio, home">
          <img src="/favicon.svg" alt="" />
          <span>Atelier</span>
        </NavLink>
        {session.status === "signed-in" && (
          <nav className="main-nav" aria-label="Main">
            <NavLink to="/" end>
              Agents
            </NavLink>
            <NavLink to="/agents/new">Create</NavLink>
            <NavLink to="/models">Models</NavLink>
            <NavLink to="/keys">API keys</NavLink>
            <NavLink to="/webhooks">Webhooks</NavLink>
            <InboxNavLink />
          </nav>
        )}
        <div className="header-tools">
          <ThemeToggle />
          {session.status === "signed-in" && (
            <>
              <span className="user-name">{session.user.name}</span>
              <Button small variant="ghost" onClick={() => void signOut()}>
                Sign out
              </Button>
            </>
          )}
        </div>
      </header>
      <ReadinessBanner />
      <main id="main" className="page" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}

/** The studio's pages need an account; everyone else is sent to sign in and brought back after. */
function RequireUser() {
  const { session, reload } = useSession();
  const location = useLocation();
  if (session.status === "loading") return <Loading label="Opening your studio…" />;
  if (session.status === "error") return <ErrorMessage error={session.error} title="The studio could not start" onRetry={reload} />;
  if (session.status === "signed-out") {
    const next = location.pathname + location.search;
    return <Navigate to={next === "/" ? "/signin" : `/signin?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Outlet />;
}
