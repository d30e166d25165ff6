/**
 * `npm run soak -- --minutes 10`: mixed load for a long time, to see what only
 * time shows (memory that keeps growing, latency that creeps up, errors that
 * appear after the pool or the queue has turned over many times).
 *
 * Starts PostgreSQL (embedded, or the server in DATABASE_URL, in a database of
 * its own), one production-mode `dashql serve` and one `dashql work`, then runs
 * client loops that read companies, files and the queue, create companies,
 * register files and enqueue real run directories (each with a JUnit report)
 * for the worker. Every --interval seconds it prints req/s, errors by code,
 * p50/p99 latency, server and worker RSS and the queue; at the end a summary,
 * also written to bench/results/soak-<timestamp>.json. Not part of `npm test`.
 *
 * Options: --minutes N (10), --interval S (30), --concurrency C (8 client loops).
 */
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { cleanupAll, installSignalHandlers, onCleanup } from "./lib/cleanup";
import { gql, type GraphQLReply } from "./lib/client";
import { migrateDatabase } from "./lib/dashql-cli";
import { CLI, RESULTS_DIR } from "./lib/paths";
import { startPostgres } from "./lib/postgres";
import { startDashql } from "./lib/processes";
import { trackProcess } from "../test/support/processes";

interface SoakOptions {
  minutes: number;
  intervalSec: number;
  concurrency: number;
}

