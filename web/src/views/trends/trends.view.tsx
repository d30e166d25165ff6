import { browserTimeZone } from "../../components/chart/chart-frame";
import { BytesByHostChart, FailuresByHostChart, PassRateChart, RunsByStatusChart } from "./trend-charts";

/**
 * Trends: how the runs and files develop, drawn from the grouped aggregates
 * (runAggregates, fileAggregates), one query per chart, days cut in the browser's time zone.
 */
export function TrendsView() {
  return (
    <section aria-labelledby="trends-title">
      <h1 id="trends-title">Trends</h1>
      <p className="muted">Days are cut in your time zone, {browserTimeZone()}.</p>
      <div className="chart-grid">
        <PassRateChart />
        <RunsByStatusChart />
        <FailuresByHostChart />
        <BytesByHostChart />
      </div>
    </section>
  );
}
