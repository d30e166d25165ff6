import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { gqlError, never, type FakeAnswer } from "../../test/fake-api";
import { renderSignedIn } from "../../test/render";

const FILES = [
  { id: "1", host: "ci-1", runDir: "/runs/a", fullName: "/runs/a/junit.xml", fileName: "junit.xml", fileType: "xml", fileSize: 1536 },
  { id: "2", host: "ci-2", runDir: "/runs/b", fullName: "/runs/b/big.log", fileName: "big.log", fileType: "log", fileSize: 5 * 1024 ** 3 },
  { id: "3", host: "ci-1", runDir: "/runs/a", fullName: "/runs/a/README", fileName: "README", fileType: "", fileSize: 12 },
].map((f) => ({ ...f, createdAt: "2024-06-01T10:00:00Z", queueItem: f.id === "1" ? { id: "5", status: "SUCCEEDED" } : null }));

/** Filters like the server: host and runDir exact, fileType case-insensitive. */
function answer(variables: Record<string, unknown>): FakeAnswer {
  const f = (variables.filter ?? {}) as { host?: string | null; runDir?: string | null; fileType?: string | null };
  const nodes = FILES.filter(
    (x) => (!f.host || x.host === f.host) && (!f.runDir || x.runDir === f.runDir) && (!f.fileType || x.fileType === f.fileType.toLowerCase()),
  );
  return {
    data: { files: { totalCount: nodes.length, edges: nodes.map((node) => ({ cursor: node.id, node })), pageInfo: { hasNextPage: false, endCursor: null } } },
  };
}

describe("files view", () => {
  it("lists files with human-readable sizes and links to their runs", async () => {
    renderSignedIn("/files", { FileList: answer });
    const table = await screen.findByRole("table");
    const sizes = within(table)
      .getAllByRole("row")
      .slice(1)
      .map((r) => r.querySelector(".num")!.textContent);
    expect(sizes).toEqual(["1.5 KiB", "5 GiB", "12 B"]);
    expect(within(table).getByText("5 GiB")).toHaveAttribute("title", `${5 * 1024 ** 3} bytes`);
    expect(within(table).getByRole("link", { name: "#5" })).toHaveAttribute("href", "/runs/5");
  });

  it("filters by host, run directory and type (a leading dot is dropped)", async () => {
    const { api } = renderSignedIn("/files", { FileList: answer });
    await screen.findByRole("table");
    await userEvent.type(screen.getByLabelText("Host"), "ci-1");
    await userEvent.type(screen.getByLabelText("Run directory"), "/runs/a");
    await userEvent.type(screen.getByLabelText("Type"), ".XML");
    await userEvent.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() => expect(screen.queryByText("/runs/a/README")).not.toBeInTheDocument());
    expect(screen.getByText("/runs/a/junit.xml")).toBeInTheDocument();
    expect(api.callsOf("FileList").at(-1)?.variables.filter).toEqual({ host: "ci-1", runDir: "/runs/a", fileType: "XML" });

    await userEvent.click(screen.getByRole("button", { name: "Clear" }));
    expect(await screen.findByText("/runs/b/big.log")).toBeInTheDocument();
    expect(screen.getByLabelText("Host")).toHaveValue("");
  });

  it("says when nothing matches the filters, and when nothing is tracked", async () => {
    renderSignedIn("/files", { FileList: answer });
    await screen.findByRole("table");
    await userEvent.type(screen.getByLabelText("Host"), "nowhere{Enter}");
    expect(await screen.findByText("No file matches these filters.")).toBeInTheDocument();
  });

  it("names the command that registers files as code, not in literal backticks", async () => {
    const none: FakeAnswer = { data: { files: { totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } } } };
    renderSignedIn("/files", { FileList: () => none });
    expect(await screen.findByText("No files are tracked yet.")).toBeInTheDocument();
    expect(screen.getByText("dashql scan").tagName).toBe("CODE");
    expect(screen.queryByText(/`/)).toBeNull();
  });

  it("shows loading and error states", async () => {
    const first = renderSignedIn("/files", { FileList: never });
    expect(await screen.findByText(/Loading files/)).toBeInTheDocument();
    first.unmount();
    renderSignedIn("/files", { FileList: () => ({ ...gqlError("FORBIDDEN", "your role does not allow this"), status: 200 }) });
    expect(await screen.findByRole("alert")).toHaveTextContent("Your role does not allow this.");
  });
});
