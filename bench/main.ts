/**
 * `npm run bench`: dashql against a single-SQL floor (issue 4) and PostGraphile 5 (issue 10).
 *
 * Starts PostgreSQL (embedded, or DATABASE_URL), loads the deterministic data
 * set, runs dashql (production mode, its own process), the floor server and
 * PostGraphile side by side, drives all three with a separate load-generator process, then measures the
 * bulk paths against COPY, latency as tables grow to a million rows, and start-up.
 * Prints tables and writes bench/results/<timestamp>.json. Everything started is
 * stopped at the end, on errors and on Ctrl-C.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { runBulkPhase, type BulkResult } from "./lib/bulk";
import { cleanupAll, installSignalHandlers, onCleanup } from "./lib/cleanup";
import { gql } from "./lib/client";
import type { BenchContext } from "./lib/context";
import { listCommands, migrateDatabase } from "./lib/dashql-cli";
import { loadDataset, type DatasetCounts } from "./lib/dataset";
import { runGrowthPhase, type GrowthResult } from "./lib/growth";
import { runLoadPhase, type OperationResult } from "./lib/load-phase";
import { parseOptions } from "./lib/options";
import { RESULTS_DIR, ROOT } from "./lib/paths";
import { startPostgres } from "./lib/postgres";
import { startDashql, startFloor, startPostgraphile, type ServerProcess } from "./lib/processes";
import { printReport } from "./lib/report";
import { runStartupPhase, type StartupResult } from "./lib/startup";

export interface BenchReport {
  startedAt: string;
  finishedAt?: string;
  durationSec?: number;
  options: Record<string, unknown>;
  machine: {
    cpus: string;
    cores: number;
    memoryGb: number;
    os: string;
    node: string;
    postgres: string;
    postgresKind: string;
    /** 1/5/15-minute load averages at the start and at the end: other work on the machine skews every number. */
    loadAverageAtStart: number[];
    loadAverage?: number[];
  };
  git?: string;
  dataset?: DatasetCounts & { loadMs: number; migrateMs: number };
  server?: { startMs: number; idleRssMb: number };
  /** The peer in the load phase: PostGraphile's version (from node_modules) and start-up time. */
  peer?: { name: string; version?: string; startMs: number };
  operations: OperationResult[];
  bulk: BulkResult[];
  growth: GrowthResult[];
  startup?: StartupResult;
  notes: string[];
}

async function introspect(url: string, token: string): Promise<Set<string>> {
  const reply = await gql(url, "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }", {}, token);
  const schema = reply.body.data?.__schema;
  return new Set([...(schema?.queryType?.fields ?? []), ...(schema?.mutationType?.fields ?? [])].map((f: { name: string }) => f.name));
}

async function gitRevision(): Promise<string | undefined> {
  const { execFileSync } = await import("node:child_process");
  try {
    const rev = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], { cwd: ROOT, encoding: "utf8" }).trim() !== "";
    return dirty ? `${rev}+uncommitted src changes` : rev;
  } catch {
    return undefined;
  }
}

