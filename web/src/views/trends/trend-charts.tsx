import { useMemo, useState } from "react";
import { useQuery } from "../../api/hooks";
import { browserTimeZone, ChartFrame, formatDay, lastDays, RangePicker, SERIES_COLORS, type RangeDays } from "../../components/chart/chart-frame";
import { BarListChart, ColumnChart, LineChart } from "../../components/chart/charts";
import { EmptyState, ErrorState, Loading } from "../../components/states";
import {
  TrendsBytesByHostDocument,
  TrendsFailuresByHostDocument,
  TrendsPassRateDocument,
  TrendsRunsByStatusDocument,
  type QueueStatus,
} from "../../generated/graphql";
import type { ApiError } from "../../api/client";

const count = new Intl.NumberFormat("en-US");
const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;

/** The days of the range (local midnights in the browser's zone) and the variables every day chart sends. */
function useRange(initial: RangeDays = 30) {
  const [days, setDays] = useState<RangeDays>(initial);
  const timeZone = browserTimeZone();
  // Recomputed when the range changes; "today" is the day the view was opened or the range last changed.
  const range = useMemo(() => {
    const dates = lastDays(days);
    return { dates, from: dates[0].toISOString(), labels: dates.map(formatDay) };
  }, [days]);
  return { days, setDays, timeZone, ...range };
}

/** Loading, error or empty in place of the chart. */
function chartState(loading: boolean, error: ApiError | undefined, refetch: () => void, empty: boolean, emptyText: string, what: string) {
  if (error) return <ErrorState error={error} onRetry={refetch} />;
  if (loading) return <Loading label={what} />;
  if (empty) return <EmptyState title={emptyText} />;
  return undefined;
}

/** Index of each bucket (an ISO instant) among the range's local midnights. */
function dayIndex(dates: Date[]) {
  const byTime = new Map(dates.map((d, i) => [d.getTime(), i]));
  return (bucket: string | null) => (bucket === null ? undefined : byTime.get(Date.parse(bucket)));
}

export function PassRateChart() {
  const range = useRange();
  const { data, error, loading, refetch } = useQuery(TrendsPassRateDocument, { from: range.from, timeZone: range.timeZone });
  const rates: (number | null)[] = range.dates.map(() => null);
  const index = dayIndex(range.dates);
  for (const g of data?.runAggregates ?? []) {
    const i = index(g.bucket);
    if (i !== undefined) rates[i] = g.passRate;
  }
  const title = `Pass rate per day, last ${range.days} days (%)`;
  const desc = rates.flatMap((r, i) => (r === null ? [] : [`${range.labels[i]}: ${percent(r)}`])).join("; ");
  return (
    <ChartFrame
      title={title}
      controls={<RangePicker value={range.days} onChange={range.setDays} />}
      state={chartState(loading, error, refetch, rates.every((r) => r === null), "No summarized runs in this range.", "the pass rate")}
    >
      {(width, showTip) => (
        <LineChart
          width={width}
          title={title}
          desc={desc}
          categories={range.labels}
          unit="pass rate (%)"
          format={(v) => `${Math.round(v * 100)}%`}
          values={rates}
          max={1}
          color={SERIES_COLORS[0]}
          series="pass rate"
          tip={(day, _s, v) => `${day}: ${percent(v)} passed`}
          showTip={showTip}
        />
      )}
    </ChartFrame>
  );
}

const STATUS_COLORS: Record<QueueStatus, string> = {
  SUCCEEDED: "#2e7d32",
  FAILED: "#c62828",
  CANCELLED: "#9e9e9e",
  RUNNING: "#E69F00",
  QUEUED: "#0072B2",
};
const STACK_ORDER: QueueStatus[] = ["SUCCEEDED", "FAILED", "CANCELLED", "RUNNING", "QUEUED"];

