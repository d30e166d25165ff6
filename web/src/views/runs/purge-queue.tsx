import { useId, useRef, useState } from "react";
import { useMutation } from "../../api/hooks";
import { ErrorState } from "../../components/states";
import { PurgeQueueDocument } from "../../generated/graphql";

/** "2024-06-01T12:30" for an <input type="datetime-local"> in the browser's time zone. */
function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * purgeQueue deletes QUEUED items whose time to live is later than a given time.
 * The default, now, clears every queued run that has not expired yet; a later
 * time keeps the ones due to expire before it. Nothing is deleted before the
 * user confirms in a second step.
 */
export function PurgeQueue({ onPurged }: { onPurged: () => void }) {
  const [purge, { running, error }] = useMutation(PurgeQueueDocument);
  const [confirming, setConfirming] = useState(false);
  const [after, setAfter] = useState("");
  const [result, setResult] = useState<string | undefined>();
  const inputId = useId();
  const opener = useRef<HTMLButtonElement>(null);

  const open = () => {
    setAfter(localInputValue(new Date()));
    setResult(undefined);
    setConfirming(true);
  };
  const close = () => {
    setConfirming(false);
    requestAnimationFrame(() => opener.current?.focus());
  };
  const confirm = async () => {
    const when = new Date(after);
    try {
      const { purgeQueue } = await purge({ timeToLiveAfter: (Number.isNaN(when.getTime()) ? new Date() : when).toISOString() });
      setResult(`Purged ${purgeQueue} queued ${purgeQueue === 1 ? "run" : "runs"}.`);
      close();
      onPurged();
    } catch {
      /* shown from the mutation state */
    }
  };

  return (
    <div className="purge">
      {!confirming && (
        <button type="button" className="danger" ref={opener} onClick={open}>
          Purge queued runs…
        </button>
      )}
      {result && (
        <p className="success" role="status">
          {result}
        </p>
      )}
      {confirming && (
        <div
          className="confirm card"
          role="alertdialog"
          aria-labelledby="purge-title"
          aria-describedby="purge-desc"
          onKeyDown={(e) => e.key === "Escape" && close()}
        >
          <h2 id="purge-title">Purge the queue?</h2>
          <p id="purge-desc">
            Deletes every <strong>QUEUED</strong> run whose time to live is later than the time below. Running and finished runs stay.
            This cannot be undone.
          </p>
          <div className="field">
            <label htmlFor={inputId}>Time to live later than</label>
            <input id={inputId} type="datetime-local" value={after} onChange={(e) => setAfter(e.target.value)} />
          </div>
          {error && <ErrorState error={error} />}
          <div className="actions">
            <button type="button" className="danger" onClick={() => void confirm()} disabled={running}>
              {running ? "Purging…" : "Yes, purge"}
            </button>
            {/* Focus starts on Cancel: Enter right after opening must not delete anything. */}
            <button type="button" className="secondary" onClick={close} autoFocus>
              Cancel
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
