import { FALLBACK_POLL_MS } from "../api/live";

/** Says whether the page follows changes as they happen (live updates) or polls because the socket is down. */
export function LiveNote({ live }: { live: boolean }) {
  return live ? (
    <p className="live" role="status" data-live="true">
      <span className="pulse" aria-hidden="true" /> Live: this page updates as changes happen.
    </p>
  ) : (
    <p className="live not-live" role="status" data-live="false">
      Not live: live updates are unavailable, refreshing every {FALLBACK_POLL_MS / 1000} s.
    </p>
  );
}
