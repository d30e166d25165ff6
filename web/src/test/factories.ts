import type { QueueStatus, RunFieldsFragment } from "../generated/graphql";

/** A run as the Runs views receive it; only the id, status and summary vary between tests. */
export function run(id: string, status: QueueStatus, summary: RunFieldsFragment["summary"] = null): RunFieldsFragment {
  return {
    id,
    createdAt: "2024-06-01T10:00:00.000Z",
    timeToLive: "2024-06-02T10:00:00.000Z",
    runDir: `/data/runs/${id}`,
    owner: "alice",
    site: null,
    host: "ci-1",
    runTag: "Development",
    userTag: "",
    status,
    attempts: status === "QUEUED" ? 0 : 1,
    startedAt: null,
    finishedAt: null,
    lastError: null,
    summary,
  };
}
