import { useState } from "react";
import { useQuery } from "../../api/hooks";
import { ChartFrame, SERIES_COLORS } from "../../components/chart/chart-frame";
import { ColumnChart } from "../../components/chart/charts";
import { EmptyState, ErrorState, Loading } from "../../components/states";
import { formatCompact, formatMoney } from "../../format";
import { EarningsByBusinessTypeDocument } from "../../generated/graphql";

const YEAR_RANGES = [3, 5, 10] as const;
type YearRange = (typeof YEAR_RANGES)[number];

/**
 * Total earnings per year, stacked by business type (financeAggregates grouped by
 * YEAR and BUSINESS_TYPE). Finances are yearly, so its range picker counts years.
 */
export function EarningsByTypeChart({ thisYear = new Date().getFullYear() }: { thisYear?: number }) {
  const [years, setYears] = useState<YearRange>(5);
  const fromYear = thisYear - years + 1;
  const { data, error, loading, refetch } = useQuery(EarningsByBusinessTypeDocument, { fromYear });
  const groups = data?.financeAggregates ?? [];
  const yearList = Array.from({ length: years }, (_, i) => fromYear + i);
  const types = [...new Set(groups.map((g) => g.businessType))];
  const series = types.map((type, i) => ({
    name: type ?? "(no business type)",
    color: SERIES_COLORS[i % SERIES_COLORS.length],
    values: yearList.map((year) => groups.find((g) => g.year === year && g.businessType === type)?.sum.total ?? null),
  }));
  const title = `Total earnings per year by business type, ${fromYear}–${thisYear}`;
  const desc = yearList
    .flatMap((year, i) => {
      const parts = series.flatMap((s) => (s.values[i] === null ? [] : [`${s.name} ${formatMoney(s.values[i])}`]));
      return parts.length ? [`${year}: ${parts.join(", ")}`] : [];
    })
    .join("; ");
  const state = error ? (
    <ErrorState error={error} onRetry={refetch} />
  ) : loading ? (
    <Loading label="the earnings" />
  ) : series.length === 0 ? (
    <EmptyState title="No finance rows in these years." />
  ) : undefined;
  return (
    <ChartFrame
      title={title}
      legend={series.map((s) => ({ label: s.name, color: s.color }))}
      state={state}
      controls={
        <div className="field inline">
          <label htmlFor="earnings-years">Time range</label>
          <select id="earnings-years" value={years} onChange={(e) => setYears(Number(e.target.value) as YearRange)}>
            {YEAR_RANGES.map((n) => (
              <option key={n} value={n}>
                Last {n} years
              </option>
            ))}
          </select>
        </div>
      }
    >
      {(width, showTip) => (
        <ColumnChart
          width={width}
          title={title}
          desc={desc}
          categories={yearList.map(String)}
          unit="earnings (sum of yearly totals)"
          format={formatCompact}
          series={series}
          stacked
          tip={(year, type, v) => `${year}, ${type}: ${formatMoney(v)}`}
          showTip={showTip}
        />
      )}
    </ChartFrame>
  );
}
