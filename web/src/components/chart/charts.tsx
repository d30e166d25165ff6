import { Bar, Point, VictoryAxis, VictoryBar, VictoryChart, VictoryGroup, VictoryLine, VictoryScatter, VictoryStack } from "victory";
import { AXIS_STYLE, FocusableDatum, niceTicks, VALUE_AXIS_STYLE, type ChartTooltip } from "./chart-frame";

/**
 * The three chart shapes of the dashboard, drawn 1:1 at the width ChartFrame
 * measured: columns over categories (stacked or grouped series), horizontal bars
 * per category, and a line with focusable points. Each has gridlines, a value
 * axis from 0 to a tick above the maximum, an axis label with the unit, and a
 * tooltip with the exact figure on hover and on keyboard focus.
 */

export interface Series {
  name: string;
  color: string;
  /** One value per category (null: no bar / a gap in the line). */
  values: (number | null)[];
}

interface Common {
  width: number;
  /** The SVG's <title>. */
  title: string;
  /** The SVG's <desc>: every figure in words. */
  desc: string;
  categories: string[];
  /** Value axis label, with its unit. */
  unit: string;
  format: (value: number) => string;
  /** The tooltip text of one value. */
  tip: (category: string, series: string, value: number) => string;
  showTip: (tip: ChartTooltip | null) => void;
  /** Counts (runs, tests): ticks on whole numbers only. */
  integer?: boolean;
}

/** Every k-th category label, so labels (~7 px per character) keep apart however narrow the chart. */
function categoryTicks(categories: string[], plotWidth: number): number[] {
  const count = categories.length;
  const minGap = Math.max(36, Math.max(0, ...categories.map((c) => c.length)) * 7 + 14);
  const every = Math.max(1, Math.ceil(count / Math.max(1, Math.floor(plotWidth / minGap))));
  return Array.from({ length: count }, (_, i) => i + 1).filter((i) => (i - 1) % every === 0);
}

type Datum = { x: number; y: number; category: string; series: string };

/** A function, not a component: VictoryChart recognizes its axes by their element type. */
function valueAxis(ticks: number[], unit: string, format: (v: number) => string) {
  return <VictoryAxis dependentAxis tickValues={ticks} tickFormat={(t: number) => format(t)} label={unit} style={VALUE_AXIS_STYLE} />;
}

/** Columns per category: `stacked` series on top of each other, else side by side. */
export function ColumnChart(props: Common & { series: Series[]; stacked: boolean; height?: number; barClassName?: string }) {
  const { width, title, desc, categories, unit, format, tip, showTip, series, stacked } = props;
  const height = props.height ?? 280;
  const padding = { top: 16, bottom: 44, left: 64, right: 12 };
  const plotWidth = Math.max(40, width - padding.left - padding.right);
  const totals = categories.map((_, i) =>
    stacked ? series.reduce((s, x) => s + Math.max(0, x.values[i] ?? 0), 0) : Math.max(0, ...series.map((x) => x.values[i] ?? 0)),
  );
  const ticks = niceTicks(Math.max(0, ...totals), 5, props.integer);
  const slot = plotWidth / Math.max(1, categories.length);
  const barWidth = Math.max(2, Math.min(48, stacked ? slot * 0.7 : (slot * 0.8) / Math.max(1, series.length)));
  const bars = series.map((s) => (
    <VictoryBar
      key={s.name}
      name={`bars-${s.name}`}
      barWidth={barWidth}
      style={{ data: { fill: s.color } }}
      data={s.values.flatMap((v, i): Datum[] => (v === null ? [] : [{ x: i + 1, y: v, category: categories[i], series: s.name }]))}
      dataComponent={
        <FocusableDatum label={(d: Datum) => tip(d.category, d.series, d.y)} onShow={showTip} className={`chart-bar ${props.barClassName ?? ""}`} skipZero={stacked}>
          <Bar />
        </FocusableDatum>
      }
    />
  ));
  return (
    <VictoryChart
      width={width}
      height={height}
      padding={padding}
      title={title}
      desc={desc}
      domain={{ x: [0.5, categories.length + 0.5], y: [0, ticks[ticks.length - 1]] }}
    >
      <VictoryAxis
        tickValues={categoryTicks(categories, plotWidth)}
        tickFormat={(t: number) => categories[t - 1] ?? ""}
        style={AXIS_STYLE}
      />
      {valueAxis(ticks, unit, format)}
      {stacked ? <VictoryStack>{bars}</VictoryStack> : <VictoryGroup offset={barWidth}>{bars}</VictoryGroup>}
    </VictoryChart>
  );
}

