import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { ApiError, execute } from "../api/client";
import { MeDocument, type MeQuery, type Role } from "../generated/graphql";
import { ErrorState, Loading } from "../components/states";
import { SignInView } from "./sign-in.view";

/**
 * sessionStorage, not localStorage: the key is an ADMIN-capable secret for some
 * users, and it should not outlive the browser tab that was given it.
 */
export const STORAGE_KEY = "dashql.apiKey";

export interface Session {
  token: string;
  me: MeQuery["me"];
  /** Forgets the key; `reason` is shown on the sign-in form. */
  signOut: (reason?: string) => void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

/** WRITER and ADMIN may change data (create companies, enqueue and purge runs). */
export function canWrite(role: Role): boolean {
  return role === "WRITER" || role === "ADMIN";
}

function readStoredKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the user signs in for this page view only
  }
}

type State =
  | { kind: "signed-out"; reason?: string }
  | { kind: "checking"; token: string }
  | { kind: "unreachable"; token: string; error: ApiError }
  | { kind: "signed-in"; token: string; me: MeQuery["me"] };

/**
 * Shows the sign-in form until a key is accepted by the server (`me`), then the
 * app with that session. A stored key is checked again on load, so a revoked key
 * leads back to the form instead of a page of errors.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>(() => {
    const token = readStoredKey();
    return token ? { kind: "checking", token } : { kind: "signed-out" };
  });

  const signOut = useCallback((reason?: string) => {
    try {
      sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      /* nothing stored */
    }
    setState({ kind: "signed-out", reason });
  }, []);

  const signIn = useCallback(async (token: string) => {
    const { me } = await execute(MeDocument, {}, { token });
    try {
      sessionStorage.setItem(STORAGE_KEY, token);
    } catch {
      /* kept in memory only */
    }
    setState({ kind: "signed-in", token, me });
  }, []);

  const checkingToken = state.kind === "checking" ? state.token : undefined;
  useEffect(() => {
    if (!checkingToken) return;
    let cancelled = false;
    execute(MeDocument, {}, { token: checkingToken }).then(
      ({ me }) => !cancelled && setState({ kind: "signed-in", token: checkingToken, me }),
      (error: unknown) => {
        if (cancelled) return;
        if (error instanceof ApiError && (error.code === "UNAUTHENTICATED" || error.code === "FORBIDDEN")) {
          signOut("The stored API key was not accepted; sign in again.");
        } else {
          setState({ kind: "unreachable", token: checkingToken, error: error as ApiError });
        }
      },
    );
    return () => {
      cancelled = true;
    };
  }, [checkingToken, signOut]);

  const session = useMemo<Session | null>(
    () => (state.kind === "signed-in" ? { token: state.token, me: state.me, signOut } : null),
    [state, signOut],
  );

  if (state.kind === "signed-out") return <SignInView onSignIn={signIn} reason={state.reason} />;
  if (state.kind === "checking") return <Loading label="your session" />;
  if (state.kind === "unreachable") {
    const token = state.token;
    return (
      <main className="page narrow">
        <ErrorState error={state.error} onRetry={() => setState({ kind: "checking", token })} />
        <button type="button" className="secondary" onClick={() => signOut()}>
          Sign out
        </button>
      </main>
    );
  }
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
