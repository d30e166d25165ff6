import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { QueueStatus, RunFieldsFragment } from "../../generated/graphql";
import { gqlError, never, type FakeAnswer } from "../../test/fake-api";
import { run } from "../../test/factories";
import { renderSignedIn } from "../../test/render";

function list(nodes: RunFieldsFragment[]): FakeAnswer {
  return {
    data: {
      queue: {
        totalCount: nodes.length,
        edges: nodes.map((node) => ({ cursor: `c${node.id}`, node })),
        pageInfo: { hasNextPage: false, endCursor: null },
      },
    },
  };
}

const PASSED = { tests: 10, failures: 1, errors: 0, skipped: 1, durationSeconds: 12.5 };

describe("runs view", () => {
  it("shows each run's test summary as a pass/fail/skip bar", async () => {
    renderSignedIn("/runs", { RunList: () => list([run("2", "SUCCEEDED", PASSED), run("1", "QUEUED")]) });
    const bar = await screen.findByRole("img", { name: "8 passed, 1 failed, 1 skipped of 10 tests" });
    const segments = bar.querySelectorAll(".seg");
    expect([...segments].map((s) => [s.className, (s as HTMLElement).style.width])).toEqual([
      ["seg pass", "80%"],
      ["seg fail", "10%"],
      ["seg skip", "10%"],
    ]);
    expect(screen.getByText("not processed yet")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "#2" })).toHaveAttribute("href", "/runs/2");
  });

  it("filters by status", async () => {
    const { api } = renderSignedIn("/runs", {
      RunList: (v) => list([run("2", "SUCCEEDED", PASSED), run("3", "FAILED")].filter((r) => !v.filter || r.status === (v.filter as { status: string }).status)),
    });
    await screen.findByRole("link", { name: "#3" });
    await userEvent.selectOptions(screen.getByLabelText("Status"), "FAILED");
    await waitFor(() => expect(screen.queryByRole("link", { name: "#2" })).not.toBeInTheDocument());
    expect(api.callsOf("RunList").at(-1)?.variables).toMatchObject({ filter: { status: "FAILED" } });
    await userEvent.selectOptions(screen.getByLabelText("Status"), "CANCELLED");
    expect(await screen.findByText("No CANCELLED runs.")).toBeInTheDocument();
  });

  it("enqueues a run from the form and shows it", async () => {
    const queued: RunFieldsFragment[] = [];
    const { api } = renderSignedIn("/runs", {
      RunList: () => list(queued),
      EnqueueRun: (v) => {
        const input = v.run as { runDir: string };
        queued.push({ ...run("7", "QUEUED"), runDir: input.runDir });
        return { data: { enqueueRuns: [{ id: "7", status: "QUEUED", runDir: input.runDir }] } };
      },
    });
    expect(await screen.findByText("The queue is empty.")).toBeInTheDocument();
    // The command is shown as code, not in literal backticks.
    expect(screen.getByText("dashql work").tagName).toBe("CODE");
    expect(screen.queryByText(/`/)).toBeNull();
    expect(screen.getByLabelText(/^Owner/)).toHaveValue("demo");
    await userEvent.type(screen.getByLabelText(/^Run directory/), "/data/runs/new");
    await userEvent.click(screen.getByRole("button", { name: "Enqueue run" }));
    expect(await screen.findByText("Run #7 (/data/runs/new) is QUEUED.")).toBeInTheDocument();
    expect(await screen.findByRole("link", { name: "#7" })).toBeInTheDocument();
    expect(api.callsOf("EnqueueRun")[0].variables).toEqual({
      run: { runDir: "/data/runs/new", owner: "demo", host: null, site: null, runTag: null, userTag: null },
    });
  });

  it("puts the server's field error on the run directory", async () => {
    renderSignedIn("/runs", {
      RunList: () => list([]),
      EnqueueRun: () => gqlError("BAD_USER_INPUT", "runs[0].runDir must not contain a NUL character", { field: "runs[0].runDir" }),
    });
    await userEvent.type(await screen.findByLabelText(/^Run directory/), "/bad");
    await userEvent.click(screen.getByRole("button", { name: "Enqueue run" }));
    await waitFor(() => expect(screen.getByLabelText(/^Run directory/)).toHaveAttribute("aria-invalid", "true"));
    expect(screen.getByLabelText(/^Run directory/)).toHaveAccessibleDescription(/must not contain a NUL character/);
  });

  it("purges only after confirmation", async () => {
    let remaining = [run("1", "QUEUED"), run("2", "QUEUED")];
    const { api } = renderSignedIn("/runs", {
      RunList: () => list(remaining),
      PurgeQueue: () => {
        const n = remaining.length;
        remaining = [];
        return { data: { purgeQueue: n } };
      },
    });
    await screen.findByRole("link", { name: "#1" });
    await userEvent.click(screen.getByRole("button", { name: "Purge queued runs…" }));
    const dialog = screen.getByRole("alertdialog", { name: "Purge the queue?" });
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(api.callsOf("PurgeQueue")).toHaveLength(0);
    expect(screen.getByRole("link", { name: "#1" })).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Purge queued runs…" }));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Yes, purge" }));
    expect(await screen.findByText("Purged 2 queued runs.")).toBeInTheDocument();
    expect(await screen.findByText("The queue is empty.")).toBeInTheDocument();
    const sent = new Date(api.callsOf("PurgeQueue")[0].variables.timeToLiveAfter as string).getTime();
    expect(Math.abs(sent - Date.now())).toBeLessThan(5 * 60_000);
  });

  it("offers neither enqueue nor purge to a READER", async () => {
    renderSignedIn("/runs", { RunList: () => list([run("1", "SUCCEEDED", PASSED)]) }, "READER");
    await screen.findByRole("link", { name: "#1" });
    expect(screen.queryByRole("button", { name: /Purge/ })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Enqueue run" })).not.toBeInTheDocument();
  });

  it("shows loading and error states", async () => {
    const first = renderSignedIn("/runs", { RunList: never });
    expect(await screen.findByText(/Loading runs/)).toBeInTheDocument();
    first.unmount();
    renderSignedIn("/runs", { RunList: () => gqlError("QUERY_TOO_COMPLEX", "too complex") });
    expect(await screen.findByRole("alert")).toHaveTextContent("QUERY_TOO_COMPLEX");
  });
});

describe("run page", () => {
  const files = [
    { id: "10", fullName: "/data/runs/1/junit.xml", fileName: "junit.xml", fileType: "xml", fileSize: 1536, createdAt: "2024-06-01T10:01:00Z" },
    { id: "11", fullName: "/data/runs/1/run.log", fileName: "run.log", fileType: "log", fileSize: 3 * 1024 * 1024, createdAt: "2024-06-01T10:01:00Z" },
  ];

  it("shows the run, its summary and its files with readable sizes", async () => {
    renderSignedIn("/runs/1", { RunDetail: () => ({ data: { queueItem: { ...run("1", "SUCCEEDED", PASSED), files } } }) });
    expect(await screen.findByRole("heading", { level: 1, name: /Run #1/ })).toHaveTextContent("SUCCEEDED");
    expect(screen.getByRole("img", { name: "8 passed, 1 failed, 1 skipped of 10 tests" })).toBeInTheDocument();
    const rows = within(screen.getByRole("table")).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.textContent)).toEqual(["/data/runs/1/junit.xmlxml1.5 KiB", "/data/runs/1/run.loglog3 MiB"]);
  });

  it("cancels a QUEUED run", async () => {
    let status: QueueStatus = "QUEUED";
    const { api } = renderSignedIn("/runs/1", {
      RunDetail: () => ({ data: { queueItem: { ...run("1", status), files: [] } } }),
      CancelRun: () => {
        status = "CANCELLED";
        return { data: { cancelQueueItem: { id: "1", status } } };
      },
    });
    expect(await screen.findByText("Files appear once a worker has processed the run.")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Cancel run" }));
    await waitFor(() => expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("CANCELLED"));
    expect(api.callsOf("CancelRun")[0].variables).toEqual({ id: "1" });
  });

  it("says when there is no such run", async () => {
    renderSignedIn("/runs/9", { RunDetail: () => ({ data: { queueItem: null } }) });
    expect(await screen.findByRole("heading", { name: "Run not found" })).toBeInTheDocument();
  });
});
