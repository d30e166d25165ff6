/**
 * Read replicas: what one streaming replica changes, measured in one run.
 *
 *   npm run bench:replicas [-- --seconds 8 --rounds 3 --connections 8]
 *
 * Starts a primary and one replica (test/support/replica.ts), loads 1,000
 * companies x 8 finance years, and runs two `dashql serve` processes
 * (production mode) on the same primary: "primary" (DATABASE_URL only) and
 * "replica" (plus DATABASE_READ_URLS). Then, rounds alternating between them:
 *
 * - Q1 companies(first: 100) + finances and Q2 company(id) + finances:
 *   req/s, p50/p99, errors, the share of the queries' SELECTs that ran on the
 *   replica (pg_stat_statements on each server) and CPU ms per request of the
 *   dashql process and of each PostgreSQL;
 * - M1 createCompany under load, with a probe measuring commit-to-visible on
 *   the replica (from the mutation's response to the row being readable there);
 * - a Q2 read sent with the position of the write just made, against the same
 *   read without it: the latency read-your-writes adds.
 *
 * On 2 shared cores a replica cannot make reads faster (the replica competes for
 * the same CPU); the figures are the share moved off the primary and the cost.
 * Writes bench/results/replicas-<timestamp>.json.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { Client } from "pg";
import { startReplicatedPostgres, sql, waitForReplay, type PostgresServer, type ReplicatedPostgres } from "../test/support/replica";

/** dist-bench/bench/replicas.js -> the repository. */
const ROOT = path.resolve(__dirname, "../..");
const CLI = path.join(ROOT, "bin/dashql.js");
const DB = "bench_replicas";
const TOKEN = "dq_bench-replicas-admin-token-0123456789";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const SECONDS = option("seconds", 8);
const ROUNDS = option("rounds", 3);
const CONNECTIONS = option("connections", 8);

const COMPANY_FIELDS = `id name ceo businessType createdAt updatedAt
  finances { id year q1Earnings q2Earnings q3Earnings q4Earnings totalEarnings }`;
const Q1 = `query Q1($first: Int!) { companies(first: $first) { nodes { ${COMPANY_FIELDS} } pageInfo { hasNextPage endCursor } } }`;
const Q2 = `query Q2($id: ID!) { company(id: $id) { ${COMPANY_FIELDS} } }`;
const M1 = `mutation M1($input: CreateCompanyInput!) { createCompany(input: $input) { ${COMPANY_FIELDS} } }`;

// ---------------------------------------------------------------- processes and CPU

interface Server {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

async function startServer(name: string, env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [CLI, "serve"], {
    cwd: ROOT,
    // One server process (no node:cluster fork), so the CPU read from /proc is that of the process serving.
    env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "warn", HOST: "127.0.0.1", PORT: "0", ADMIN_TOKEN: TOKEN, DB_POOL_SIZE: "10", SERVER_PROCESSES: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = once(child, "exit");
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /dashql is ready: GraphiQL at (http:\/\/\S+\/graphql)/.exec(line);
      if (match) resolve(match[1].replace("localhost", "127.0.0.1"));
    });
    void exited.then(() => reject(new Error(`${name} server exited:\n${stderr}`)));
  });
  return {
    name,
    url,
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}

const TICK_MS = 1000 / 100; // USER_HZ

/** CPU time (user + system) of a process in ms, from /proc; with `reaped`, also that of its children that exited. */
function cpuMs(pid: number, reaped = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0)) * TICK_MS;
  } catch {
    return 0;
  }
}

/**
 * CPU ms of a PostgreSQL server: the postmaster, its live children (backends, walsender, startup...) and,
 * through the postmaster's cutime/cstime, the children that have exited since it started.
 */
function postgresCpuMs(server: PostgresServer): number {
  const postmaster = Number(readFileSync(path.join(server.clusterDir, "postmaster.pid"), "utf8").split("\n")[0]);
  let total = cpuMs(postmaster, true);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1].split(" ")[1]);
      if (ppid === postmaster) total += cpuMs(Number(entry));
    } catch {
      // gone
    }
  }
  return total;
}

