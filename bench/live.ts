/**
 * `npm run bench:live`: live updates under load. One `dashql serve` (production
 * mode, embedded PostgreSQL or DATABASE_URL's server), and a driver process
 * (bench/live-driver.ts) holding the subscribers and writing the changes.
 *
 * Phases:
 * 1. idle: N subscribers connected, nothing changes: server CPU (% of a core);
 * 2. for each rate (50 and 200 changes/s): commit-to-delivery p50/p99, server RSS,
 *    server CPU per change, SQL statements per change;
 * 3. the 50 changes/s phase again with a fifth of the subscribers: statements per
 *    change must not depend on the number of subscribers.
 *
 * Subscribers: 2% follow the whole queue (queueChanged, every change), the others
 * one run each (queueItemChanged, as a run's page does), spread over 500 runs.
 * Results go to stdout and bench/results/live-<date>.json.
 *
 * Options (environment): LIVE_SUBSCRIBERS (5000), LIVE_SECONDS (20 per phase),
 * LIVE_RATES ("50,200"), DATABASE_URL (else embedded).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { Client } from "pg";

/** The repository: this file runs as dist-bench/bench/live.js. */
const ROOT = path.resolve(__dirname, "../..");
const TOKEN = "dq_bench-live-admin-token-0123456789";
const SUBSCRIBERS = Number(process.env.LIVE_SUBSCRIBERS ?? 5000);
const SECONDS = Number(process.env.LIVE_SECONDS ?? 20);
const RATES = (process.env.LIVE_RATES ?? "50,200").split(",").map(Number);
const ITEMS = 500;
const ALL_SHARE = 0.02;
const CLOCK_TICKS = 100; // USER_HZ on Linux

const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
process.on("exit", () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  for (const cleanup of cleanups) cleanup();
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(1));

