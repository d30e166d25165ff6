/** Runs load rounds in a forked load-generator process and samples the server's RSS meanwhile. */
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { LoadJob, LoadResult } from "../load-generator";
import { onCleanup } from "./cleanup";
import { BENCH_DIST } from "./paths";
import { nodeChildren, type ServerProcess } from "./processes";

export interface RoundResult extends LoadResult {
  /** Largest server RSS seen during the round, MB. */
  rssMb: number;
  /**
   * CPU time (user + system) the server process spent per request, ms. Unlike
   * requests/s it hardly moves when other work shares the machine, so it is the
   * figure to compare changes by on a busy box. The floor's work is mostly in
   * PostgreSQL, which this does not count.
   */
  cpuMsPerRequest: number;
}

/** utime + stime of a process in ms (Linux /proc; NaN elsewhere). */
function ownCpuTimeMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[11], fields[12]: utime, stime in clock ticks (USER_HZ, 100 on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * CPU time of a server in ms: its process and its node child processes (`dashql serve`
 * in production forks one server process per core; the primary itself serves nothing).
 */
export function cpuTimeMs(pid: number): number {
  return [pid, ...nodeChildren(pid)].reduce((sum, p) => sum + ownCpuTimeMs(p), 0);
}

let generator: ChildProcess | undefined;

/** The load-generator process, started on first use and kept for every later round. */
function loadGenerator(): ChildProcess {
  if (generator && generator.exitCode === null && generator.signalCode === null) return generator;
  const child = fork(path.join(BENCH_DIST, "load-generator.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  generator = child;
  child.once("exit", () => {
    if (generator === child) generator = undefined;
  });
  onCleanup("load generator", () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return child;
}

export async function loadRound(server: ServerProcess, job: Omit<LoadJob, "url">): Promise<RoundResult> {
  const child = loadGenerator();
  let rss = server.rssMb();
  const cpuBefore = cpuTimeMs(server.pid);
  const sampler = setInterval(() => {
    const now = server.rssMb();
    if (!(now <= rss)) rss = now;
  }, 250);
  let onMessage: ((message: { ok: boolean; result?: LoadResult; error?: string }) => void) | undefined;
  let onExit: ((code: number | null) => void) | undefined;
  try {
    const result = await new Promise<LoadResult>((resolve, reject) => {
      onMessage = (message) => (message.ok ? resolve(message.result!) : reject(new Error(`load generator: ${message.error}`)));
      onExit = (code) => reject(new Error(`load generator exited with ${code} before reporting`));
      child.once("message", onMessage);
      child.once("exit", onExit);
      child.send({ ...job, url: server.url });
    });
    const cpuMs = cpuTimeMs(server.pid) - cpuBefore;
    return { ...result, rssMb: Math.max(rss, server.rssMb()), cpuMsPerRequest: result.requests > 0 ? cpuMs / result.requests : NaN };
  } finally {
    clearInterval(sampler);
    if (onMessage) child.off("message", onMessage);
    if (onExit) child.off("exit", onExit);
  }
}

export function median(values: number[]): number {
  // NaN arrives as null from the load generator (JSON) when a round got no answers.
  const sorted = values.filter((v) => typeof v === "number" && !Number.isNaN(v)).sort((a, b) => a - b);
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
    cpuMsPerRequest: m((r) => r.cpuMsPerRequest),
  };
}
