import type { CompanyDetailQuery } from "../../generated/graphql";
import { ChartFrame } from "../../components/chart/chart-frame";
import { ColumnChart } from "../../components/chart/charts";
import { formatCompact, formatMoney } from "../../format";

type Finance = NonNullable<CompanyDetailQuery["company"]>["finances"][number];

const QUARTERS = [
  { key: "q1Earnings", label: "Q1", color: "#0072B2" },
  { key: "q2Earnings", label: "Q2", color: "#E69F00" },
  { key: "q3Earnings", label: "Q3", color: "#009E73" },
  { key: "q4Earnings", label: "Q4", color: "#CC79A7" },
] as const;

export interface EarningsChartProps {
  /** The company's name, for the chart's accessible title. */
  companyName: string;
  /** Finance rows in any order; the chart runs from the oldest year to the newest. */
  finances: readonly Finance[];
}

/**
 * Quarterly earnings as bars grouped by year, in the shared chart frame: drawn at
 * the container's width (text at page size on a phone), gridlines, an axis from 0
 * to a tick above the tallest bar, and the exact figure on hover or focus.
 */
export function EarningsChart({ companyName, finances }: EarningsChartProps) {
  const rows = [...finances].sort((a, b) => a.year - b.year);
  const title = `Quarterly earnings of ${companyName}, by year`;
  const desc = rows.map((f) => `${f.year}: ${QUARTERS.map((q) => `${q.label} ${formatMoney(f[q.key])}`).join(", ")}`).join("; ");
  return (
    <ChartFrame title={title} legend={QUARTERS.map((q) => ({ label: q.label, color: q.color }))}>
      {(width, showTip) => (
        <ColumnChart
          width={width}
          title={title}
          desc={desc}
          categories={rows.map((f) => String(f.year))}
          unit="earnings"
          format={formatCompact}
          series={QUARTERS.map((q) => ({ name: q.label, color: q.color, values: rows.map((f) => f[q.key]) }))}
          stacked={false}
          barClassName="earnings-bar"
          tip={(year, quarter, v) => `${year} ${quarter}: ${formatMoney(v)}`}
          showTip={showTip}
        />
      )}
    </ChartFrame>
  );
}