// ---------------------------------------------------------------- HTTP load

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface Answer {
  status: number;
  body: string;
  lsn: string | undefined;
  ms: number;
}

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: "POST", agent, headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}`, "content-length": Buffer.byteLength(body), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            lsn: res.headers["x-dashql-lsn"] as string | undefined,
            ms: performance.now() - started,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const failed = (a: Answer) => a.status !== 200 || a.body.includes('"errors"');

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const median = (values: number[]) => percentile(values, 50);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

interface LoadResult {
  requests: number;
  errors: number;
  reqPerSec: number;
  p50: number;
  p99: number;
}

/** `connections` closed loops sending `next()` for `seconds`. */
async function load(url: string, next: (i: number) => string, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) {
        try {
          const answer = await post(url, next(n++));
          latencies.push(answer.ms);
          if (failed(answer)) errors += 1;
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { requests: latencies.length, errors, reqPerSec: latencies.length / elapsed, p50: median(latencies), p99: percentile(latencies, 99) };
}

// ---------------------------------------------------------------- statement counts

/** Executions of SELECTs on company/finance in DB on one server (pg_stat_statements), over a connection kept open. */
async function companySelects(client: Client): Promise<number> {
  const {
    rows: [row],
  } = await client.query<{ n: string | null }>(
    `SELECT sum(calls)::text AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = $1 AND query ~* '^\\s*SELECT' AND query ~* '\\m(company|finance)\\M'`,
    [DB],
  );
  return Number(row.n ?? 0);
}

// ---------------------------------------------------------------- phases

interface ReadRow {
  op: string;
  target: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  replicaShare: number;
  dashqlCpuMsPerReq: number;
  primaryPgCpuMsPerReq: number;
  replicaPgCpuMsPerReq: number;
}

async function readPhase(cluster: ReplicatedPostgres, servers: Server[], op: "Q1" | "Q2", ids: number[]): Promise<ReadRow[]> {
  const body = (i: number) =>
    op === "Q1" ? JSON.stringify({ query: Q1, variables: { first: 100 } }) : JSON.stringify({ query: Q2, variables: { id: String(ids[i % ids.length]) } });
  // Warm-up: compiled queries, prepared statements, pools.
  for (const server of servers) await load(server.url, body, 2);
  const rows = new Map<string, { results: LoadResult[]; share: number[]; cpu: number[]; primaryCpu: number[]; replicaCpu: number[] }>();
  const primaryStats = new Client({ connectionString: cluster.primary.url(DB) });
  const replicaStats = new Client({ connectionString: cluster.replicas[0].url(DB) });
  await primaryStats.connect();
  await replicaStats.connect();
  for (let r = 0; r < ROUNDS; r++) {
    for (const server of r % 2 === 0 ? servers : [...servers].reverse()) {
      const before = { p: await companySelects(primaryStats), r: await companySelects(replicaStats) };
      const cpu0 = { dashql: cpuMs(server.child.pid!), primary: postgresCpuMs(cluster.primary), replica: postgresCpuMs(cluster.replicas[0]) };
      const result = await load(server.url, body, SECONDS);
      const cpu1 = { dashql: cpuMs(server.child.pid!), primary: postgresCpuMs(cluster.primary), replica: postgresCpuMs(cluster.replicas[0]) };
      const after = { p: await companySelects(primaryStats), r: await companySelects(replicaStats) };
      const onReplica = after.r - before.r;
      const total = onReplica + (after.p - before.p);
      const entry = rows.get(server.name) ?? { results: [], share: [], cpu: [], primaryCpu: [], replicaCpu: [] };
      entry.results.push(result);
      entry.share.push(total > 0 ? onReplica / total : 0);
      entry.cpu.push((cpu1.dashql - cpu0.dashql) / result.requests);
      entry.primaryCpu.push((cpu1.primary - cpu0.primary) / result.requests);
      entry.replicaCpu.push((cpu1.replica - cpu0.replica) / result.requests);
      rows.set(server.name, entry);
      console.log(`  ${op} ${server.name} round ${r + 1}: ${round(result.reqPerSec, 0)} req/s, p50 ${round(result.p50)} ms, p99 ${round(result.p99)} ms, errors ${result.errors}`);
    }
  }
  await primaryStats.end();
  await replicaStats.end();
  return [...rows].map(([target, e]) => ({
    op,
    target,
    reqPerSec: round(median(e.results.map((x) => x.reqPerSec)), 0),
    p50: round(median(e.results.map((x) => x.p50))),
    p99: round(median(e.results.map((x) => x.p99))),
    errors: e.results.reduce((n, x) => n + x.errors, 0),
    replicaShare: round(median(e.share) * 100, 1),
    dashqlCpuMsPerReq: round(median(e.cpu), 2),
    primaryPgCpuMsPerReq: round(median(e.primaryCpu), 2),
    replicaPgCpuMsPerReq: round(median(e.replicaCpu), 2),
  }));
}

let created = 0;
const m1Body = () =>
  JSON.stringify({
    query: M1,
    variables: {
      input: {
        name: `Bench replica ${process.pid}-${++created}`,
        ceo: "CEO",
        businessType: "Benchmarking",
        finances: [2021, 2022, 2023, 2024].map((year, i) => ({ year, q1Earnings: 1000 + i, q2Earnings: 1001, q3Earnings: 1002, q4Earnings: i === 3 ? null : 1003 })),
      },
    },
  });

interface FreshRead {
  samples: number;
  withPositionP50: number;
  withoutPositionP50: number;
  addedP50: number;
  withPositionP99: number;
  withoutPositionP99: number;
}

/** One probe round: M1, then Q2 of the new company with the mutation's position, then the same Q2 without it. */
async function freshReadOnce(server: Server, withPosition: number[], withoutPosition: number[]): Promise<void> {
  const answer = await post(server.url, m1Body());
  const id = (JSON.parse(answer.body) as { data: { createCompany: { id: string } } }).data.createCompany.id;
  const q2 = JSON.stringify({ query: Q2, variables: { id } });
  const fresh = await post(server.url, q2, { "x-dashql-lsn": answer.lsn! });
  if (failed(fresh) || fresh.body.includes('"company":null')) throw new Error(`read with position missed the write: ${fresh.body.slice(0, 200)}`);
  withPosition.push(fresh.ms);
  withoutPosition.push((await post(server.url, q2)).ms);
}

function freshReadSummary(withPosition: number[], withoutPosition: number[]): FreshRead {
  return {
    samples: withPosition.length,
    withPositionP50: round(median(withPosition), 2),
    withoutPositionP50: round(median(withoutPosition), 2),
    addedP50: round(median(withPosition) - median(withoutPosition), 2),
    withPositionP99: round(percentile(withPosition, 99), 2),
    withoutPositionP99: round(percentile(withoutPosition, 99), 2),
  };
}

/** The same probe with no other load: what read-your-writes itself adds. */
async function idleFreshReads(server: Server, samples: number): Promise<FreshRead> {
  const withPosition: number[] = [];
  const withoutPosition: number[] = [];
  for (let i = 0; i < samples; i++) {
    await freshReadOnce(server, withPosition, withoutPosition);
    await new Promise((r) => setTimeout(r, 20));
  }
  return freshReadSummary(withPosition, withoutPosition);
}

interface WritePhase {
  m1: LoadResult & { dashqlCpuMsPerReq: number; primaryPgCpuMsPerReq: number; replicaPgCpuMsPerReq: number };
  visibleMs: { samples: number; p50: number; p99: number; max: number };
  freshRead: FreshRead;
}

/**
 * M1 load on the replica-configured server; meanwhile one probe loop does
 * M1 -> poll the replica until the row is there (commit to visible), and
 * another does M1 -> Q2 with its position, Q2 without (added latency).
 */
async function writePhase(cluster: ReplicatedPostgres, server: Server): Promise<WritePhase> {
  const replicaClient = new Client({ connectionString: cluster.replicas[0].url(DB) });
  await replicaClient.connect();
  const visible: number[] = [];
  const withPosition: number[] = [];
  const withoutPosition: number[] = [];
  const deadline = performance.now() + SECONDS * ROUNDS * 1000;
  const visibilityProbe = async () => {
    while (performance.now() < deadline) {
      const answer = await post(server.url, m1Body());
      const committedBy = performance.now();
      const id = (JSON.parse(answer.body) as { data: { createCompany: { id: string } } }).data.createCompany.id;
      for (;;) {
        const { rows } = await replicaClient.query("SELECT EXISTS (SELECT 1 FROM company WHERE id = $1) AS seen", [id]);
        if (rows[0].seen) break;
      }
      visible.push(performance.now() - committedBy);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const freshReadProbe = async () => {
    while (performance.now() < deadline) {
      await freshReadOnce(server, withPosition, withoutPosition);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const cpu0 = { dashql: cpuMs(server.child.pid!), primary: postgresCpuMs(cluster.primary), replica: postgresCpuMs(cluster.replicas[0]) };
  const [m1] = await Promise.all([load(server.url, m1Body, SECONDS * ROUNDS), visibilityProbe(), freshReadProbe()]);
  const cpu1 = { dashql: cpuMs(server.child.pid!), primary: postgresCpuMs(cluster.primary), replica: postgresCpuMs(cluster.replicas[0]) };
  await replicaClient.end();
  // The probes' requests (about 1 in 20) are counted in the CPU figures' denominator too.
  const requests = m1.requests + visible.length + 3 * withPosition.length;
  return {
    m1: {
      ...m1,
      dashqlCpuMsPerReq: round((cpu1.dashql - cpu0.dashql) / requests, 2),
      primaryPgCpuMsPerReq: round((cpu1.primary - cpu0.primary) / requests, 2),
      replicaPgCpuMsPerReq: round((cpu1.replica - cpu0.replica) / requests, 2),
    },
    visibleMs: { samples: visible.length, p50: round(median(visible), 2), p99: round(percentile(visible, 99), 2), max: round(Math.max(...visible), 2) },
    freshRead: freshReadSummary(withPosition, withoutPosition),
  };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const startedAt = new Date();
  console.log(`bench:replicas: ${SECONDS} s x ${ROUNDS} rounds, ${CONNECTIONS} connections; load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  const cluster = await startReplicatedPostgres();
  const servers: Server[] = [];
  try {
    const admin = cluster.primary.url();
    await sql(admin, `CREATE DATABASE ${DB}`);
    const primaryUrl = cluster.primary.url(DB);
    const replicaUrl = cluster.replicas[0].url(DB);
    await sql(primaryUrl, "CREATE EXTENSION pg_stat_statements");
    // The first server migrates the database; the data set goes in with SQL (what is measured is reads, not loading).
    servers.push(await startServer("primary only", { DATABASE_URL: primaryUrl }));
    await sql(
      primaryUrl,
      `INSERT INTO company (name, ceo, business_type) SELECT 'Company ' || g, 'CEO ' || (g % 97), 'Type ' || (g % 7) FROM generate_series(1, 1000) g`,
    );
    await sql(
      primaryUrl,
      `INSERT INTO finance (company_id, year, q1_earnings, q2_earnings, q3_earnings, q4_earnings)
       SELECT c.id, y, 1000 + c.id % 100, 2000 + y % 10, 3000, 4000 FROM company c, generate_series(2017, 2024) y`,
    );
    await sql(primaryUrl, "ANALYZE");
    const ids = (await sql<{ id: number }>(primaryUrl, "SELECT id FROM company ORDER BY id")).map((r) => r.id);
    servers.push(await startServer("primary + replica", { DATABASE_URL: primaryUrl, DATABASE_READ_URLS: replicaUrl }));
    await waitForReplay(primaryUrl, replicaUrl);

    const reads = [...(await readPhase(cluster, servers, "Q1", ids)), ...(await readPhase(cluster, servers, "Q2", ids))];
    console.log("  Q2 after a write, no other load ...");
    const idleFresh = await idleFreshReads(servers[1], 100);
    console.log("  M1 load with commit-to-visible and fresh-position probes ...");
    const writes = await writePhase(cluster, servers[1]);

    console.log("\n| op | servers | req/s | p50 ms | p99 ms | errors | SELECTs on replica | dashql CPU ms/req | primary PG CPU ms/req | replica PG CPU ms/req |");
    console.log("|----|---------|------:|-------:|-------:|-------:|-------------------:|------------------:|----------------------:|----------------------:|");
    for (const r of reads) {
      console.log(
        `| ${r.op} | ${r.target} | ${r.reqPerSec} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.replicaShare}% | ${r.dashqlCpuMsPerReq} | ${r.primaryPgCpuMsPerReq} | ${r.replicaPgCpuMsPerReq} |`,
      );
    }
    const m = writes.m1;
    console.log(`| M1 | primary + replica | ${round(m.reqPerSec, 0)} | ${round(m.p50)} | ${round(m.p99)} | ${m.errors} | | ${m.dashqlCpuMsPerReq} | ${m.primaryPgCpuMsPerReq} | ${m.replicaPgCpuMsPerReq} |`);
    console.log(`\ncommit to visible on the replica under M1 load (${writes.visibleMs.samples} samples): p50 ${writes.visibleMs.p50} ms, p99 ${writes.visibleMs.p99} ms, max ${writes.visibleMs.max} ms`);
    for (const [label, f] of [["no other load", idleFresh], ["under M1 load", writes.freshRead]] as const) {
      console.log(
        `Q2 right after a write, ${label} (${f.samples} samples): with its position p50 ${f.withPositionP50} ms (p99 ${f.withPositionP99}), without p50 ${f.withoutPositionP50} ms (p99 ${f.withoutPositionP99}): added p50 ${f.addedP50} ms (target <= 20 ms)`,
      );
    }

    const resultsDir = path.join(ROOT, "bench/results");
    mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `replicas-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        { startedAt, seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavg: os.loadavg(), reads, idleFresh, writes },
        null,
        2,
      ) + "\n",
    );
    console.log(`\nwritten to ${path.relative(ROOT, file)}`);
  } finally {
    for (const server of servers) await server.stop();
    await cluster.dispose();
    agent.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