/** A child process whose stdout lines can be awaited. */
function start(command: string, args: string[], env: NodeJS.ProcessEnv = {}, stdin: "pipe" | "ignore" = "ignore") {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: [stdin, "pipe", "pipe"] });
  children.push(child);
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const feed = (line: string) => {
    lines.push(line);
    const index = waiters.findIndex((w) => w.pattern.test(line));
    if (index >= 0) waiters.splice(index, 1)[0].resolve(line);
  };
  createInterface({ input: child.stdout! }).on("line", feed);
  createInterface({ input: child.stderr! }).on("line", (line) => {
    feed(line);
    if (process.env.LIVE_VERBOSE) process.stderr.write(`[${path.basename(args[0] ?? command)}] ${line}\n`);
  });
  const next = (pattern: RegExp, timeoutMs = 120_000) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.findIndex((l) => pattern.test(l));
      if (seen >= 0) return resolve(lines.splice(seen, 1)[0]);
      const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${lines.slice(-20).join("\n")}`)), timeoutMs);
      waiters.push({ pattern, resolve: (line) => (clearTimeout(timer), lines.splice(lines.indexOf(line), 1), resolve(line)) });
    });
  return { child, next };
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime + stime
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
}

async function transactions(admin: Client, database: string): Promise<number> {
  // Statistics are flushed by each backend at most once a second: wait for them to settle.
  await new Promise((r) => setTimeout(r, 1500));
  await admin.query("SELECT pg_stat_clear_snapshot()");
  const { rows } = await admin.query<{ n: string }>(`SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1`, [database]);
  return Number(rows[0].n);
}

async function main(): Promise<void> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "dashql-bench-live-pg-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // The supervisor stops the cluster when its stdin closes: even a killed bench leaves no postgres behind.
    const pg = start(process.execPath, [path.join(ROOT, "test/support/embedded-supervisor.cjs"), dataDir], {}, "pipe");
    adminUrl = (JSON.parse(await pg.next(/^\{"url"/)) as { url: string }).url;
    cleanups.unshift(() => pg.child.stdin?.end());
  }
  const database = `dashql_bench_live_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();

  const server = start(process.execPath, [path.join(ROOT, "bin/dashql.js"), "serve"], {
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    DATABASE_URL: databaseUrl,
    ADMIN_TOKEN: TOKEN,
    HOST: "127.0.0.1",
    PORT: "0",
    // One process: the figures are this process's CPU and RSS (main's serve forks one per core in production).
    SERVER_PROCESSES: "1",
  });
  const ready = await server.next(/dashql is ready/);
  const httpUrl = /(http:\/\/\S+\/graphql)/.exec(ready)![1];
  const serverPid = server.child.pid!;

  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query(
    `INSERT INTO queue_item (run_dir, owner, time_to_live) SELECT '/bench/run-' || g, 'bench', now() + interval '1 day' FROM generate_series(1, $1) g`,
    [ITEMS],
  );
  await db.end();

  const driver = start(process.execPath, [path.join(__dirname, "live-driver.js"), httpUrl.replace(/^http/, "ws"), TOKEN, databaseUrl, String(ITEMS)], {}, "pipe");
  await driver.next(/"ready"/);
  const driverPid = driver.child.pid!;
  const send = async (command: Record<string, unknown>, answer: RegExp, timeoutMs?: number) => {
    driver.child.stdin!.write(JSON.stringify(command) + "\n");
    return JSON.parse(await driver.next(answer, timeoutMs)) as Record<string, number>;
  };

  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    subscribers: SUBSCRIBERS,
    secondsPerPhase: SECONDS,
    mix: `${ALL_SHARE * 100}% queueChanged (every change), the rest queueItemChanged(id) over ${ITEMS} runs`,
  };
  const rssBefore = rssMb(serverPid);
  const connectStarted = Date.now();
  await send({ cmd: "connect", subscribers: SUBSCRIBERS, allShare: ALL_SHARE }, /"connected"/, 300_000);
  results.connectSeconds = (Date.now() - connectStarted) / 1000;
  results.rssIdleMb = { before: Math.round(rssBefore), withSubscribers: Math.round(rssMb(serverPid)) };

  // Idle: nothing changes; keep-alive pings are all that happens.
  const idleCpu0 = cpuSeconds(serverPid);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  results.idleCpuPercentOfOneCore = +((100 * (cpuSeconds(serverPid) - idleCpu0)) / SECONDS).toFixed(2);
  console.log(`idle, ${SUBSCRIBERS} subscribers: server CPU ${results.idleCpuPercentOfOneCore}% of a core, RSS ${rssMb(serverPid).toFixed(0)} MB`);

  const phase = async (label: string, rate: number) => {
    const tx0 = await transactions(admin, database);
    const cpu0 = cpuSeconds(serverPid);
    const driverCpu0 = cpuSeconds(driverPid);
    const load0 = os.loadavg()[0];
    let peakRss = rssMb(serverPid);
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(serverPid))), 250);
    const outcome = await send({ cmd: "write", rate, seconds: SECONDS }, /"written"/, (SECONDS + 120) * 1000);
    clearInterval(sampler);
    const cpu = cpuSeconds(serverPid) - cpu0;
    const driverCpu = cpuSeconds(driverPid) - driverCpu0;
    const tx = (await transactions(admin, database)) - tx0;
    const changes = outcome.written;
    const result = {
      rate,
      achievedRate: +(changes / outcome.elapsed).toFixed(1),
      delivered: outcome.received,
      p50Ms: +outcome.p50.toFixed(1),
      p99Ms: +outcome.p99.toFixed(1),
      maxMs: +outcome.max.toFixed(1),
      peakRssMb: Math.round(peakRss),
      cpuMsPerChange: +((1000 * cpu) / changes).toFixed(2),
      cpuPercentOfOneCore: +((100 * cpu) / outcome.elapsed).toFixed(1),
      // The writer's own UPDATE is one transaction per change; the rest is the server's.
      serverStatementsPerChange: +((tx - changes) / changes).toFixed(2),
      closedUnexpectedly: outcome.closedUnexpectedly,
      // The subscribers' process and the machine: on a shared 2-core machine they bound what the server can show.
      driverCpuPercentOfOneCore: +((100 * driverCpu) / outcome.elapsed).toFixed(1),
      loadAverage1m: [+load0.toFixed(2), +os.loadavg()[0].toFixed(2)],
    };
    console.log(`${label}: ${JSON.stringify(result)}`);
    return result;
  };

  const phases: Record<string, unknown> = {};
  for (const rate of RATES) phases[`${SUBSCRIBERS} subscribers @ ${rate}/s`] = await phase(`${SUBSCRIBERS} subscribers @ ${rate}/s`, rate);
  // Statements per change with a fifth of the subscribers.
  await send({ cmd: "disconnect" }, /"disconnected"/);
  const fewer = Math.round(SUBSCRIBERS / 5);
  await send({ cmd: "connect", subscribers: fewer, allShare: ALL_SHARE }, /"connected"/, 300_000);
  phases[`${fewer} subscribers @ ${RATES[0]}/s`] = await phase(`${fewer} subscribers @ ${RATES[0]}/s`, RATES[0]);
  results.phases = phases;

  await send({ cmd: "exit" }, /"exited"/).catch(() => undefined);
  server.child.kill("SIGTERM");
  await new Promise((r) => server.child.once("exit", r));
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();

  const dir = path.join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `live-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + "\n");
  console.log(`results: ${path.relative(ROOT, file)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
