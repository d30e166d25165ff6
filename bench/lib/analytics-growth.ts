/**
 * Analytics growth phase (issue 12): the four chart queries of the Trends view
 * and the Companies page at 1,000,000 tracked files, 200,000 runs (half
 * summarized) and 100,000 companies x 8 finance years, at 4 connections, next to
 * a plain `SELECT count(*)` of the same table in the same run as a floor. Also
 * records EXPLAIN (ANALYZE, BUFFERS) of each aggregate statement, captured from
 * the built domain functions (dist/domain/analytics), so the plan is the one
 * the API runs.
 *
 * Optional: `BENCH_ANALYTICS=1 npm run bench` runs it after the other phases;
 * `npm run build && npx tsc -p bench/tsconfig.json && node dist-bench/bench/lib/analytics-growth.js`
 * runs it alone.
 */
import path from "node:path";
import { Client } from "pg";
import { cleanupAll, installSignalHandlers, onCleanup } from "./cleanup";
import { check, post } from "./client";
import type { BenchContext } from "./context";
import { migrateDatabase } from "./dashql-cli";
import { generateCompanies, generateFiles } from "./dataset";
import { loadRound, summarize, type RoundResult } from "./load";
import { parseOptions } from "./options";
import { ROOT } from "./paths";
import { startPostgres } from "./postgres";
import { startDashql } from "./processes";

export interface AnalyticsResult {
  name: string;
  table: string;
  rows: number;
  groups: number;
  dashql: Pick<RoundResult, "requests" | "p50Ms" | "p99Ms" | "requestsPerSec" | "statementsPerRequest" | "errors">;
  floor: { requests: number; p50Ms: number; p99Ms: number };
  /** EXPLAIN (ANALYZE, BUFFERS) of the aggregate statement, text format. */
  plan: string[];
}

/** A bulk write timed through the API on the grown tables (whatever triggers they carry). */
export interface AnalyticsWrite {
  name: string;
  seconds: number;
}

export const ANALYTICS_SIZES = { files: 1_000_000, runs: 200_000, companies: 100_000, years: 8 };
const CONNECTIONS = 4;
const ROUNDS = 2;
const ROUND_SEC = 4;
const DAY_MS = 86_400_000;

