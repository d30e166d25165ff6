import cluster, { type Worker } from "node:cluster";
import { DEFAULT_DB_POOL_SIZE, type Config } from "../config/config";
import type { Logger } from "../config/logger";
import { openDatabase } from "../db/data-source";

/** What a server process tells the primary once it listens. */
export interface WorkerReady {
  type: "dashql-ready";
  url: string;
  demoToken?: string;
  /** The process's database pool size (DB_POOL_SIZE as it read it). */
  poolSize: number;
}

/**
 * Each server process's pool when DB_POOL_SIZE is unset: the default ten
 * connections shared among the processes, at least four each. More processes
 * add CPU to serve, not work for PostgreSQL. Measured with compare.cjs on 2
 * cores (Q2, 8 rounds each): 2,290-3,090 req/s with 5 connections per process
 * against 1,770-2,650 with 10; PostgreSQL's CPU per request stayed at about
 * 150-160 µs either way, so the gain is not in cheaper queries (fewer backends
 * competing for the cores is the likely reason, not established).
 */
export function serverProcessPoolSize(processes: number): number {
  return Math.max(4, Math.ceil(DEFAULT_DB_POOL_SIZE / processes));
}

/** Set in server processes forked by the primary, so they do not fork in turn. */
export const WORKER_ENV = "DASHQL_SERVER_PROCESS";

export function isServerProcess(): boolean {
  return cluster.isWorker && process.env[WORKER_ENV] === "1";
}

/** Tells the primary (if any) that this server process is ready. */
export function announceReady(message: Omit<WorkerReady, "type">): void {
  if (isServerProcess()) process.send?.({ type: "dashql-ready", ...message } satisfies WorkerReady);
}

export interface ClusterPrimary {
  /** Resolves with the first server process's ready message once all of them listen. */
  ready: Promise<WorkerReady>;
  /** SIGTERM to every server process (each drains its requests), then stops the embedded PostgreSQL. Resolves with the exit code. */
  stop(): Promise<number>;
}

/**
 * `dashql serve` with SERVER_PROCESSES > 1: this process prepares the database once
 * (starts the embedded PostgreSQL if there is no DATABASE_URL, applies migrations),
 * then forks that many server processes that share the port (node:cluster hands
 * connections to them in turn). Each is the same stateless server as a lone one,
 * with its own pool, key cache and LISTEN connection; the primary serves nothing.
 * A server process that dies is replaced; on SIGTERM each drains its requests, and
 * the primary exits when the last one has.
 */
export async function startClusterPrimary(config: Config, logger: Logger, processes: number): Promise<ClusterPrimary> {
  // Migrated once here, so the server processes start on a ready schema (they find nothing pending).
  // Two connections: migrate() holds one for its advisory lock while TypeORM migrates on another.
  const database = await openDatabase(config, logger, { migrate: true, poolSize: 2, applicationName: "dashql-primary" });
  await database.dataSource.destroy();

  let stopping = false;
  let failed = false;
  const workers = new Set<Worker>();
  const readyMessages: WorkerReady[] = [];
  let resolveReady!: (message: WorkerReady) => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<WorkerReady>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  let allExited: (() => void) | undefined;

  const fork = () => {
    // The server processes attach to this database (the embedded one this process started, if any).
    const worker = cluster.fork({
      [WORKER_ENV]: "1",
      DATABASE_URL: database.url,
      // Unset or blank, as loadConfig reads it: the processes share the default.
      ...((process.env.DB_POOL_SIZE ?? "").trim() === "" ? { DB_POOL_SIZE: String(serverProcessPoolSize(processes)) } : {}),
    });
    workers.add(worker);
    let announced = false;
    worker.on("message", (message: WorkerReady) => {
      if (message?.type !== "dashql-ready" || announced) return;
      announced = true;
      readyMessages.push(message);
      if (readyMessages.length === processes) resolveReady(readyMessages[0]);
    });
    worker.on("exit", (code, signal) => {
      workers.delete(worker);
      if (stopping) {
        if (code !== 0) failed = true;
        if (workers.size === 0) allExited?.();
        return;
      }
      if (!announced && readyMessages.length < processes) {
        // Dying before it listens is a configuration or start-up problem: starting it again would loop.
        rejectReady(new Error(`a server process exited during start-up (code ${code ?? signal})`));
        return;
      }
      logger.error({ pid: worker.process.pid, code, signal }, "a server process died; starting another");
      setTimeout(() => {
        if (!stopping) fork();
      }, 1000).unref();
    });
  };
  for (let i = 0; i < processes; i++) fork();
  ready.catch(() => undefined);

  let stopped: Promise<number> | undefined;
  return {
    ready,
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        if (workers.size > 0) {
          const exited = new Promise<void>((resolve) => (allExited = resolve));
          for (const worker of workers) worker.process.kill("SIGTERM");
          await exited;
        }
        await database.close();
        return failed ? 1 : 0;
      })()),
  };
}
