import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { gqlError, never, type FakeAnswer } from "../../test/fake-api";
import { renderSignedIn } from "../../test/render";

const ALL = [
  { id: "1", name: "Stark Industries", ceo: "Pepper Potts", businessType: "Manufacturing" },
  { id: "2", name: "WayneCorp", ceo: "Bruce Wayne", businessType: "Multinational Conglomerate" },
];

function page(nodes: typeof ALL, hasNextPage = false, totalCount = nodes.length): FakeAnswer {
  return {
    data: {
      companies: {
        totalCount,
        edges: nodes.map((node) => ({ cursor: `c${node.id}`, node })),
        pageInfo: { hasNextPage, endCursor: nodes.length ? `c${nodes[nodes.length - 1].id}` : null },
      },
    },
  };
}

/** Filters like the server: a case-insensitive substring of the name. */
function search(variables: Record<string, unknown>): FakeAnswer {
  const filter = variables.filter as { nameContains?: string } | null;
  const needle = filter?.nameContains?.toLowerCase() ?? "";
  return page(ALL.filter((c) => c.name.toLowerCase().includes(needle)));
}

describe("companies list", () => {
  it("shows a loading state until the answer arrives", async () => {
    renderSignedIn("/companies", { CompanyList: never });
    expect(await screen.findByText(/Loading companies/)).toBeInTheDocument();
  });

  it("lists the companies with links to their pages", async () => {
    renderSignedIn("/companies", { CompanyList: search });
    const table = await screen.findByRole("table");
    expect(within(table).getByRole("link", { name: "Stark Industries" })).toHaveAttribute("href", "/companies/1");
    expect(within(table).getByText("Bruce Wayne")).toBeInTheDocument();
    expect(screen.getByText(/2 companies · page 1/)).toBeInTheDocument();
  });

  it("searches with the nameContains filter", async () => {
    const { api } = renderSignedIn("/companies", { CompanyList: search });
    await screen.findByRole("table");
    await userEvent.type(screen.getByRole("searchbox", { name: "Search by name" }), "stark");
    await waitFor(() => expect(screen.queryByText("WayneCorp")).not.toBeInTheDocument());
    expect(screen.getByRole("link", { name: "Stark Industries" })).toBeInTheDocument();
    expect(api.callsOf("CompanyList").at(-1)?.variables).toMatchObject({ filter: { nameContains: "stark" }, after: null });
  });

  it("says so when no name matches", async () => {
    renderSignedIn("/companies", { CompanyList: search });
    await screen.findByRole("table");
    await userEvent.type(screen.getByRole("searchbox"), "umbrella{Enter}");
    expect(await screen.findByText("No company name contains “umbrella”.")).toBeInTheDocument();
  });

  it("offers the first company to a writer when there are none", async () => {
    renderSignedIn("/companies", { CompanyList: () => page([]) }, "WRITER");
    expect(await screen.findByText("There are no companies yet.")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Create the first one" })).toHaveAttribute("href", "/companies/new");
  });

  it("hides creation from a READER", async () => {
    renderSignedIn("/companies", { CompanyList: search }, "READER");
    await screen.findByRole("table");
    expect(screen.queryByRole("link", { name: "New company" })).not.toBeInTheDocument();
  });

  it("pages forward with the end cursor and back again", async () => {
    const { api } = renderSignedIn("/companies", {
      CompanyList: (v) => (v.after === "c1" ? page([ALL[1]], false, 2) : page([ALL[0]], true, 2)),
    });
    await screen.findByRole("link", { name: "Stark Industries" });
    expect(screen.getByRole("button", { name: "Previous page" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Next page" }));
    expect(await screen.findByRole("link", { name: "WayneCorp" })).toBeInTheDocument();
    expect(api.callsOf("CompanyList").at(-1)?.variables.after).toBe("c1");
    expect(screen.getByRole("button", { name: "Next page" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Previous page" }));
    expect(await screen.findByRole("link", { name: "Stark Industries" })).toBeInTheDocument();
  });

  it("shows the server's error and retries", async () => {
    let fail = true;
    renderSignedIn("/companies", {
      CompanyList: (v) => (fail ? gqlError("SERVICE_UNAVAILABLE", "the database is unavailable; retry shortly") : search(v)),
      EarningsByBusinessType: never, // the page's earnings chart keeps loading: the one alert is the list's
    });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("the database is unavailable");
    expect(alert).toHaveTextContent("SERVICE_UNAVAILABLE");
    fail = false;
    await userEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("link", { name: "Stark Industries" })).toBeInTheDocument();
  });
});