/** One horizontal bar per category, categories top to bottom as given; the chart grows with them. */
export function BarListChart(props: Common & { values: number[]; color: string; series: string }) {
  const { width, title, desc, categories, unit, format, tip, showTip, values, color, series } = props;
  const n = categories.length;
  const longest = Math.max(4, ...categories.map((c) => c.length));
  // ~7 px per character of 12 px text, at most 40% of the width for the labels.
  const left = Math.min(Math.round(width * 0.4), longest * 7 + 16);
  const padding = { top: 8, bottom: 48, left, right: 16 };
  const height = padding.top + padding.bottom + Math.max(1, categories.length) * 28;
  const ticks = niceTicks(Math.max(0, ...values), Math.max(2, Math.min(5, Math.floor((width - left) / 72))), props.integer);
  const ellipsis = (c: string) => (c.length * 7 + 16 > left ? `${c.slice(0, Math.max(3, Math.floor((left - 16) / 7) - 1))}…` : c);
  return (
    <VictoryChart
      horizontal
      width={width}
      height={height}
      padding={padding}
      title={title}
      desc={desc}
      domain={{ x: [0.5, categories.length + 0.5], y: [0, ticks[ticks.length - 1]] }}
    >
      {/* Victory puts x = 1 at the bottom of a horizontal chart: the first category gets the top slot, x = n. */}
      <VictoryAxis tickValues={categories.map((_, i) => i + 1)} tickFormat={(t: number) => ellipsis(categories[n - t] ?? "")} style={AXIS_STYLE} />
      {valueAxis(ticks, unit, format)}
      <VictoryBar
        barWidth={18}
        style={{ data: { fill: color } }}
        data={values.map((v, i): Datum => ({ x: n - i, y: v, category: categories[i], series }))}
        dataComponent={
          <FocusableDatum label={(d: Datum) => tip(d.category, d.series, d.y)} onShow={showTip} className="chart-bar">
            <Bar />
          </FocusableDatum>
        }
      />
    </VictoryChart>
  );
}

/** A line over categories with a focusable point per value; null values leave a gap. The value axis is fixed to `max` (e.g. 100 %). */
export function LineChart(props: Common & { values: (number | null)[]; color: string; series: string; max?: number }) {
  const { width, title, desc, categories, unit, format, tip, showTip, values, color, series } = props;
  const padding = { top: 16, bottom: 44, left: 64, right: 16 };
  const plotWidth = Math.max(40, width - padding.left - padding.right);
  const ticks = props.max !== undefined ? niceTicks(props.max * 0.999) : niceTicks(Math.max(0, ...values.map((v) => v ?? 0)));
  const top = props.max ?? ticks[ticks.length - 1];
  const points = values.flatMap((v, i): Datum[] => (v === null ? [] : [{ x: i + 1, y: v, category: categories[i], series }]));
  return (
    <VictoryChart width={width} height={280} padding={padding} title={title} desc={desc} domain={{ x: [0.5, categories.length + 0.5], y: [0, top] }}>
      <VictoryAxis tickValues={categoryTicks(categories, plotWidth)} tickFormat={(t: number) => categories[t - 1] ?? ""} style={AXIS_STYLE} />
      {valueAxis(ticks.filter((t) => t <= top), unit, format)}
      <VictoryLine
        style={{ data: { stroke: color, strokeWidth: 2 } }}
        data={values.map((v, i) => ({ x: i + 1, y: v }))}
      />
      <VictoryScatter
        size={4}
        style={{ data: { fill: color } }}
        data={points}
        dataComponent={
          <FocusableDatum label={(d: Datum) => tip(d.category, d.series, d.y)} onShow={showTip} className="chart-point">
            <Point />
          </FocusableDatum>
        }
      />
    </VictoryChart>
  );
}
