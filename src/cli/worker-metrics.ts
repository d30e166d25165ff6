import { Counter, Histogram } from "prom-client";
import type { Config } from "../config/config";
import { createRegistry, startMetricsServer } from "../server/metrics";

/** The worker's tallies (see commands/work.ts): the same fields, so the loop needs no change to be counted. */
export interface RunCounters {
  succeeded: number;
  failed: number;
  released: number;
  lost: number;
}

export interface WorkerMetrics {
  readonly url: string;
  /** Counters for the worker loop: incrementing `succeeded` or `failed` also counts the run in Prometheus. */
  readonly counters: RunCounters;
  /** Runs one claimed run, observing how long it took. */
  timeRun<T>(run: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * `dashql work --metrics-port N`: runs processed and failed, run durations and
 * Node's process metrics, served at http://HOST:N/metrics (same access rule as
 * the server's /metrics: open in development, METRICS_TOKEN elsewhere).
 */
export async function startWorkerMetrics(options: { port: number; config: Pick<Config, "host" | "nodeEnv" | "metricsToken"> }): Promise<WorkerMetrics> {
  const registry = createRegistry();
  const runs = new Counter({
    name: "dashql_worker_runs_total",
    help: "Runs this worker finished, by result (succeeded, failed)",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "dashql_worker_run_duration_seconds",
    help: "Time from claiming a run to finishing (or releasing) it",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  // Both results exist from the start, so a rate() over them works before the first failure.
  runs.inc({ result: "succeeded" }, 0);
  runs.inc({ result: "failed" }, 0);
  const tally = { succeeded: 0, failed: 0 };
  const counters: RunCounters = {
    released: 0,
    lost: 0,
    get succeeded() {
      return tally.succeeded;
    },
    set succeeded(value: number) {
      runs.inc({ result: "succeeded" }, value - tally.succeeded);
      tally.succeeded = value;
    },
    get failed() {
      return tally.failed;
    },
    set failed(value: number) {
      runs.inc({ result: "failed" }, value - tally.failed);
      tally.failed = value;
    },
  };
  const server = await startMetricsServer(registry, { port: options.port, host: options.config.host, config: options.config });
  return {
    url: server.url,
    counters,
    async timeRun(run) {
      const end = duration.startTimer();
      try {
        return await run();
      } finally {
        end();
      }
    },
    close: () => server.close(),
  };
}