async function postgraphileVersion(): Promise<string | undefined> {
  try {
    return JSON.parse(await readFile(path.join(ROOT, "node_modules/postgraphile/package.json"), "utf8")).version;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  installSignalHandlers();
  const started = Date.now();
  const log = (message: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${message}\n`);

  const tmp = await mkdtemp(path.join(os.tmpdir(), "dashql-bench-"));
  onCleanup("temp dir", async () => {
    if (options.keepTemp) log(`kept ${tmp}`);
    else await rm(tmp, { recursive: true, force: true });
  });

  const cpus = os.cpus();
  const report: BenchReport = {
    startedAt: new Date(started).toISOString(),
    options: { ...options, phases: [...options.phases], operations: options.operations ? [...options.operations] : "all", databaseUrl: options.databaseUrl ? "(set)" : undefined, dashqlCli: process.env.BENCH_DASHQL_CLI, dashqlNodeArgs: process.env.BENCH_DASHQL_NODE_ARGS },
    machine: {
      cpus: cpus[0]?.model ?? "unknown",
      cores: cpus.length,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      postgres: "",
      postgresKind: "",
      loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
    },
    git: await gitRevision(),
    operations: [],
    bulk: [],
    growth: [],
    notes: [],
  };

  log(options.databaseUrl ? "connecting to DATABASE_URL" : "starting embedded PostgreSQL");
  const pg = await startPostgres(options.databaseUrl);
  report.machine.postgres = pg.version;
  report.machine.postgresKind = pg.embedded ? "embedded (same machine)" : "DATABASE_URL";
  const ctx: BenchContext = {
    options,
    pg,
    tmp,
    adminToken: `bench-admin-${randomBytes(18).toString("base64url")}`,
    fields: new Set(),
    commands: await listCommands(),
    log,
  };

  // A failing phase is reported and the next one still runs: a partial table beats none.
  const phase = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      const message = `${name} failed: ${error instanceof Error ? error.message : String(error)}`;
      log(message);
      report.notes.push(message);
    }
  };

  if (options.phases.has("load") || options.phases.has("bulk")) {
    const url = await pg.createDatabase("dashql_bench");
    const migrateMs = await migrateDatabase(url);
    log(`database migrated in ${migrateMs.toFixed(0)} ms; loading the data set`);
    const client = new Client({ connectionString: url });
    client.on("error", () => undefined);
    await client.connect();
    const closeClient = onCleanup("bench client", () => client.end().catch(() => undefined));
    const t = performance.now();
    const counts = await loadDataset(client);
    const companyIds = (await client.query<{ id: number }>("SELECT id FROM company ORDER BY id")).rows.map((r) => r.id);
    report.dataset = { ...counts, loadMs: performance.now() - t, migrateMs };
    log(`data set loaded in ${report.dataset.loadMs.toFixed(0)} ms: ${JSON.stringify(counts)}`);

    const dashql = await startDashql({
      databaseUrl: url,
      adminToken: ctx.adminToken,
      logDir: tmp,
      // The 10,000 x 8 importCompanies request is ~9.5 MB of JSON, over the 8 MiB default.
      env: { MAX_BODY_BYTES: String(32 * 2 ** 20) },
      nodeArgs: [
        ...(process.env.BENCH_DASHQL_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
        ...(options.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${path.join(RESULTS_DIR, "profiles")}`] : []),
      ],
    });
    report.notes.push("dashql runs with MAX_BODY_BYTES=32 MiB: the importCompanies 10,000 x 8 request is larger than the 8 MiB default");
    await new Promise((r) => setTimeout(r, 1000));
    report.server = { startMs: dashql.startMs, idleRssMb: dashql.rssMb() };
    log(`dashql ready in ${dashql.startMs.toFixed(0)} ms, idle RSS ${report.server.idleRssMb.toFixed(0)} MB`);
    ctx.fields = await introspect(dashql.url, ctx.adminToken);

    if (options.phases.has("load")) {
      await phase("load", async () => {
        const floor: ServerProcess = await startFloor(url, tmp, 10);
        // The peer: PostGraphile 5 on the same database, pool of 10 like the floor.
        let peer: ServerProcess | undefined;
        try {
          peer = await startPostgraphile(url, tmp, 10);
          report.peer = { name: "PostGraphile (amber preset)", version: await postgraphileVersion(), startMs: peer.startMs };
          log(`PostGraphile ${report.peer.version ?? "?"} ready in ${peer.startMs.toFixed(0)} ms`);
        } catch (error) {
          const message = `PostGraphile not measured: ${(error as Error).message}`;
          log(message);
          report.notes.push(message);
        }
        try {
          report.operations = await runLoadPhase(ctx, dashql, floor, peer, companyIds);
        } finally {
          await floor.stop();
          await peer?.stop();
        }
      });
    }
    if (options.phases.has("bulk")) await phase("bulk", async () => void (report.bulk = await runBulkPhase(ctx, dashql, client, url)));
    await closeClient();
    await dashql.stop();
    await pg.dropDatabase("dashql_bench");
  }

  if (options.phases.has("growth")) await phase("growth", async () => void (await runGrowthPhase(ctx, report.growth)));
  if (options.phases.has("startup")) await phase("startup", async () => void (report.startup = await runStartupPhase(ctx)));
  if (process.env.BENCH_ANALYTICS) {
    // Issue 12, optional (~4 min): the chart aggregates at 1M rows; see bench/lib/analytics-growth.ts.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { formatAnalytics, runAnalyticsGrowthPhase }: typeof import("./lib/analytics-growth.js") = require("./lib/analytics-growth");
    await phase("analytics", async () => void console.log(formatAnalytics(Object.assign(report, { analytics: await runAnalyticsGrowthPhase(ctx) }).analytics)));
  }
  report.machine.loadAverage = os.loadavg().map((l) => Number(l.toFixed(2)));

  report.finishedAt = new Date().toISOString();
  report.durationSec = (Date.now() - started) / 1000;
  printReport(report);
  if (options.writeJson) {
    await mkdir(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `${report.startedAt.replace(/[:.]/g, "-")}${options.quick ? "-quick" : ""}.json`);
    await writeFile(file, JSON.stringify(report, null, 2) + "\n");
    console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
  }
}

main()
  .catch((error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