function parseArgs(argv: string[]): SoakOptions {
  const options: SoakOptions = { minutes: 10, intervalSec: 30, concurrency: 8 };
  const names: Record<string, keyof SoakOptions> = { minutes: "minutes", interval: "intervalSec", concurrency: "concurrency" };
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(argv[i]);
    const key = match && names[match[1]];
    if (!key) throw new Error(`unknown option ${argv[i]}; use --minutes N, --interval S, --concurrency C`);
    const value = Number(match[2] ?? argv[++i]);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${match[1]} needs a positive number`);
    options[key] = value;
  }
  return options;
}

/** One kind of request the clients send, with its share of the mix. */
interface Operation {
  name: string;
  weight: number;
  run(client: LoadClient): Promise<GraphQLReply>;
}

interface LoadClient {
  url: string;
  token: string;
  n: number;
  seq: number;
  companyIds: string[];
  runsDir: string;
}

const COMPANIES = `query($first: Int) { companies(first: $first) { totalCount nodes { id name finances { year totalEarnings } } } }`;
const COMPANY = `query($id: ID!) { company(id: $id) { id name ceo finances { year q1Earnings totalEarnings } } }`;
const FILES = `query($first: Int) { files(first: $first) { totalCount nodes { id host fullName fileType fileSize } } }`;
const QUEUE = `query($first: Int) { queue(first: $first) { totalCount nodes { id status attempts runDir summary { tests failures } } } }`;
const CREATE = `mutation($input: CreateCompanyInput!) { createCompany(input: $input) { id } }`;
const REGISTER = `mutation($files: [FileInput!]!) { registerFiles(files: $files) { created updated } }`;
const ENQUEUE = `mutation($runs: [EnqueueRunInput!]!) { enqueueRuns(runs: $runs) { id } }`;

const OPERATIONS: Operation[] = [
  { name: "companies", weight: 25, run: (c) => gql(c.url, COMPANIES, { first: 20 }, c.token) },
  {
    name: "company",
    weight: 15,
    run: (c) => gql(c.url, COMPANY, { id: c.companyIds[Math.floor(Math.random() * c.companyIds.length)] ?? "1" }, c.token),
  },
  { name: "files", weight: 10, run: (c) => gql(c.url, FILES, { first: 20 }, c.token) },
  { name: "queue", weight: 10, run: (c) => gql(c.url, QUEUE, { first: 20 }, c.token) },
  {
    name: "createCompany",
    weight: 10,
    run: async (c) => {
      const reply = await gql(c.url, CREATE, { input: { name: `Soak ${c.n}-${c.seq} ${randomBytes(3).toString("hex")}`, ceo: "Soak" } }, c.token);
      const id = reply.body.data?.createCompany?.id;
      if (id && c.companyIds.length < 5000) c.companyIds.push(id);
      return reply;
    },
  },
  {
    name: "registerFiles",
    weight: 20,
    run: (c) => {
      // A bounded set of paths: over time most calls update rows instead of adding them, like a rescan.
      const dir = `/soak/run-${c.n}-${c.seq % 200}`;
      const files = Array.from({ length: 20 }, (_, k) => ({ host: "soak-host", runDir: dir, fullName: `${dir}/out/file-${k}.log`, fileSize: c.seq + k }));
      return gql(c.url, REGISTER, { files }, c.token);
    },
  },
  {
    name: "enqueue",
    weight: 10,
    run: async (c) => {
      const dir = path.join(c.runsDir, `run-${c.n}-${c.seq}`);
      await mkdir(dir, { recursive: true });
      const failed = c.seq % 4 === 0;
      await writeFile(
        path.join(dir, "TEST-soak.xml"),
        `<testsuite name="soak" tests="2" failures="${failed ? 1 : 0}" time="0.2"><testcase name="a"/><testcase name="b">${failed ? "<failure/>" : ""}</testcase></testsuite>`,
      );
      return gql(c.url, ENQUEUE, { runs: [{ runDir: dir, owner: "soak" }] }, c.token);
    },
  },
];
const TOTAL_WEIGHT = OPERATIONS.reduce((sum, op) => sum + op.weight, 0);

function pick(): Operation {
  let r = Math.random() * TOTAL_WEIGHT;
  for (const op of OPERATIONS) {
    r -= op.weight;
    if (r < 0) return op;
  }
  return OPERATIONS[0];
}

/** What one interval (or the whole run) saw. */
class Window {
  count = 0;
  latencies: number[] = [];
  errors = new Map<string, number>();
  byOperation = new Map<string, number>();

  record(op: string, ms: number, code: string | undefined): void {
    this.count++;
    this.latencies.push(ms);
    this.byOperation.set(op, (this.byOperation.get(op) ?? 0) + 1);
    if (code) this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  percentile(p: number): number {
    if (this.latencies.length === 0) return NaN;
    const sorted = Float64Array.from(this.latencies).sort();
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  }
}

/** The error code of a reply: the first GraphQL error's code, the HTTP status, or NETWORK. */
function errorCode(reply: GraphQLReply | Error): string | undefined {
  if (reply instanceof Error) return "NETWORK";
  const code = reply.body.errors?.[0]?.extensions?.code;
  if (code) return code;
  return reply.status === 200 ? undefined : `HTTP_${reply.status}`;
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");
const codes = (m: Map<string, number>) => (m.size === 0 ? "none" : [...m].map(([k, v]) => `${k}=${v}`).join(" "));

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  installSignalHandlers();
  const temp = await mkdtemp(path.join(os.tmpdir(), "dashql-soak-"));
  onCleanup("soak temp dir", () => rm(temp, { recursive: true, force: true }));
  const runsDir = path.join(temp, "runs");
  await mkdir(runsDir);

  console.log(`soak: ${options.minutes} min, ${options.concurrency} client loops, report every ${options.intervalSec} s`);
  const postgres = await startPostgres(process.env.DATABASE_URL);
  const databaseUrl = await postgres.createDatabase("dashql_soak");
  await migrateDatabase(databaseUrl);
  const adminToken = `dq_soak_${randomBytes(24).toString("base64url")}`;
  const server = await startDashql({ databaseUrl, adminToken, logDir: temp, label: "soak-server", env: { SQL_STATEMENT_HEADER: "false" } });
  console.log(`soak: PostgreSQL ${postgres.version}${postgres.embedded ? " (embedded)" : ""}, dashql at ${server.url} (pid ${server.pid})`);

  // One worker, as an operator would run it next to the server.
  const worker = trackProcess(
    spawn(process.execPath, [CLI, "--database-url", databaseUrl, "work", "--poll", "1s", "--concurrency", "2"], {
      env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "warn" },
      stdio: ["ignore", "ignore", "pipe"],
    }),
    "dashql work",
  );
  const stopWorker = onCleanup("dashql worker", async () => {
    await worker.stop();
    await writeFile(path.join(temp, "worker.log"), worker.stderr()).catch(() => undefined);
  });

  const pg = new Client({ connectionString: databaseUrl });
  pg.on("error", () => undefined);
  await pg.connect();
  onCleanup("soak pg client", () => pg.end());
  const queueCounts = async (): Promise<Record<string, number>> => {
    const { rows } = await pg.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM queue_item GROUP BY status`);
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  };

  const total = new Window();
  let window = new Window();
  const intervals: Record<string, unknown>[] = [];
  const started = performance.now();
  const endAt = started + options.minutes * 60_000;
  let windowStarted = started;

  const report = async () => {
    const now = performance.now();
    const seconds = (now - windowStarted) / 1000;
    const row = {
      atSec: Math.round((now - started) / 1000),
      requests: window.count,
      reqPerSec: window.count / seconds,
      p50Ms: window.percentile(50),
      p99Ms: window.percentile(99),
      errors: Object.fromEntries(window.errors),
      serverRssMb: server.rssMb(),
      workerRssMb: worker.rssMb(),
      queue: await queueCounts(),
    };
    intervals.push(row);
    console.log(
      `${String(row.atSec).padStart(5)} s  ${fmt(row.reqPerSec).padStart(7)} req/s  p50 ${fmt(row.p50Ms).padStart(6)} ms  p99 ${fmt(row.p99Ms).padStart(7)} ms  ` +
        `server ${fmt(row.serverRssMb, 0)} MB  worker ${fmt(row.workerRssMb, 0)} MB  queue ${JSON.stringify(row.queue)}  errors ${codes(window.errors)}`,
    );
    window = new Window();
    windowStarted = now;
  };

  // Seed a few companies so single-company reads have something to find.
  const companyIds: string[] = [];
  for (let i = 0; i < 20; i++) {
    const reply = await gql(server.url, CREATE, { input: { name: `Soak seed ${i}` } }, adminToken);
    if (reply.body.data?.createCompany?.id) companyIds.push(reply.body.data.createCompany.id);
  }

  const loop = async (n: number) => {
    const client: LoadClient = { url: server.url, token: adminToken, n, seq: 0, companyIds, runsDir };
    while (performance.now() < endAt) {
      const op = pick();
      client.seq++;
      const t0 = performance.now();
      const reply = await op.run(client).catch((e: Error) => e);
      const ms = performance.now() - t0;
      const code = errorCode(reply);
      window.record(op.name, ms, code);
      total.record(op.name, ms, code);
    }
  };
  const timer = setInterval(() => void report(), options.intervalSec * 1000);
  await Promise.all(Array.from({ length: options.concurrency }, (_, n) => loop(n)));
  clearInterval(timer);
  if (window.count > 0) await report();

  // Let the worker finish what was enqueued (bounded), then check nothing was lost.
  const drainStarted = performance.now();
  let queue = await queueCounts();
  while ((queue.QUEUED ?? 0) + (queue.RUNNING ?? 0) > 0 && performance.now() - drainStarted < 120_000) {
    await new Promise((r) => setTimeout(r, 1000));
    queue = await queueCounts();
  }
  const drainSec = (performance.now() - drainStarted) / 1000;
  const serverRss = intervals.map((i) => i.serverRssMb as number).filter(Number.isFinite);
  const durationSec = (performance.now() - started) / 1000;
  const summary = {
    startedAt: new Date(Date.now() - durationSec * 1000).toISOString(),
    options,
    machine: { cpus: os.cpus()[0]?.model, cores: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30) },
    postgres: postgres.version,
    durationSec,
    requests: total.count,
    reqPerSec: total.count / (options.minutes * 60),
    p50Ms: total.percentile(50),
    p99Ms: total.percentile(99),
    errors: Object.fromEntries(total.errors),
    byOperation: Object.fromEntries(total.byOperation),
    serverRssMb: { first: serverRss[0], last: serverRss[serverRss.length - 1], max: Math.max(...serverRss) },
    queue: { final: queue, drainSec },
    serverAlive: server.rssMb() > 0,
    intervals,
  };
  await stopWorker();
  await server.stop();

  console.log("\nsoak summary");
  console.log(`  ${summary.requests} requests in ${fmt(options.minutes * 60, 0)} s: ${fmt(summary.reqPerSec)} req/s, p50 ${fmt(summary.p50Ms)} ms, p99 ${fmt(summary.p99Ms)} ms`);
  console.log(`  errors: ${codes(total.errors)}`);
  console.log(`  server RSS: first ${fmt(summary.serverRssMb.first, 0)} MB, last ${fmt(summary.serverRssMb.last, 0)} MB, max ${fmt(summary.serverRssMb.max, 0)} MB`);
  console.log(`  queue after the load: ${JSON.stringify(queue)} (waited ${fmt(drainSec)} s for the worker)`);
  console.log(`  mix: ${codes(total.byOperation)}`);
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `soak-${summary.startedAt.replace(/[:.]/g, "-")}.json`);
  await writeFile(file, JSON.stringify(summary, null, 2) + "\n");
  console.log(`  written to ${path.relative(process.cwd(), file)}`);
  if (!summary.serverAlive) process.exitCode = 1;
}

main()
  .catch((error: unknown) => {
    console.error(`soak failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
