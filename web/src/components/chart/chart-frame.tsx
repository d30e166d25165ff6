import { cloneElement, useCallback, useEffect, useId, useRef, useState, type ReactElement, type ReactNode } from "react";

/**
 * The frame every dashboard chart is drawn in. Victory sizes an SVG by its
 * width/height and scales it with a viewBox: drawn at a fixed 640 px, its 14 px
 * labels became ~5 px on a phone and ~24 px on a desktop. The frame measures
 * its container (ResizeObserver) and the chart is drawn at that real width, so
 * one SVG unit is one CSS pixel and text keeps the page's size at any width.
 */

/** The width of an element, kept current as it resizes. `fallback` until measured (and in jsdom). */
export function useContainerWidth<T extends HTMLElement>(fallback = 640): [(node: T | null) => void, number] {
  const [width, setWidth] = useState(fallback);
  const observer = useRef<ResizeObserver | null>(null);
  const ref = useCallback((node: T | null) => {
    observer.current?.disconnect();
    observer.current = null;
    if (!node) return;
    const measure = (w: number) => {
      // Whole pixels: sub-pixel changes would only redraw the same chart.
      if (w > 0) setWidth((old) => (Math.abs(old - Math.floor(w)) >= 1 ? Math.floor(w) : old));
    };
    measure(node.getBoundingClientRect().width);
    if (typeof ResizeObserver === "undefined") return;
    observer.current = new ResizeObserver((entries) => measure(entries[0]?.contentRect.width ?? 0));
    observer.current.observe(node);
  }, []);
  useEffect(() => () => observer.current?.disconnect(), []);
  return [ref, width];
}

/** Axis ticks from 0 to the first "nice" value (1, 2 or 5 x 10^k steps) above the maximum, so the tallest bar never touches the top. */
export function niceTicks(max: number, count = 5, integer = false): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const nice = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const step = integer ? Math.max(1, Math.ceil(nice)) : nice;
  const top = (Math.floor(max / step) + 1) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Text sizes in CSS pixels (the chart is drawn 1:1): the page's 16 px body, axis labels a little smaller but never under 12. */
export const CHART_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
export const AXIS_STYLE = {
  axis: { stroke: "#57606a" },
  tickLabels: { fontSize: 12, fontFamily: CHART_FONT, fill: "#1b1f24", padding: 4 },
  axisLabel: { fontSize: 12, fontFamily: CHART_FONT, fill: "#57606a", padding: 36 },
  grid: { stroke: "none" },
};
export const VALUE_AXIS_STYLE = { ...AXIS_STYLE, grid: { stroke: "#d0d7de", strokeDasharray: "3 3" } };

/** Series colours: distinguishable for the common colour-vision deficiencies (Okabe-Ito). */
export const SERIES_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#7F7F7F", "#882255", "#44AA99", "#332288"];

export interface ChartTooltip {
  x: number;
  y: number;
  text: string;
}

/**
 * A Victory data component made focusable: Tab reaches every bar or point, and
 * focus or hover shows the exact figure (`label(datum)`) in the frame's tooltip.
 * Its aria-label carries the same text for screen readers.
 */
export function FocusableDatum(props: {
  children: ReactElement;
  label: (datum: never) => string;
  onShow: (tip: ChartTooltip | null) => void;
  className?: string;
  /** Draw nothing for a zero value (VictoryStack fills a series' missing categories with zeros). */
  skipZero?: boolean;
  // Passed by Victory:
  datum?: unknown;
  x?: number;
  y?: number;
  [key: string]: unknown;
}) {
  const { children, label, onShow, className, skipZero, ...victory } = props;
  const datum = victory.datum as { y?: unknown; _y?: unknown } | undefined;
  if (skipZero && (datum?._y ?? datum?.y) === 0) return null;
  const text = label(victory.datum as never);
  const show = () => onShow({ x: Number(victory.x ?? 0), y: Number(victory.y ?? 0), text });
  const hide = () => onShow(null);
  return (
    <g tabIndex={0} role="img" aria-label={text} className={`chart-datum ${className ?? ""}`} onFocus={show} onBlur={hide} onMouseEnter={show} onMouseLeave={hide}>
      {cloneElement(children, victory)}
    </g>
  );
}

export type RangeDays = 7 | 30 | 90;
export const RANGES: RangeDays[] = [7, 30, 90];

/** The time zone the browser runs in; the charts' days are cut in it. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Local midnights of the last `days` days (today included), in the browser's zone; DST-safe (calendar steps). */
export function lastDays(days: number, now = new Date()): Date[] {
  const start = new Date(now);
  start.setHours(0, 0, 0, 0);
  start.setDate(start.getDate() - (days - 1));
  return Array.from({ length: days }, (_, i) => {
    const d = new Date(start);
    d.setDate(start.getDate() + i);
    return d;
  });
}

const dayLabel = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric" });
export const formatDay = (d: Date) => dayLabel.format(d);

/** Centred over the datum, but kept inside the chart: the text is ~7.5 px per character at 14 px. */
function tipLeft(tip: ChartTooltip, width: number): number {
  const estimated = Math.min(width - 16, tip.text.length * 7.5 + 16);
  return Math.max(8, Math.min(tip.x - estimated / 2, width - estimated - 8));
}

export interface ChartFrameProps {
  /** Visible caption and the SVG's <title>. */
  title: string;
  /** Controls above the chart (the range picker). */
  controls?: ReactNode;
  /** Loading, empty or error state instead of the chart. */
  state?: ReactNode;
  /** A legend below the chart, in page text. */
  legend?: { label: string; color: string }[];
  /** Draws the chart at the measured width; `showTip` drives the tooltip. */
  children: (width: number, showTip: (tip: ChartTooltip | null) => void) => ReactNode;
  className?: string;
}

/**
 * A figure with caption, controls, a chart drawn at its real width, a tooltip, a legend and the states.
 * The chart itself passes `title` and its figures as `desc` to VictoryChart, which renders them as the SVG's <title>/<desc>.
 */
export function ChartFrame({ title, controls, state, legend, children, className }: ChartFrameProps) {
  const captionId = useId();
  const [ref, width] = useContainerWidth<HTMLDivElement>();
  const [tip, setTip] = useState<ChartTooltip | null>(null);
  return (
    <figure className={`chart ${className ?? ""}`} aria-labelledby={captionId}>
      <figcaption id={captionId}>{title}</figcaption>
      {controls && <div className="chart-controls">{controls}</div>}
      <div className="chart-plot" ref={ref}>
        {state ?? (
          <>
            {children(width, setTip)}
            {tip && (
              <div className="chart-tooltip" role="status" style={{ left: tipLeft(tip, width), top: tip.y }}>
                {tip.text}
              </div>
            )}
          </>
        )}
      </div>
      {!state && legend && legend.length > 0 && (
        <ul className="chart-legend" aria-label="Legend">
          {legend.map((item) => (
            <li key={item.label}>
              <span className="swatch" style={{ background: item.color }} aria-hidden="true" />
              {item.label}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

/** The 7/30/90-day picker of a chart. */
export function RangePicker({ value, onChange, label = "Time range" }: { value: RangeDays; onChange: (days: RangeDays) => void; label?: string }) {
  const id = useId();
  return (
    <div className="field inline">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(Number(e.target.value) as RangeDays)}>
        {RANGES.map((days) => (
          <option key={days} value={days}>
            Last {days} days
          </option>
        ))}
      </select>
    </div>
  );
}
