import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { browserTimeZone, lastDays, niceTicks } from "../../components/chart/chart-frame";
import { gqlError, never, type FakeAnswer } from "../../test/fake-api";
import { renderSignedIn } from "../../test/render";
import { byteUnit } from "./trend-charts";

/** Buckets as the server sends them: the local midnight of each day, as an ISO instant. */
const days = (n: number) => lastDays(n).map((d) => d.toISOString());

function handlers(overrides: Record<string, (v: Record<string, unknown>) => FakeAnswer | Promise<FakeAnswer>> = {}) {
  return {
    TrendsPassRate: () => {
      const d = days(30);
      return {
        data: {
          runAggregates: [
            { bucket: d[27], runs: 4, summarized: 4, tests: 100, failures: 10, errors: 0, skipped: 0, passRate: 0.9 },
            { bucket: d[29], runs: 2, summarized: 2, tests: 40, failures: 1, errors: 1, skipped: 0, passRate: 0.95 },
          ],
        },
      };
    },
    TrendsRunsByStatus: () => {
      const d = days(30);
      return {
        data: {
          runAggregates: [
            { bucket: d[28], status: "FAILED", runs: 2 },
            { bucket: d[28], status: "SUCCEEDED", runs: 5 },
            { bucket: d[29], status: "SUCCEEDED", runs: 3 },
          ],
        },
      };
    },
    TrendsFailuresByHost: () => ({
      data: {
        runAggregates: [
          { host: "build-01", runs: 10, failures: 3, errors: 0 },
          { host: "build-02", runs: 4, failures: 12, errors: 1 },
          { host: null, runs: 1, failures: 0, errors: 0 },
        ],
      },
    }),
    TrendsBytesByHost: () => ({ data: { fileAggregates: [{ host: "build-01", files: 3, bytes: 3 * 1024 ** 3 }] } }),
    ...overrides,
  };
}

describe("trends view", () => {
  it("draws four charts whose titles and descriptions list their figures, with the browser's time zone", async () => {
    const { api } = renderSignedIn("/trends", handlers());
    expect(await screen.findByRole("heading", { level: 1, name: "Trends" })).toBeInTheDocument();

    const passRate = await screen.findByRole("figure", { name: /Pass rate per day, last 30 days/ });
    await waitFor(() => expect(passRate.querySelector("svg desc")).toBeTruthy());
    const labels = lastDays(30).map((d) => new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric" }).format(d));
    expect(passRate.querySelector("svg title")).toHaveTextContent("Pass rate per day, last 30 days (%)");
    expect(passRate.querySelector("svg desc")).toHaveTextContent(`${labels[27]}: 90.0%; ${labels[29]}: 95.0%`);
    expect(passRate.querySelectorAll(".chart-point")).toHaveLength(2);

    const runs = screen.getByRole("figure", { name: /Runs per day by status/ });
    await waitFor(() => expect(runs.querySelector("svg desc")).toHaveTextContent(`${labels[28]}: SUCCEEDED 5, FAILED 2; ${labels[29]}: SUCCEEDED 3`));
    expect(runs.querySelectorAll(".chart-bar")).toHaveLength(3);
    expect(within(runs).getByRole("list", { name: "Legend" })).toHaveTextContent("SUCCEEDEDFAILED");

    const failures = screen.getByRole("figure", { name: /Failed tests by host/ });
    // Most failures first.
    await waitFor(() =>
      expect(failures.querySelector("svg desc")).toHaveTextContent("build-02: 12 failures in 4 runs; build-01: 3 failures in 10 runs; (no host): 0 failures in 1 runs"),
    );

    const bytes = screen.getByRole("figure", { name: /Tracked bytes by host.*\(GiB\)/ });
    await waitFor(() => expect(bytes.querySelector("svg desc")).toHaveTextContent("build-01: 3,221,225,472 bytes in 3 files"));

    const timeZone = browserTimeZone();
    expect(screen.getByText(new RegExp(`your time zone, ${timeZone.replace("/", "\\/")}`))).toBeInTheDocument();
    const from = lastDays(30)[0].toISOString();
    expect(api.callsOf("TrendsPassRate")[0].variables).toEqual({ from, timeZone });
    expect(api.callsOf("TrendsRunsByStatus")[0].variables).toEqual({ from, timeZone });
    expect(api.callsOf("TrendsFailuresByHost")[0].variables).toEqual({ from });
    expect(api.callsOf("TrendsBytesByHost")[0].variables).toEqual({ createdAfter: from });
  });

  it("shows the exact figure on keyboard focus and on hover", async () => {
    renderSignedIn("/trends", handlers());
    const failures = await screen.findByRole("figure", { name: /Failed tests by host/ });
    const bars = await waitFor(() => {
      const found = failures.querySelectorAll<SVGGElement>(".chart-bar");
      expect(found).toHaveLength(3);
      return found;
    });
    expect(bars[0]).toHaveAttribute("tabindex", "0");
    expect(bars[0]).toHaveAttribute("aria-label", "build-02: 12 failed tests");
    fireEvent.focus(bars[0]);
    expect(within(failures).getByRole("status")).toHaveTextContent("build-02: 12 failed tests");
    fireEvent.blur(bars[0]);
    expect(within(failures).queryByText("build-02: 12 failed tests", { selector: ".chart-tooltip" })).not.toBeInTheDocument();
    fireEvent.mouseEnter(bars[1]);
    expect(failures.querySelector(".chart-tooltip")).toHaveTextContent("build-01: 3 failed tests");
  });

  it("asks again for the range picked: 7 days", async () => {
    const { api } = renderSignedIn("/trends", handlers());
    const chart = await screen.findByRole("figure", { name: /Pass rate per day, last 30 days/ });
    await userEvent.selectOptions(within(chart).getByRole("combobox", { name: "Time range" }), "7");
    await waitFor(() => expect(api.callsOf("TrendsPassRate").at(-1)?.variables).toMatchObject({ from: lastDays(7)[0].toISOString() }));
    expect(await screen.findByRole("figure", { name: /Pass rate per day, last 7 days/ })).toBeInTheDocument();
  });

  it("has loading, empty and error states per chart", async () => {
    renderSignedIn(
      "/trends",
      handlers({
        TrendsPassRate: never,
        TrendsRunsByStatus: () => ({ data: { runAggregates: [] } }),
        TrendsFailuresByHost: () => gqlError("BAD_USER_INPUT", 'timeZone "Mars/Olympus" is not a known IANA time zone'),
      }),
    );
    const passRate = await screen.findByRole("figure", { name: /Pass rate/ });
    expect(within(passRate).getByText(/Loading the pass rate/)).toBeInTheDocument();
    const runs = screen.getByRole("figure", { name: /Runs per day/ });
    expect(await within(runs).findByText("No runs in this range.")).toBeInTheDocument();
    const failures = screen.getByRole("figure", { name: /Failed tests by host/ });
    expect(await within(failures).findByRole("alert")).toHaveTextContent("BAD_USER_INPUT");
  });
});

describe("chart axes", () => {
  it("start at 0 and end on a tick above the maximum", () => {
    expect(niceTicks(10309.5)).toEqual([0, 2500, 5000, 7500, 10000, 12500]);
    expect(niceTicks(10)).toEqual([0, 2, 4, 6, 8, 10, 12]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it("picks the largest binary unit the maximum reaches", () => {
    expect(byteUnit(3 * 1024 ** 3).name).toBe("GiB");
    expect(byteUnit(1000).name).toBe("B");
  });
});
