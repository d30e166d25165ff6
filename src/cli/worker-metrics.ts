import { Counter, Histogram } from "prom-client";
import type { Config } from "../config/config";
import type { QueueItem } from "../domain/queue/queue-item.entity";
import type { RunOutcome } from "../domain/queue/run-processor";
import { createRegistry, startMetricsServer } from "../server/metrics";

export interface WorkerMetrics {
  readonly url: string;
  /** Counts a run this worker finished (runWorker's onFinished) and observes its duration since it was claimed. */
  runFinished(item: QueueItem, outcome: RunOutcome): void;
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
    help: "Time from claiming a run to finishing it",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  // Both results exist from the start, so a rate() over them works before the first failure.
  runs.inc({ result: "succeeded" }, 0);
  runs.inc({ result: "failed" }, 0);
  const server = await startMetricsServer(registry, { port: options.port, host: options.config.host, config: options.config });
  return {
    url: server.url,
    runFinished(item, outcome) {
      runs.inc({ result: outcome.ok ? "succeeded" : "failed" });
      // startedAt is set when the run is claimed (the database's clock; this host's may differ slightly).
      if (item.startedAt) duration.observe(Math.max(0, (Date.now() - item.startedAt.getTime()) / 1000));
    },
    close: () => server.close(),
  };
}
