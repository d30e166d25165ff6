import type { ReactNode } from "react";
import type { ApiError } from "../api/client";

/** Shown until the first answer arrives; announced politely to screen readers. */
export function Loading({ label }: { label: string }) {
  return (
    <p className="state loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {label}…
    </p>
  );
}

/** A successful answer with nothing in it, with what the user can do next. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state empty" role="status">
      <p className="state-title">{title}</p>
      {children}
    </div>
  );
}

const HINTS: Record<string, string> = {
  NETWORK_ERROR: "The dashql server did not answer.",
  FORBIDDEN: "Your role does not allow this.",
  NOT_FOUND: "It does not exist (any more).",
  SERVICE_UNAVAILABLE: "The database is unavailable; try again shortly.",
  QUERY_TOO_COMPLEX: "The request was too large for the server's limits.",
};

/** A failed request: what went wrong (the server's message and code) and a retry. */
export function ErrorState({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  return (
    <div className="state error" role="alert">
      <p className="state-title">{HINTS[error.code] ?? "Something went wrong."}</p>
      <p>
        {error.message} <code>{error.code}</code>
      </p>
      {onRetry && (
        <button type="button" className="secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** A page for an id that names nothing (deleted, or mistyped in the address bar), with the way back to its list. */
export function NotFoundPage({ title, message, back }: { title: string; message: string; back: ReactNode }) {
  return (
    <section>
      <h1>{title}</h1>
      <EmptyState title={message}>{back}</EmptyState>
    </section>
  );
}
