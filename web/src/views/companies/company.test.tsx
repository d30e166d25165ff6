import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { gqlError, never } from "../../test/fake-api";
import { renderSignedIn } from "../../test/render";

const STARK = {
  id: "1",
  name: "Stark Industries",
  ceo: "Pepper Potts",
  businessType: "Manufacturing",
  createdAt: "2024-01-01T00:00:00.000Z",
  updatedAt: "2024-01-01T00:00:00.000Z",
  finances: [
    { id: "3", year: 2023, q1Earnings: 2390.75, q2Earnings: 2512, q3Earnings: 2475.5, q4Earnings: 2931.25, totalEarnings: 10309.5 },
    { id: "2", year: 2022, q1Earnings: 2105, q2Earnings: 2250.5, q3Earnings: 2199.25, q4Earnings: 2688, totalEarnings: 9242.75 },
    { id: "1", year: 2021, q1Earnings: 1820.5, q2Earnings: null, q3Earnings: 1977, q4Earnings: 2410.75, totalEarnings: 6208.25 },
  ],
};

describe("company page", () => {
  it("draws quarterly earnings per year and lists the same numbers", async () => {
    const { api, container } = renderSignedIn("/companies/1", { CompanyDetail: () => ({ data: { company: STARK } }) });
    expect(await screen.findByRole("heading", { level: 1, name: "Stark Industries" })).toBeInTheDocument();
    expect(api.callsOf("CompanyDetail")[0].variables).toEqual({ id: "1" });

    const figure = screen.getByRole("figure", { name: /Quarterly earnings of Stark Industries/ });
    const svg = figure.querySelector("svg")!;
    expect(svg.querySelector("title")).toHaveTextContent("Quarterly earnings of Stark Industries");
    expect(svg.querySelector("desc")).toHaveTextContent("2021: Q1 1,820.50, Q2 —");
    // 3 years × 4 quarters, less the one missing quarter
    expect(container.querySelectorAll("svg .chart-bar")).toHaveLength(11);
    for (const year of ["2021", "2022", "2023"]) expect(within(svg as unknown as HTMLElement).getAllByText(year).length).toBeGreaterThan(0);

    const table = screen.getByRole("table", { name: /Quarterly earnings of Stark Industries/ });
    const rows = within(table).getAllByRole("row");
    expect(rows.map((r) => r.textContent)).toEqual([
      "YearQ1Q2Q3Q4Total",
      "20232,390.752,512.002,475.502,931.2510,309.50",
      "20222,105.002,250.502,199.252,688.009,242.75",
      "20211,820.50—1,977.002,410.756,208.25",
    ]);
  });

  it("shows a loading state", async () => {
    renderSignedIn("/companies/1", { CompanyDetail: never });
    expect(await screen.findByText(/Loading the company/)).toBeInTheDocument();
  });

  it("says when the company has no finance rows, without a chart", async () => {
    renderSignedIn("/companies/1", { CompanyDetail: () => ({ data: { company: { ...STARK, finances: [] } } }) });
    expect(await screen.findByText("No finance rows for this company yet.")).toBeInTheDocument();
    expect(screen.queryByRole("figure")).not.toBeInTheDocument();
  });

  it("says when there is no such company", async () => {
    renderSignedIn("/companies/99", { CompanyDetail: () => ({ data: { company: null } }) });
    expect(await screen.findByRole("heading", { name: "Company not found" })).toBeInTheDocument();
    expect(screen.getByText("There is no company with id 99.")).toBeInTheDocument();
  });

  it("shows an error with its code", async () => {
    renderSignedIn("/companies/1", { CompanyDetail: () => gqlError("BAD_USER_INPUT", 'id must be a positive integer (got "x")') });
    expect(await screen.findByRole("alert")).toHaveTextContent("BAD_USER_INPUT");
  });
});
