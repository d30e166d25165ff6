import { useMutation } from "../../api/hooks";
import { useLiveQuery } from "../../api/live";
import { canWrite, useSession } from "../../auth/session";
import { EmptyState, ErrorState, Loading, NotFoundPage } from "../../components/states";
import { CancelRunDocument, RunChangedDocument, RunDetailDocument } from "../../generated/graphql";
import { formatBytes, formatDateTime } from "../../format";
import { Link } from "../../router";
import { LiveNote } from "../../components/live-note";
import { isActive, StatusBadge, SummaryBar } from "./run-status";

/** One run: its fields, test summary and the files its processing registered; kept current by a subscription. */
export function RunView({ id }: { id: string }) {
  const { me } = useSession();
  const { data, error, loading, refetch, live } = useLiveQuery(
    RunDetailDocument,
    { id },
    {
      subscription: RunChangedDocument,
      subscriptionVariables: { id },
      apply: (current, event) => {
        const change = event.queueItemChanged;
        if (change.kind === "DELETED") return { ...current, queueItem: null };
        return change.item ? { ...current, queueItem: change.item } : current;
      },
    },
  );
  const [cancel, cancelState] = useMutation(CancelRunDocument);

  if (error && !data) return <ErrorState error={error} onRetry={refetch} />;
  if (loading || !data) return <Loading label="the run" />;
  const run = data.queueItem;
  if (!run) {
    return <NotFoundPage title="Run not found" message={`There is no run with id ${id}.`} back={<Link to="/runs">Back to the runs</Link>} />;
  }
  return (
    <section aria-labelledby="run-title">
      <p className="breadcrumb">
        <Link to="/runs">Runs</Link> /
      </p>
      <div className="title-row">
        <h1 id="run-title">
          Run #{run.id} <StatusBadge status={run.status} />
        </h1>
        {run.status === "QUEUED" && canWrite(me.role) && (
          <button type="button" className="secondary" disabled={cancelState.running} onClick={() => void cancel({ id: run.id }).then(refetch, () => undefined)}>
            Cancel run
          </button>
        )}
      </div>
      {cancelState.error && <ErrorState error={cancelState.error} />}
      {isActive(run.status) && <LiveNote live={live} />}
      <dl className="facts">
        <div>
          <dt>Run directory</dt>
          <dd className="path">{run.runDir}</dd>
        </div>
        <div>
          <dt>Owner</dt>
          <dd>{run.owner}</dd>
        </div>
        <div>
          <dt>Host</dt>
          <dd>{run.host ?? "—"}</dd>
        </div>
        <div>
          <dt>Site</dt>
          <dd>{run.site ?? "—"}</dd>
        </div>
        <div>
          <dt>Tags</dt>
          <dd>
            {run.runTag}
            {run.userTag ? ` · ${run.userTag}` : ""}
          </dd>
        </div>
        <div>
          <dt>Enqueued</dt>
          <dd>{formatDateTime(run.createdAt)}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{formatDateTime(run.startedAt)}</dd>
        </div>
        <div>
          <dt>Finished</dt>
          <dd>{formatDateTime(run.finishedAt)}</dd>
        </div>
        <div>
          <dt>Time to live</dt>
          <dd>{formatDateTime(run.timeToLive)}</dd>
        </div>
        <div>
          <dt>Attempts</dt>
          <dd>{run.attempts}</dd>
        </div>
      </dl>
      <h2>Test results</h2>
      <SummaryBar summary={run.summary} status={run.status} />
      {run.lastError && (
        <div className="state error">
          <p className="state-title">Last error</p>
          <pre>{run.lastError}</pre>
        </div>
      )}
      <h2>Files</h2>
      {run.files.length === 0 ? (
        <EmptyState title={isActive(run.status) ? "Files appear once a worker has processed the run." : "This run registered no files."} />
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Files registered by run #{run.id}</caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Type</th>
                <th scope="col" className="num">
                  Size
                </th>
              </tr>
            </thead>
            <tbody>
              {run.files.map((f) => (
                <tr key={f.id}>
                  <th scope="row" className="path" title={f.fullName}>
                    {f.fullName}
                  </th>
                  <td>{f.fileType || "—"}</td>
                  <td className="num" title={`${f.fileSize} bytes`}>
                    {formatBytes(f.fileSize)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
