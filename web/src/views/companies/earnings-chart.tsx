import { Bar, VictoryAxis, VictoryBar, VictoryChart, VictoryGroup, VictoryLegend, VictoryTooltip } from "victory";
import type { CompanyDetailQuery } from "../../generated/graphql";
import { formatCompact, formatMoney } from "../../format";

type Finance = NonNullable<CompanyDetailQuery["company"]>["finances"][number];

const QUARTERS = [
  { key: "q1Earnings", label: "Q1", color: "#1f77b4" },
  { key: "q2Earnings", label: "Q2", color: "#ff7f0e" },
  { key: "q3Earnings", label: "Q3", color: "#2ca02c" },
  { key: "q4Earnings", label: "Q4", color: "#9467bd" },
] as const;

export interface EarningsChartProps {
  /** The company's name, for the chart's accessible title. */
  companyName: string;
  /** Finance rows in any order; the chart runs from the oldest year to the newest. */
  finances: readonly Finance[];
}

/**
 * Quarterly earnings as bars grouped by year. Victory draws SVG with React
 * components, so the chart is bundled (no CDN), scales with its container on a
 * narrow screen (viewBox), carries a <title>/<desc> for screen readers, and its
 * bars are DOM nodes that component tests and the e2e run can count.
 */
export function EarningsChart({ companyName, finances }: EarningsChartProps) {
  const rows = [...finances].sort((a, b) => a.year - b.year);
  const years = rows.map((f) => String(f.year));
  const title = `Quarterly earnings of ${companyName}`;
  const desc = rows
    .map((f) => `${f.year}: ${QUARTERS.map((q) => `${q.label} ${formatMoney(f[q.key])}`).join(", ")}`)
    .join("; ");
  return (
    <figure className="chart" aria-labelledby="earnings-chart-caption">
      <figcaption id="earnings-chart-caption">{title}, by year</figcaption>
      <VictoryChart
        title={title}
        desc={desc}
        width={640}
        height={320}
        padding={{ top: 40, bottom: 40, left: 64, right: 16 }}
        domainPadding={{ x: rows.length > 1 ? 60 : 120 }}
        categories={{ x: years }}
      >
        <VictoryLegend
          x={64}
          y={4}
          orientation="horizontal"
          gutter={16}
          data={QUARTERS.map((q) => ({ name: q.label, symbol: { fill: q.color } }))}
        />
        <VictoryAxis />
        <VictoryAxis dependentAxis tickFormat={(t: number) => formatCompact(t)} />
        <VictoryGroup offset={Math.max(6, Math.min(18, 200 / Math.max(1, rows.length * 4)))}>
          {QUARTERS.map((q) => (
            <VictoryBar
              key={q.key}
              name={`bars-${q.label}`}
              barWidth={Math.max(5, Math.min(16, 180 / Math.max(1, rows.length * 4)))}
              style={{ data: { fill: q.color } }}
              data={rows.filter((f) => f[q.key] !== null).map((f) => ({ x: String(f.year), y: f[q.key] as number, quarter: q.label }))}
              labels={({ datum }: { datum: { x: string; y: number; quarter: string } }) =>
                `${datum.x} ${datum.quarter}: ${formatMoney(datum.y)}`
              }
              labelComponent={<VictoryTooltip />}
              dataComponent={<Bar className="earnings-bar" />}
            />
          ))}
        </VictoryGroup>
      </VictoryChart>
    </figure>
  );
}
