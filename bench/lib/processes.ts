/**
 * The servers under test, each its own process: dashql (`dashql serve`,
 * production mode), the floor and PostGraphile. Spawning, waiting for the ready
 * line and stopping are test/support's (trackProcess, startServerProcess); this
 * adds what only the bench needs: logs in the temp dir, start-up time, CPU and RSS
 * by pid, `npm start`, and stopping everything at cleanup.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { startServerProcess, trackProcess, type ChildHandle } from "../../test/support/processes";
import { onCleanup } from "./cleanup";
import { BENCH_DIST, BENCH_SRC, CLI } from "./paths";

export interface ServerProcess {
  readonly kind: "dashql" | "floor" | "postgraphile";
  readonly url: string;
  readonly pid: number;
  /** Milliseconds from spawn to accepting requests. */
  readonly startMs: number;
  /** Resident set size now, in MB (VmRSS from /proc). */
  rssMb(): number;
  stop(): Promise<void>;
}

function ownRssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** The node processes `pid` started itself (the server processes of a `dashql serve` primary). */
export function nodeChildren(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
      .filter((child) => readFileSync(`/proc/${child}/comm`, "utf8").trim() === "node");
  } catch {
    return [];
  }
}

/** Resident set size of a server in MB: its process and its node child processes. */
export function rssMb(pid: number): number {
  return [pid, ...nodeChildren(pid)].reduce((sum, p) => sum + ownRssMb(p), 0);
}

/** Stops `handle` at cleanup (or earlier through the returned function) and keeps its stderr in `logFile`. */
function stopAtCleanup(label: string, handle: ChildHandle, logFile: string, before?: () => void): () => Promise<void> {
  return onCleanup(label, async () => {
    before?.();
    await handle.stop();
    try {
      writeFileSync(logFile, handle.stderr());
    } catch {
      /* the temp dir is gone */
    }
  });
}

export interface DashqlOptions {
  databaseUrl: string;
  adminToken: string;
  logDir: string;
  /** Extra environment (e.g. DB_POOL_SIZE). */
  env?: Record<string, string>;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Run through `npm start` (build + serve) instead of bin/dashql.js serve. */
  viaNpmStart?: boolean;
  label?: string;
}

export async function startDashql(options: DashqlOptions): Promise<ServerProcess> {
  const label = options.label ?? "dashql";
  const logFile = path.join(options.logDir, `${label}-${Date.now()}.log`);
  const env = {
    NODE_ENV: "production",
    DATABASE_URL: options.databaseUrl,
    SQL_STATEMENT_HEADER: "true",
    ADMIN_TOKEN: options.adminToken,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    ...options.env,
  };
  const started = performance.now();
  if (options.viaNpmStart) return startViaNpm(env, label, logFile, started);
  let handle: Awaited<ReturnType<typeof startServerProcess>>;
  try {
    handle = await startServerProcess(options.databaseUrl, env, { nodeArgs: options.nodeArgs, cli: CLI, cwd: options.logDir, label });
  } catch (error) {
    throw new Error(`dashql did not start: ${(error as Error).message}`);
  }
  const startMs = performance.now() - started;
  const stop = stopAtCleanup(`dashql server ${handle.origin}`, handle, logFile);
  return { kind: "dashql", url: handle.url, pid: handle.pid, startMs, rssMb: handle.rssMb, stop };
}

/** `npm start` (incremental build, then serve) as a user runs it; the listening node process is a grandchild. */
async function startViaNpm(env: Record<string, string>, label: string, logFile: string, started: number): Promise<ServerProcess> {
  const root = path.dirname(path.dirname(CLI));
  const child = spawn("npm", ["start", "--silent"], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const handle = trackProcess(child, `${label} (npm start)`);
  // npm runs the server in a shell: signal the whole group we created.
  const killGroup = () => {
    try {
      process.kill(-handle.pid, "SIGTERM");
    } catch {
      /* gone */
    }
  };
  const stop = stopAtCleanup(`${label} (npm start)`, handle, logFile, killGroup);
  let line: string;
  try {
    line = await handle.waitForLine(/dashql is ready: GraphiQL at /, 120_000);
  } catch (error) {
    await stop();
    throw new Error(`dashql did not start through npm start: ${(error as Error).message}`);
  }
  const startMs = performance.now() - started;
  const url = /(http:\/\/\S+\/graphql)/.exec(line)![1];
  const pid = findListener(Number(new URL(url).port)) ?? handle.pid;
  return { kind: "dashql", url, pid, startMs, rssMb: () => rssMb(pid), stop };
}

/** The pid of the process that listens on `port` (Linux /proc scan), if found. */
function findListener(port: number): number | undefined {
  try {
    const hex = port.toString(16).toUpperCase().padStart(4, "0");
    const inode = readFileSync("/proc/net/tcp", "utf8")
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .find((f) => f[1]?.endsWith(`:${hex}`) && f[3] === "0A")?.[9];
    if (!inode) return undefined;
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        for (const fd of readdirSync(`/proc/${pid}/fd`)) {
          if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return Number(pid);
        }
      } catch {
        /* not ours to read */
      }
    }
  } catch {
    /* no /proc */
  }
  return undefined;
}

/** A node script that prints {"port":N} on stdout once it listens (the floor, PostGraphile). */
async function startScriptServer(
  kind: "floor" | "postgraphile",
  args: string[],
  env: Record<string, string>,
  logDir: string,
  timeoutMs: number,
): Promise<ServerProcess> {
  const logFile = path.join(logDir, `${kind}-${Date.now()}.log`);
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
  const handle = trackProcess(child, `the ${kind} server`);
  const stop = stopAtCleanup(`${kind} server`, handle, logFile);
  let line: string;
  try {
    line = await handle.waitForLine(/^\{"port":\d+\}$/, timeoutMs);
  } catch (error) {
    await stop();
    throw new Error(`the ${kind} server did not start: ${(error as Error).message}`);
  }
  const { port } = JSON.parse(line) as { port: number };
  return { kind, url: `http://127.0.0.1:${port}/graphql`, pid: handle.pid, startMs: performance.now() - started, rssMb: handle.rssMb, stop };
}

export function startFloor(databaseUrl: string, logDir: string, poolSize: number): Promise<ServerProcess> {
  return startScriptServer("floor", [path.join(BENCH_DIST, "floor-server.js")], { DATABASE_URL: databaseUrl, POOL_SIZE: String(poolSize) }, logDir, 30_000);
}

/**
 * PostGraphile 5 (amber preset, public schema, no GraphiQL) on the same database,
 * NODE_ENV=production, pg pool of `poolSize`. bench/node22-shim.mjs is preloaded:
 * PostGraphile 5.1 calls Promise.withResolvers, native only from Node 22.
 */
export function startPostgraphile(databaseUrl: string, logDir: string, poolSize: number): Promise<ServerProcess> {
  return startScriptServer(
    "postgraphile",
    ["--import", pathToFileURL(path.join(BENCH_SRC, "node22-shim.mjs")).href, path.join(BENCH_SRC, "postgraphile-server.mjs")],
    { DATABASE_URL: databaseUrl, POOL_SIZE: String(poolSize), NODE_ENV: "production" },
    logDir,
    60_000,
  );
}