export function RunsByStatusChart() {
  const range = useRange();
  const { data, error, loading, refetch } = useQuery(TrendsRunsByStatusDocument, { from: range.from, timeZone: range.timeZone });
  const index = dayIndex(range.dates);
  const byStatus = new Map<QueueStatus, (number | null)[]>();
  for (const g of data?.runAggregates ?? []) {
    const i = index(g.bucket);
    if (i === undefined || g.status === null) continue;
    if (!byStatus.has(g.status)) byStatus.set(g.status, range.dates.map(() => null));
    byStatus.get(g.status)![i] = g.runs;
  }
  const series = STACK_ORDER.filter((s) => byStatus.has(s)).map((s) => ({ name: s, color: STATUS_COLORS[s], values: byStatus.get(s)! }));
  const title = `Runs per day by status, last ${range.days} days (runs)`;
  const desc = range.labels
    .flatMap((day, i) => {
      const parts = series.flatMap((s) => (s.values[i] ? [`${s.name} ${s.values[i]}`] : []));
      return parts.length ? [`${day}: ${parts.join(", ")}`] : [];
    })
    .join("; ");
  return (
    <ChartFrame
      title={title}
      controls={<RangePicker value={range.days} onChange={range.setDays} />}
      legend={series.map((s) => ({ label: s.name, color: s.color }))}
      state={chartState(loading, error, refetch, series.length === 0, "No runs in this range.", "the runs")}
    >
      {(width, showTip) => (
        <ColumnChart
          width={width}
          title={title}
          desc={desc}
          categories={range.labels}
          unit="runs"
          format={(v) => count.format(v)}
          series={series}
          stacked
          integer
          tip={(day, status, v) => `${day}: ${count.format(v)} ${status}`}
          showTip={showTip}
        />
      )}
    </ChartFrame>
  );
}

export function FailuresByHostChart() {
  const range = useRange();
  const { data, error, loading, refetch } = useQuery(TrendsFailuresByHostDocument, { from: range.from });
  // Most failures first: the host to look at is on top.
  const groups = [...(data?.runAggregates ?? [])].sort((a, b) => b.failures - a.failures || (a.host ?? "").localeCompare(b.host ?? ""));
  const hosts = groups.map((g) => g.host ?? "(no host)");
  const title = `Failed tests by host, last ${range.days} days (tests)`;
  const desc = groups.map((g, i) => `${hosts[i]}: ${count.format(g.failures)} failures in ${count.format(g.runs)} runs`).join("; ");
  return (
    <ChartFrame
      title={title}
      controls={<RangePicker value={range.days} onChange={range.setDays} />}
      state={chartState(loading, error, refetch, groups.length === 0, "No runs in this range.", "the failures")}
    >
      {(width, showTip) => (
        <BarListChart
          width={width}
          title={title}
          desc={desc}
          categories={hosts}
          unit="failed tests"
          format={(v) => count.format(v)}
          values={groups.map((g) => g.failures)}
          integer
          color={STATUS_COLORS.FAILED}
          series="failures"
          tip={(host, _s, v) => `${host}: ${count.format(v)} failed tests`}
          showTip={showTip}
        />
      )}
    </ChartFrame>
  );
}

const UNITS = [
  { name: "B", size: 1 },
  { name: "KiB", size: 1024 },
  { name: "MiB", size: 1024 ** 2 },
  { name: "GiB", size: 1024 ** 3 },
  { name: "TiB", size: 1024 ** 4 },
];

/** The largest binary unit the maximum reaches at least once, so the axis reads "120 GiB" rather than "128,849,018,880". */
export function byteUnit(max: number) {
  return [...UNITS].reverse().find((u) => max >= u.size) ?? UNITS[0];
}

export function BytesByHostChart() {
  const range = useRange();
  const { data, error, loading, refetch } = useQuery(TrendsBytesByHostDocument, { createdAfter: range.from });
  const groups = [...(data?.fileAggregates ?? [])].sort((a, b) => b.bytes - a.bytes || (a.host ?? "").localeCompare(b.host ?? ""));
  const unit = byteUnit(Math.max(0, ...groups.map((g) => g.bytes)));
  const hosts = groups.map((g) => g.host ?? "(no host)");
  const title = `Tracked bytes by host, files registered in the last ${range.days} days (${unit.name})`;
  const desc = groups.map((g, i) => `${hosts[i]}: ${count.format(g.bytes)} bytes in ${count.format(g.files)} files`).join("; ");
  const inUnit = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
  return (
    <ChartFrame
      title={title}
      controls={<RangePicker value={range.days} onChange={range.setDays} />}
      state={chartState(loading, error, refetch, groups.length === 0, "No files registered in this range.", "the tracked bytes")}
    >
      {(width, showTip) => (
        <BarListChart
          width={width}
          title={title}
          desc={desc}
          categories={hosts}
          unit={unit.name}
          format={(v) => inUnit.format(v)}
          values={groups.map((g) => g.bytes / unit.size)}
          color={SERIES_COLORS[0]}
          series="bytes"
          tip={(host, _s, v) => {
            const g = groups[hosts.indexOf(host)];
            return `${host}: ${inUnit.format(v)} ${unit.name} (${count.format(g.bytes)} bytes, ${count.format(g.files)} files)`;
          }}
          showTip={showTip}
        />
      )}
    </ChartFrame>
  );
}
