/** Runs load rounds in a forked load-generator process and samples the server's RSS meanwhile. */
import { fork } from "node:child_process";
import path from "node:path";
import type { LoadJob, LoadResult } from "../load-generator";
import { onCleanup } from "./cleanup";
import { BENCH_DIST } from "./paths";
import type { ServerProcess } from "./processes";

export interface RoundResult extends LoadResult {
  /** Largest server RSS seen during the round, MB. */
  rssMb: number;
}

export async function loadRound(server: ServerProcess, job: Omit<LoadJob, "url">): Promise<RoundResult> {
  const child = fork(path.join(BENCH_DIST, "load-generator.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const stop = onCleanup("load generator", () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let rss = server.rssMb();
  const sampler = setInterval(() => {
    const now = server.rssMb();
    if (!(now <= rss)) rss = now;
  }, 250);
  try {
    const result = await new Promise<LoadResult>((resolve, reject) => {
      child.once("message", (message: { ok: boolean; result?: LoadResult; error?: string }) =>
        message.ok ? resolve(message.result!) : reject(new Error(`load generator: ${message.error}`)),
      );
      child.once("exit", (code) => reject(new Error(`load generator exited with ${code} before reporting`)));
      child.send({ ...job, url: server.url });
    });
    return { ...result, rssMb: Math.max(rss, server.rssMb()) };
  } finally {
    clearInterval(sampler);
    await stop();
  }
}

export function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Medians of every number over the rounds; errors are summed. */
export function summarize(rounds: RoundResult[]): RoundResult {
  const m = (f: (r: RoundResult) => number) => median(rounds.map(f));
  return {
    requests: rounds.reduce((s, r) => s + r.requests, 0),
    durationSec: rounds.reduce((s, r) => s + r.durationSec, 0),
    requestsPerSec: m((r) => r.requestsPerSec),
    p50Ms: m((r) => r.p50Ms),
    p99Ms: m((r) => r.p99Ms),
    maxMs: Math.max(...rounds.map((r) => r.maxMs)),
    errors: rounds.reduce((s, r) => s + r.errors, 0),
    firstError: rounds.find((r) => r.firstError)?.firstError,
    statementsPerRequest: m((r) => r.statementsPerRequest),
    rssMb: Math.max(...rounds.map((r) => r.rssMb)),
  };
}