/** INSERT ... SELECT generate_series: the whole data set in about a minute, no client round trips per row. */
async function loadData(client: Client, log: (m: string) => void): Promise<void> {
  const { files, runs, companies, years } = ANALYTICS_SIZES;
  const step = async (what: string, sql: string) => {
    const t = performance.now();
    await client.query(sql);
    log(`analytics: ${what} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  await step(
    `${companies.toLocaleString("en-US")} companies`,
    `INSERT INTO company (name, ceo, business_type)
     SELECT 'Company ' || i, 'CEO ' || i,
            (ARRAY['Retail','Aerospace','Banking','Energy','Health','Media','Mining','Software','Telecom','Transport','Utilities', NULL])[1 + i % 12]
       FROM generate_series(1, ${companies}) AS i`,
  );
  // 5% of quarters null, so the null rules are exercised at scale too.
  const quarter = `CASE WHEN random() < 0.05 THEN NULL ELSE round((random() * 1000000)::numeric, 2) END`;
  await step(
    `${(companies * years).toLocaleString("en-US")} finance rows`,
    `INSERT INTO finance (company_id, year, q1_earnings, q2_earnings, q3_earnings, q4_earnings)
     SELECT c, ${2026 - years} + y, ${quarter}, ${quarter}, ${quarter}, ${quarter}
       FROM generate_series(1, ${companies}) AS c, generate_series(1, ${years}) AS y`,
  );
  // Runs over the last 180 days; even ids are finished and summarized, odd ones queued, running or cancelled.
  await step(
    `${runs.toLocaleString("en-US")} runs`,
    `INSERT INTO queue_item (created_at, time_to_live, run_dir, owner, site, host, run_tag, status, started_at, finished_at, summary)
     SELECT at, at + interval '1 day', '/runs/' || i, 'team-' || (i % 10), (ARRAY['berlin','paris','austin'])[1 + i % 3],
            'build-' || lpad((i % 40)::text, 2, '0'), (ARRAY['Nightly','Development'])[1 + i % 2],
            CASE WHEN i % 2 = 0 THEN (CASE WHEN i % 7 = 0 THEN 'FAILED' ELSE 'SUCCEEDED' END)
                 ELSE (ARRAY['QUEUED','RUNNING','CANCELLED'])[1 + (i / 2) % 3] END,
            CASE WHEN i % 2 = 0 THEN at + interval '1 minute' END,
            CASE WHEN i % 2 = 0 THEN at + interval '1 minute' + random() * interval '40 minutes' END,
            CASE WHEN i % 2 = 0 THEN jsonb_build_object('tests', 200 + i % 50, 'failures', (i % 7 = 0)::int * (1 + i % 5), 'errors', (i % 13 = 0)::int,
                                                    'skipped', i % 4, 'durationSeconds', round((random() * 900)::numeric, 2)) END
       FROM (SELECT i, now() - random() * interval '180 days' AS at FROM generate_series(1, ${runs}) AS i) AS g`,
  );
  await step(
    `${files.toLocaleString("en-US")} tracked files`,
    `INSERT INTO tracked_file (created_at, updated_at, host, run_dir, file_path, file_name, full_name, file_type, file_size)
     SELECT at, at, 'build-' || lpad((i % 40)::text, 2, '0'), '/runs/' || (i % 20000), '/runs/' || (i % 20000),
            'f' || i || '.' || t, '/runs/' || (i % 20000) || '/f' || i || '.' || t, t, (random() * 10000000)::bigint
       FROM (SELECT i, (ARRAY['xml','log','txt','json','gz'])[1 + i % 5] AS t, now() - random() * interval '365 days' AS at
               FROM generate_series(1, ${files}) AS i) AS g`,
  );
  await step("VACUUM ANALYZE", "VACUUM ANALYZE");
}

interface ChartQuery {
  name: string;
  table: string;
  query: string;
  variables: Record<string, unknown>;
  field: string;
  /** The same call on the domain function, for EXPLAIN. */
  domain: { module: string; fn: string; props: Record<string, unknown> };
}

function chartQueries(now: number): ChartQuery[] {
  const since = (days: number) => new Date(now - days * DAY_MS).toISOString();
  return [
    {
      name: "runs per day by status, 30 days, Europe/Berlin",
      table: "queue_item",
      query: `query($from: DateTime) { runAggregates(groupBy: [STATUS], bucket: DAY, timeZone: "Europe/Berlin", filter: { from: $from }) { bucket status runs } }`,
      variables: { from: since(30) },
      field: "runAggregates",
      domain: { module: "run-aggregates", fn: "runAggregates", props: { groupBy: ["STATUS"], bucket: "DAY", timeZone: "Europe/Berlin", filter: { from: new Date(since(30)) }, fields: ["bucket", "status", "runs"] } },
    },
    {
      name: "pass rate per day by host, 90 days",
      table: "queue_item",
      query: `query($from: DateTime) { runAggregates(groupBy: [HOST], bucket: DAY, timeZone: "Europe/Berlin", filter: { from: $from }) { bucket host passRate } }`,
      variables: { from: since(90) },
      field: "runAggregates",
      domain: { module: "run-aggregates", fn: "runAggregates", props: { groupBy: ["HOST"], bucket: "DAY", timeZone: "Europe/Berlin", filter: { from: new Date(since(90)) }, fields: ["bucket", "host", "passRate"] } },
    },
    {
      name: "files by host",
      table: "tracked_file",
      query: `{ fileAggregates(groupBy: [HOST]) { host files bytes } }`,
      variables: {},
      field: "fileAggregates",
      domain: { module: "file-aggregates", fn: "fileAggregates", props: { groupBy: ["HOST"] } },
    },
    {
      name: "finance by year and business type",
      table: "finance",
      query: `{ financeAggregates(groupBy: [YEAR, BUSINESS_TYPE]) { year businessType sum { total } } }`,
      variables: {},
      field: "financeAggregates",
      domain: { module: "finance-aggregates", fn: "financeAggregates", props: { groupBy: ["YEAR", "BUSINESS_TYPE"], figures: ["sum.total"] } },
    },
  ];
}

/** The SQL a domain function would send: an EntityManager stand-in that records the statement and stops. */
async function captureSql(q: ChartQuery): Promise<{ sql: string; params: unknown[] }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(ROOT, "dist/domain/analytics", `${q.domain.module}.js`));
  let captured: { sql: string; params: unknown[] } | undefined;
  const em = {
    query: async (sql: string, params: unknown[]) => {
      captured = { sql, params };
      return [];
    },
  };
  await mod[q.domain.fn](em, q.domain.props);
  if (!captured) throw new Error(`${q.domain.fn} sent no SQL`);
  return captured;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** `SELECT count(*)` of the table from CONNECTIONS clients for the same time: the floor. */
async function countFloor(url: string, table: string): Promise<AnalyticsResult["floor"]> {
  const clients = await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    const c = new Client({ connectionString: url });
    await c.connect();
    return c;
  }));
  try {
    const times: number[] = [];
    const until = performance.now() + ROUNDS * ROUND_SEC * 1000;
    await Promise.all(
      clients.map(async (c) => {
        await c.query(`SELECT count(*) FROM ${table}`); // warm
        while (performance.now() < until) {
          const t = performance.now();
          await c.query(`SELECT count(*) FROM ${table}`);
          times.push(performance.now() - t);
        }
      }),
    );
    times.sort((a, b) => a - b);
    return { requests: times.length, p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99) };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

/**
 * The bulk writes the analytics rollups could slow, on the grown tables: registerFiles
 * 46,716 files in calls of 10,000 (new, then the same again: all updates) and
 * importCompanies 10,000 x 8 (new, then the same again). Compare runs before/after.
 */
async function timeWrites(url: string, token: string, log: (m: string) => void, label: string, tag: string): Promise<AnalyticsWrite[]> {
  const out: AnalyticsWrite[] = [];
  const timed = async (what: string, bodies: string[], field: string) => {
    const name = `${what}, ${label}`;
    const t = performance.now();
    try {
      for (const body of bodies) check(await post(url, body, token), name)[field];
    } catch (error) {
      out.push({ name: `${name}: FAILED ${error instanceof Error ? error.message : String(error)}`, seconds: (performance.now() - t) / 1000 });
      log(`analytics write: ${name} failed: ${String(error)}`);
      return;
    }
    const seconds = (performance.now() - t) / 1000;
    out.push({ name, seconds });
    log(`analytics write: ${name}: ${seconds.toFixed(2)} s`);
  };
  const files = generateFiles(4716, 46_716, 7, { root: `/bench/analytics-register-${tag}` });
  const fileBodies: string[] = [];
  for (let i = 0; i < files.length; i += 10_000) {
    const batch = files.slice(i, i + 10_000).map((f) => ({ host: f.host, runDir: f.runDir, fullName: f.fullName, fileSize: f.fileSize }));
    fileBodies.push(JSON.stringify({ query: `mutation R($files: [FileInput!]!) { registerFiles(files: $files) { created updated } }`, variables: { files: batch } }));
  }
  await timed("registerFiles 46,716 in calls of 10,000 (new)", fileBodies, "registerFiles");
  await timed("registerFiles 46,716 in calls of 10,000 (same again: updates)", fileBodies, "registerFiles");
  const companies = generateCompanies(2024, 10_000, 8, 1, `AnalyticsImport ${tag} `);
  const importBody = JSON.stringify({
    query: `mutation I($companies: [CompanyImportInput!]!) { importCompanies(companies: $companies) { companiesCreated companiesUpdated financesWritten } }`,
    variables: {
      companies: companies.map((c) => ({
        name: c.name,
        ceo: c.ceo,
        businessType: c.businessType,
        finances: c.finances.map((f) => ({ year: f.year, q1Earnings: f.q1, q2Earnings: f.q2, q3Earnings: f.q3, q4Earnings: f.q4 })),
      })),
    },
  });
  await timed("importCompanies 10,000 x 8 (new)", [importBody], "importCompanies");
  await timed("importCompanies 10,000 x 8 (same again: updates)", [importBody], "importCompanies");
  return out;
}

export let analyticsWrites: AnalyticsWrite[] = [];

export async function runAnalyticsGrowthPhase(ctx: BenchContext): Promise<AnalyticsResult[]> {
  const url = await ctx.pg.createDatabase("dashql_bench_analytics");
  await migrateDatabase(url);
  const client = new Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  const results: AnalyticsResult[] = [];
  try {
    await loadData(client, ctx.log);
    if (process.env.BENCH_ANALYTICS_HOLD) {
      // For experiments: keep the loaded database until the file named by BENCH_ANALYTICS_HOLD is removed.
      const { writeFileSync, existsSync } = await import("node:fs");
      writeFileSync(process.env.BENCH_ANALYTICS_HOLD, url);
      ctx.log(`analytics: holding ${url} until ${process.env.BENCH_ANALYTICS_HOLD} is removed`);
      while (existsSync(process.env.BENCH_ANALYTICS_HOLD)) await new Promise((r) => setTimeout(r, 1000));
    }
    const dashql = await startDashql({
      databaseUrl: url,
      adminToken: ctx.adminToken,
      logDir: ctx.tmp,
      label: "analytics",
      // importCompanies 10,000 x 8 is a ~10 MB request.
      env: { MAX_BODY_BYTES: String(64 * 1024 * 1024) },
    });
    try {
      for (const q of chartQueries(Date.now())) {
        const body = JSON.stringify({ query: q.query, variables: q.variables });
        const groups = (check(await post(dashql.url, body, ctx.adminToken), q.name)[q.field] as unknown[]).length;
        const { sql, params } = await captureSql(q);
        const plan = (await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)).rows.map((r: Record<string, string>) => r["QUERY PLAN"]);
        await loadRound(dashql, { token: ctx.adminToken, connections: CONNECTIONS, durationSec: 1, bodies: [body] });
        const rounds: RoundResult[] = [];
        for (let i = 0; i < ROUNDS; i++) {
          rounds.push(await loadRound(dashql, { token: ctx.adminToken, connections: CONNECTIONS, durationSec: ROUND_SEC, bodies: [body] }));
        }
        const d = summarize(rounds);
        const floor = await countFloor(url, q.table);
        const rows = Number((await client.query(`SELECT count(*) AS n FROM ${q.table}`)).rows[0].n);
        results.push({
          name: q.name,
          table: q.table,
          rows,
          groups,
          dashql: { requests: d.requests, p50Ms: d.p50Ms, p99Ms: d.p99Ms, requestsPerSec: d.requestsPerSec, statementsPerRequest: d.statementsPerRequest, errors: d.errors },
          floor,
          plan,
        });
        ctx.log(
          `analytics: ${q.name} (${groups} groups): dashql p50 ${d.p50Ms.toFixed(1)} ms p99 ${d.p99Ms.toFixed(1)} ms; ` +
            `count(*) ${q.table} p50 ${floor.p50Ms.toFixed(1)} ms p99 ${floor.p99Ms.toFixed(1)} ms`,
        );
      }
      if (process.env.BENCH_ANALYTICS_WRITES !== "0") {
        // The same writes with the analytics_ triggers (rollups) on, off, then on again: their cost in the same conditions.
        const triggers = (await client.query(`SELECT tgrelid::regclass::text AS t, tgname FROM pg_trigger WHERE tgname LIKE 'analytics\\_%'`)).rows as { t: string; tgname: string }[];
        const setTriggers = async (on: boolean) => {
          for (const { t, tgname } of triggers) await client.query(`ALTER TABLE ${t} ${on ? "ENABLE" : "DISABLE"} TRIGGER ${tgname}`);
        };
        analyticsWrites = await timeWrites(dashql.url, ctx.adminToken, ctx.log, triggers.length > 0 ? "analytics triggers on" : "no analytics triggers", "a");
        if (triggers.length > 0) {
          await setTriggers(false);
          analyticsWrites.push(...(await timeWrites(dashql.url, ctx.adminToken, ctx.log, "analytics triggers off", "b")));
          await setTriggers(true);
          // On again, so cache warmth does not favour either side.
          analyticsWrites.push(...(await timeWrites(dashql.url, ctx.adminToken, ctx.log, "analytics triggers on (again)", "c")));
        }
      }
    } finally {
      await dashql.stop();
    }
  } finally {
    await client.end();
    await ctx.pg.dropDatabase("dashql_bench_analytics");
  }
  return results;
}

/** A text table of the results and each plan, for the terminal and the README. */
export function formatAnalytics(results: AnalyticsResult[]): string {
  const out = [`analytics at ${CONNECTIONS} connections (p50 / p99 ms; floor = SELECT count(*) of the same table)`];
  for (const r of results) {
    out.push(
      `  ${r.name.padEnd(48)} ${r.rows.toLocaleString("en-US").padStart(9)} rows ${String(r.groups).padStart(5)} groups  ` +
        `dashql ${r.dashql.p50Ms.toFixed(1).padStart(6)} / ${r.dashql.p99Ms.toFixed(1).padStart(6)}  ` +
        `count(*) ${r.floor.p50Ms.toFixed(1).padStart(6)} / ${r.floor.p99Ms.toFixed(1).padStart(6)}  errors ${r.dashql.errors}`,
    );
  }
  if (analyticsWrites.length > 0) {
    out.push("", "bulk writes on the grown tables (s)");
    for (const w of analyticsWrites) out.push(`  ${w.name.padEnd(64)} ${w.seconds.toFixed(2).padStart(7)}`);
  }
  for (const r of results) out.push("", `plan: ${r.name}`, ...r.plan.map((line) => `  ${line}`));
  return out.join("\n");
}

if (require.main === module) {
  installSignalHandlers();
  const started = Date.now();
  const log = (message: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${message}\n`);
  (async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const os = await import("node:os");
    const tmp = await mkdtemp(path.join(os.tmpdir(), "dashql-bench-analytics-"));
    onCleanup("temp dir", () => rm(tmp, { recursive: true, force: true }));
    const pg = await startPostgres(process.env.DATABASE_URL?.trim() || undefined);
    const ctx: BenchContext = {
      options: parseOptions([]),
      pg,
      tmp,
      adminToken: `bench-admin-${Date.now()}-analytics-token`,
      fields: new Set(),
      commands: new Set(),
      log,
    };
    console.log(formatAnalytics(await runAnalyticsGrowthPhase(ctx)));
  })()
    .catch((error) => {
      process.stderr.write(`analytics bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    })
    .finally(() => cleanupAll());
}
