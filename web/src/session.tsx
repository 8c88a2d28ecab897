import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { AtelierError, type AuthStatus, type SessionInfo, type User } from "../../src/contracts/index.js";
import { api } from "./api.js";

export type SessionState =
  | { status: "loading" }
  | { status: "error"; error: unknown }
  | { status: "signed-out"; auth: AuthStatus }
  | { status: "signed-in"; user: User };

interface SessionContextValue {
  session: SessionState;
  signIn(email: string, password: string): Promise<void>;
  signUp(input: { email: string; name: string; password: string }): Promise<void>;
  signOut(): Promise<void>;
  reload(): void;
}

const SessionContext = createContext<SessionContextValue | null>(null);

/** Knows who is signed in, and keeps the client's CSRF header in step with the cookie session. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    void loadSession().then((state) => {
      if (!cancelled) setSession(state);
    });
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  const signedIn = useCallback((info: SessionInfo) => {
    api.setHeader("x-csrf-token", info.csrfToken);
    setSession({ status: "signed-in", user: info.user });
  }, []);

  const value = useMemo<SessionContextValue>(
    () => ({
      session,
      async signIn(email, password) {
        signedIn(await api.logIn({ email, password }));
      },
      async signUp(input) {
        signedIn(await api.signUp(input));
      },
      async signOut() {
        await api.logOut();
        api.setHeader("x-csrf-token", undefined);
        setSession({ status: "signed-out", auth: await api.authStatus() });
      },
      reload: () => setAttempt((n) => n + 1),
    }),
    [session, signedIn],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

async function loadSession(): Promise<SessionState> {
  try {
    const who = await api.whoAmI();
    if (who.via === "session") api.setHeader("x-csrf-token", who.csrfToken);
    return { status: "signed-in", user: who.user };
  } catch (error) {
    if (!AtelierError.is(error, "unauthorized")) return { status: "error", error };
  }
  try {
    return { status: "signed-out", auth: await api.authStatus() };
  } catch (error) {
    return { status: "error", error };
  }
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession needs a SessionProvider above it");
  return value;
}

/** The signed-in user; only for pages behind the sign-in gate. */
export function useUser(): User {
  const { session } = useSession();
  if (session.status !== "signed-in") throw new Error("useUser outside the signed-in area");
  return session.user;
}
