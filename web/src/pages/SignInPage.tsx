import { useState, type FormEvent } from "react";
import { Navigate, useSearchParams } from "react-router";
import { Button } from "../components/Button.js";
import { ErrorMessage } from "../components/ErrorMessage.js";
import { fieldIssues } from "../components/errors.js";
import { Field } from "../components/Field.js";
import { Loading } from "../components/Loading.js";
import { useSession } from "../session.js";

/** Sign in; on a brand-new instance, create the first (admin) account instead. */
export function SignInPage() {
  const { session, signIn, signUp, reload } = useSession();
  const [params] = useSearchParams();
  const [mode, setMode] = useState<"signin" | "signup">("signin");
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  if (session.status === "loading") return <Loading label="Checking your session…" />;
  if (session.status === "error") return <ErrorMessage error={session.error} title="The studio could not start" onRetry={reload} />;
  if (session.status === "signed-in") return <Navigate to={safeNext(params.get("next"))} replace />;

  const firstUser = session.auth.needsFirstUser;
  const signingUp = firstUser || mode === "signup";
  const canSignUp = !firstUser && session.auth.signupMode === "open";
  const issues = fieldIssues(error);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (signingUp) await signUp({ email, name, password });
      else await signIn(email, password);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  }

  return (
    <div className="card auth-card">
      <h1>{firstUser ? "Welcome! Create the first account" : signingUp ? "Create your account" : "Sign in to Atelier"}</h1>
      {firstUser && <p className="muted">This account will manage this Atelier instance (it becomes the administrator).</p>}
      <form onSubmit={(event) => void submit(event)} noValidate>
        {signingUp && <Field label="Your name" value={name} onChange={setName} autoComplete="name" error={issues.name} max={100} required />}
        <Field label="Email" type="email" value={email} onChange={setEmail} autoComplete="email" error={issues.email} required />
        <Field
          label="Password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete={signingUp ? "new-password" : "current-password"}
          help={signingUp ? "At least 10 characters." : undefined}
          error={issues.password}
          required
        />
        {error !== null && !Object.keys(issues).length && (
          <ErrorMessage error={error} title={signingUp ? "The account could not be created" : "Signing in did not work"} />
        )}
        <div className="button-row">
          <Button type="submit" variant="primary" busy={busy}>
            {signingUp ? "Create account" : "Sign in"}
          </Button>
          {canSignUp && (
            <Button variant="ghost" onClick={() => setMode(signingUp ? "signin" : "signup")}>
              {signingUp ? "I already have an account" : "Create an account"}
            </Button>
          )}
        </div>
      </form>
    </div>
  );
}

/** Only same-site paths, so a crafted link cannot send someone elsewhere after signing in. */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}
