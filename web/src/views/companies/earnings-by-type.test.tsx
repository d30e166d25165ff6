import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { gqlError, type FakeAnswer } from "../../test/fake-api";
import { renderSignedIn } from "../../test/render";

const thisYear = new Date().getFullYear();
const list: FakeAnswer = { data: { companies: { totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } } } };

describe("companies page: earnings by business type", () => {
  it("stacks each year's total earnings by business type, with the figures in <desc> and on focus", async () => {
    const { api } = renderSignedIn("/companies", {
      CompanyList: () => list,
      EarningsByBusinessType: () => ({
        data: {
          financeAggregates: [
            { year: thisYear - 1, businessType: "Retail", companies: 2, sum: { total: 1500.5 } },
            { year: thisYear - 1, businessType: null, companies: 1, sum: { total: 200 } },
            { year: thisYear, businessType: "Retail", companies: 2, sum: { total: 1800 } },
          ],
        },
      }),
    });
    const chart = await screen.findByRole("figure", { name: /Total earnings per year by business type/ });
    await waitFor(() =>
      expect(chart.querySelector("svg desc")).toHaveTextContent(`${thisYear - 1}: Retail 1,500.50, (no business type) 200.00; ${thisYear}: Retail 1,800.00`),
    );
    expect(api.callsOf("EarningsByBusinessType")[0].variables).toEqual({ fromYear: thisYear - 4 });
    const bars = chart.querySelectorAll(".chart-bar");
    expect(bars).toHaveLength(3);
    fireEvent.focus(chart.querySelector(`[aria-label^="${thisYear - 1}, Retail"]`)!);
    expect(chart.querySelector(".chart-tooltip")).toHaveTextContent(`${thisYear - 1}, Retail: 1,500.50`);

    await userEvent.selectOptions(within(chart).getByRole("combobox", { name: "Time range" }), "10");
    await waitFor(() => expect(api.callsOf("EarningsByBusinessType").at(-1)?.variables).toEqual({ fromYear: thisYear - 9 }));
  });

  it("shows its own empty and error states", async () => {
    renderSignedIn("/companies", { CompanyList: () => list, EarningsByBusinessType: () => ({ data: { financeAggregates: [] } }) });
    expect(await screen.findByText("No finance rows in these years.")).toBeInTheDocument();
  });

  it("shows an error with its code", async () => {
    renderSignedIn("/companies", { CompanyList: () => list, EarningsByBusinessType: () => gqlError("SERVICE_UNAVAILABLE", "the database is unavailable") });
    const chart = await screen.findByRole("figure", { name: /Total earnings per year/ });
    expect(await within(chart).findByRole("alert")).toHaveTextContent("SERVICE_UNAVAILABLE");
  });
});
