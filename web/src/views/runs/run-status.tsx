import type { QueueStatus, RunFieldsFragment } from "../../generated/graphql";
import { formatDuration } from "../../format";

export const QUEUE_STATUSES: readonly QueueStatus[] = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"];

/** QUEUED and RUNNING items change without the user doing anything (a worker picks them up). */
export function isActive(status: QueueStatus): boolean {
  return status === "QUEUED" || status === "RUNNING";
}

export function StatusBadge({ status }: { status: QueueStatus }) {
  return <span className={`badge status-${status.toLowerCase()}`}>{status}</span>;
}

type Summary = NonNullable<RunFieldsFragment["summary"]>;

/** Counts the bar shows: errors count as failures, the rest of the tests passed. */
export function summaryCounts(summary: Summary) {
  const failed = summary.failures + summary.errors;
  const skipped = summary.skipped;
  const passed = Math.max(0, summary.tests - failed - skipped);
  return { passed, failed, skipped, total: summary.tests };
}

/**
 * A run's JUnit results as one pass/fail/skip bar. The widths are the shares of
 * the tests; the counts are also written out, so the bar is never the only carrier
 * of the numbers (colour-blind users, screen readers).
 */
export function SummaryBar({ summary, status }: { summary: Summary | null; status: QueueStatus }) {
  if (!summary) {
    return <span className="muted">{isActive(status) ? "not processed yet" : "no results"}</span>;
  }
  const { passed, failed, skipped, total } = summaryCounts(summary);
  if (total === 0) return <span className="muted">no tests found</span>;
  const label = `${passed} passed, ${failed} failed, ${skipped} skipped of ${total} tests`;
  const pct = (n: number) => `${(n / total) * 100}%`;
  return (
    <div className="summary">
      <div className="summary-bar" role="img" aria-label={label} title={label}>
        {passed > 0 && <span className="seg pass" style={{ width: pct(passed) }} />}
        {failed > 0 && <span className="seg fail" style={{ width: pct(failed) }} />}
        {skipped > 0 && <span className="seg skip" style={{ width: pct(skipped) }} />}
      </div>
      <span className="summary-text" aria-hidden="true">
        <span className="pass-text">{passed} passed</span> · <span className="fail-text">{failed} failed</span> ·{" "}
        <span className="skip-text">{skipped} skipped</span> · {formatDuration(summary.durationSeconds)}
      </span>
    </div>
  );
}
