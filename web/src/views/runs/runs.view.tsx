import { useId, useState } from "react";
import { useQuery } from "../../api/hooks";
import { canWrite, useSession } from "../../auth/session";
import { Pager, useCursorPager } from "../../components/pager";
import { EmptyState, ErrorState, Loading } from "../../components/states";
import { RunListDocument, type QueueStatus } from "../../generated/graphql";
import { formatDateTime } from "../../format";
import { Link } from "../../router";
import { EnqueueRunForm } from "./enqueue-run.form";
import { PurgeQueue } from "./purge-queue";
import { isActive, QUEUE_STATUSES, RUN_POLL_MS, StatusBadge, SummaryBar } from "./run-status";

export const RUN_PAGE_SIZE = 25;

/** The queue, newest first, filtered by status; refreshes itself while a shown run is QUEUED or RUNNING. */
export function RunsView() {
  const { me } = useSession();
  const [status, setStatus] = useState<QueueStatus | "">("");
  const statusId = useId();
  const pager = useCursorPager(status);
  const { data, error, loading, refetch } = useQuery(
    RunListDocument,
    { first: RUN_PAGE_SIZE, after: pager.after, filter: status ? { status } : null },
    { poll: (d) => (d.queue.edges.some((e) => isActive(e.node.status)) ? RUN_POLL_MS : undefined) },
  );
  const live = data?.queue.edges.some((e) => isActive(e.node.status)) ?? false;

  return (
    <section aria-labelledby="runs-title">
      <div className="title-row">
        <h1 id="runs-title">Runs</h1>
        {canWrite(me.role) && <PurgeQueue onPurged={refetch} />}
      </div>
      {canWrite(me.role) && <EnqueueRunForm onEnqueued={refetch} />}
      <div className="toolbar">
        <div className="field">
          <label htmlFor={statusId}>Status</label>
          <select id={statusId} value={status} onChange={(e) => setStatus(e.target.value as QueueStatus | "")}>
            <option value="">All statuses</option>
            {QUEUE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        {live && (
          <p className="live" role="status">
            <span className="pulse" aria-hidden="true" /> Updating every {RUN_POLL_MS / 1000} s while runs are queued or running
          </p>
        )}
      </div>
      {error && !data ? (
        <ErrorState error={error} onRetry={refetch} />
      ) : loading || !data ? (
        <Loading label="runs" />
      ) : data.queue.edges.length === 0 ? (
        <EmptyState title={status ? `No ${status} runs.` : "The queue is empty."}>
          {canWrite(me.role) && !status && (
            <p>
              Enqueue a run with the form above; a worker (<code>dashql work</code>) processes it.
            </p>
          )}
        </EmptyState>
      ) : (
        <>
          {error && <ErrorState error={error} onRetry={refetch} />}
          <div className="table-wrap">
            <table className="runs">
              <caption className="visually-hidden">Runs{status ? ` with status ${status}` : ""}, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Status</th>
                  <th scope="col">Tests</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Host</th>
                  <th scope="col">Tags</th>
                  <th scope="col">Enqueued</th>
                </tr>
              </thead>
              <tbody>
                {data.queue.edges.map(({ node }) => (
                  <tr key={node.id} data-run-id={node.id}>
                    <th scope="row">
                      <Link to={`/runs/${node.id}`}>#{node.id}</Link> <span className="path">{node.runDir}</span>
                    </th>
                    <td>
                      <StatusBadge status={node.status} />
                    </td>
                    <td className="tests">
                      <SummaryBar summary={node.summary} status={node.status} />
                    </td>
                    <td>{node.owner}</td>
                    <td>{node.host ?? "—"}</td>
                    <td>
                      {node.runTag}
                      {node.userTag ? ` · ${node.userTag}` : ""}
                    </td>
                    <td>{formatDateTime(node.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            page={pager.page}
            hasNextPage={data.queue.pageInfo.hasNextPage}
            totalCount={data.queue.totalCount}
            noun={["run", "runs"]}
            onNext={() => pager.next(data.queue.pageInfo.endCursor)}
            onPrevious={pager.previous}
          />
        </>
      )}
    </section>
  );
}
