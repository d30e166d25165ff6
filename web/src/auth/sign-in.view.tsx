import { useEffect, useId, useState, type FormEvent } from "react";
import { ApiError } from "../api/client";

export interface SignInViewProps {
  /** Checks the key with the server and stores it; rejects with an ApiError when the key is refused. */
  onSignIn: (token: string) => Promise<void>;
  /** Why the user is here again (a rejected or revoked key). */
  reason?: string;
}

/**
 * The development server (NODE_ENV=development) answers /dev/demo-key with the
 * demo user's key; in production the route does not exist and nothing is offered.
 */
async function fetchDemoKey(signal: AbortSignal): Promise<string | undefined> {
  try {
    const response = await fetch("/dev/demo-key", { signal, headers: { accept: "application/json" } });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { token?: unknown };
    return typeof body.token === "string" ? body.token : undefined;
  } catch {
    return undefined;
  }
}

export function SignInView({ onSignIn, reason }: SignInViewProps) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [demoKey, setDemoKey] = useState<string | undefined>();
  const inputId = useId();
  const errorId = useId();

  useEffect(() => {
    const controller = new AbortController();
    void fetchDemoKey(controller.signal).then((key) => !controller.signal.aborted && setDemoKey(key));
    return () => controller.abort();
  }, []);

  const submit = async (key: string) => {
    const trimmed = key.trim();
    if (!trimmed) {
      setError("Paste an API key.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await onSignIn(trimmed);
    } catch (e) {
      setBusy(false);
      if (e instanceof ApiError && e.code === "UNAUTHENTICATED") setError("This API key was not accepted (unknown or revoked).");
      else setError(e instanceof Error ? e.message : String(e));
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit(token);
  };

  return (
    <main className="page narrow sign-in" id="main">
      <h1>Sign in to dashql</h1>
      {reason && (
        <p className="notice" role="status">
          {reason}
        </p>
      )}
      <form onSubmit={onSubmit} noValidate>
        <div className="field">
          <label htmlFor={inputId}>API key</label>
          <input
            id={inputId}
            name="apiKey"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            autoFocus
          />
          {error && (
            <p className="field-error" id={errorId} role="alert">
              {error}
            </p>
          )}
          <p className="hint">The key is kept in this tab's session storage until you sign out or close the tab.</p>
        </div>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </div>
      </form>
      {demoKey && (
        <section className="demo-key" aria-labelledby="demo-key-title">
          <h2 id="demo-key-title">Development server</h2>
          <p>This server runs in development mode and offers its demo key (ADMIN, demo data only).</p>
          <button type="button" className="secondary" disabled={busy} onClick={() => void submit(demoKey)}>
            Sign in with the demo key
          </button>
        </section>
      )}
    </main>
  );
}
