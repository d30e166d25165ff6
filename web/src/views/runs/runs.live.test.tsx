import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { RunFieldsFragment, RunListQuery } from "../../generated/graphql";
import { installFakeLive } from "../../test/fake-live";
import { run } from "../../test/factories";
import { renderSignedIn } from "../../test/render";
import { applyQueueChange } from "./runs.view";

const PASSED = { tests: 10, failures: 1, errors: 0, skipped: 1, durationSeconds: 12.5 };
const detail = (item: RunFieldsFragment | null) => ({ data: { queueItem: item && { ...item, files: [] } } });

describe("live updates", () => {
  it("a run's page follows its run over the socket: QUEUED to SUCCEEDED with its summary, without asking the server again", async () => {
    const live = installFakeLive();
    const { api } = renderSignedIn("/runs/7", { RunDetail: () => detail(run("7", "QUEUED")) });
    await screen.findByText("Live: this page updates as changes happen.");
    await waitFor(() => expect(live.subscribed("RunChanged")).toEqual([{ id: "7" }]));
    live.emit("RunChanged", { queueItemChanged: { kind: "UPDATED", id: "7", item: { ...run("7", "SUCCEEDED", PASSED), files: [] } } });
    await screen.findByRole("img", { name: "8 passed, 1 failed, 1 skipped of 10 tests" });
    expect(screen.getAllByText("SUCCEEDED").length).toBeGreaterThan(0);
    expect(screen.queryByText(/Live: this page/)).not.toBeInTheDocument();
    expect(api.callsOf("RunDetail")).toHaveLength(1);
  });

  it("while the socket cannot be opened, the page says it is not live and falls back to polling", async () => {
    installFakeLive({ refuse: true });
    const { api } = renderSignedIn("/runs/7", { RunDetail: () => detail(run("7", "RUNNING")) });
    await screen.findByText(/Not live: live updates are unavailable, refreshing every 10 s/);
    // Going offline fetches at once, then every 10 s.
    await waitFor(() => expect(api.callsOf("RunDetail").length).toBeGreaterThanOrEqual(2));
  });

  it("the runs list updates a shown run in place and says it is live", async () => {
    const live = installFakeLive();
    const { api } = renderSignedIn("/runs", { RunList: () => ({ data: page([run("2", "RUNNING")]) }) });
    await screen.findByText("Live: this page updates as changes happen.");
    await waitFor(() => expect(live.subscribed("QueueChanged")).toHaveLength(1));
    live.emit("QueueChanged", { queueChanged: { kind: "UPDATED", id: "2", item: run("2", "SUCCEEDED", PASSED) } });
    await screen.findByRole("img", { name: "8 passed, 1 failed, 1 skipped of 10 tests" });
    expect(api.callsOf("RunList")).toHaveLength(1);
  });
});

function page(nodes: RunFieldsFragment[]): RunListQuery {
  return { queue: { totalCount: nodes.length, edges: nodes.map((node) => ({ cursor: `c${node.id}`, node })), pageInfo: { hasNextPage: false, endCursor: null } } };
}

describe("applyQueueChange", () => {
  const data = page([run("3", "QUEUED"), run("2", "RUNNING")]);
  const all = { status: "" as const, firstPage: true };
  it("updates a shown run in place", () => {
    const next = applyQueueChange(data, { queueChanged: { kind: "UPDATED", id: "2", item: run("2", "FAILED") } }, all);
    expect(next).not.toBe("refetch");
    expect((next as RunListQuery).queue.edges.map((e) => e.node.status)).toEqual(["QUEUED", "FAILED"]);
  });
  it("refetches for a new run on the first page, a shown run deleted, or a shown run leaving the status filter", () => {
    expect(applyQueueChange(data, { queueChanged: { kind: "CREATED", id: "4", item: run("4", "QUEUED") } }, all)).toBe("refetch");
    expect(applyQueueChange(data, { queueChanged: { kind: "DELETED", id: "3", item: null } }, all)).toBe("refetch");
    expect(applyQueueChange(data, { queueChanged: { kind: "UPDATED", id: "2", item: run("2", "SUCCEEDED") } }, { status: "RUNNING", firstPage: true })).toBe(
      "refetch",
    );
  });
  it("ignores changes that do not touch the page", () => {
    expect(applyQueueChange(data, { queueChanged: { kind: "CREATED", id: "4", item: run("4", "QUEUED") } }, { status: "", firstPage: false })).toBe(data);
    expect(applyQueueChange(data, { queueChanged: { kind: "DELETED", id: "9", item: null } }, all)).toBe(data);
    expect(applyQueueChange(data, { queueChanged: { kind: "UPDATED", id: "9", item: run("9", "FAILED") } }, all)).toBe(data);
  });
});
