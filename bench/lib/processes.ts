/**
 * The servers under test, each its own process: dashql (`node bin/dashql.js serve`,
 * production mode) and the floor. Both are stopped at cleanup.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, readdirSync, readFileSync, readlinkSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createInterface } from "node:readline";
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

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function stopChild(child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Waits for the first stdout line matching `ready`, or fails with the child's last output. */
async function waitForLine(child: ChildProcess, ready: RegExp, logFile: string, timeoutMs: number): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  const tail: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(new Error(`${error.message}; see ${logFile}\n${tail.join("\n")}`));
    };
    lines.on("line", (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (ready.test(line)) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once("exit", (code, signal) => fail(new Error(`exited early (${code ?? signal})`)));
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
  const port = await freePort();
  const logFile = path.join(options.logDir, `${options.label ?? "dashql"}-${port}.log`);
  const log = createWriteStream(logFile);
  const env = {
    ...process.env,
    NODE_ENV: "production",
    DATABASE_URL: options.databaseUrl,
    SQL_STATEMENT_HEADER: "true",
    ADMIN_TOKEN: options.adminToken,
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    ...options.env,
  };
  const started = performance.now();
  const child = options.viaNpmStart
    ? spawn("npm", ["start", "--silent"], { cwd: path.dirname(path.dirname(CLI)), env, stdio: ["ignore", "pipe", "pipe"], detached: true })
    : spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, "serve"], { env, stdio: ["ignore", "pipe", "pipe"], cwd: options.logDir });
  child.stderr!.pipe(log);
  const stop = onCleanup(`dashql server :${port}`, async () => {
    if (options.viaNpmStart && child.pid) {
      // npm runs the server in a shell: signal the whole group we created.
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* gone */
      }
    }
    await stopChild(child);
  });
  try {
    await waitForLine(child, /dashql is ready/, logFile, 60_000);
  } catch (error) {
    await stop();
    throw new Error(`dashql did not start: ${(error as Error).message}`);
  }
  const startMs = performance.now() - started;
  // Under npm the listening node process is a grandchild; find it for RSS.
  const pid = options.viaNpmStart ? (findListener(port) ?? child.pid!) : child.pid!;
  return { kind: "dashql", url: `http://127.0.0.1:${port}/graphql`, pid, startMs, rssMb: () => rssMb(pid), stop };
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
  const log = createWriteStream(logFile);
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
  child.stderr!.pipe(log);
  const stop = onCleanup(`${kind} server`, () => stopChild(child));
  let line: string;
  try {
    line = await waitForLine(child, /"port"/, logFile, timeoutMs);
  } catch (error) {
    await stop();
    throw new Error(`the ${kind} server did not start: ${(error as Error).message}`);
  }
  const { port } = JSON.parse(line) as { port: number };
  const pid = child.pid!;
  return { kind, url: `http://127.0.0.1:${port}/graphql`, pid, startMs: performance.now() - started, rssMb: () => rssMb(pid), stop };
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
