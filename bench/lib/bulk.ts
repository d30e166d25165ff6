/**
 * Bulk paths, each timed end to end through the real API or CLI and compared
 * with COPY of the same rows into the same tables in the same run (COPY is the
 * fastest way into PostgreSQL, so "x COPY" is how far from the limit we are).
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Client } from "pg";
import { check, post } from "./client";
import { copyFrom } from "./copy";
import type { BenchContext } from "./context";
import { migrateDatabase, runDashql } from "./dashql-cli";
import { copyCompanies, FILE_COLUMNS, fileCopyRows, generateCompanies, generateFiles } from "./dataset";
import type { ServerProcess } from "./processes";
import { TARGETS } from "./report";

export interface BulkResult {
  name: string;
  rows?: number;
  seconds?: number;
  copySeconds?: number;
  targetSec?: number;
  /** SQL statements the server reported for the whole operation. */
  statements?: number;
  note?: string;
  extra?: Record<string, unknown>;
}

const IMPORT_MUTATION = `mutation Import($companies: [CompanyImportInput!]!) {
  importCompanies(companies: $companies) { companiesCreated companiesUpdated financesWritten }
}`;
const REGISTER_MUTATION = `mutation Register($files: [FileInput!]!) { registerFiles(files: $files) { created updated } }`;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t) / 1000 };
}

async function importCompanies(ctx: BenchContext, dashql: ServerProcess, client: Client): Promise<BulkResult[]> {
  if (!ctx.fields.has("importCompanies")) return [{ name: "importCompanies 10,000 x 8", note: "not available" }];
  const companies = generateCompanies(2024, 10_000, 8, 1, "Import ");
  const rows = companies.length * 9;
  const body = JSON.stringify({
    query: IMPORT_MUTATION,
    variables: {
      companies: companies.map((c) => ({
        name: c.name,
        ceo: c.ceo,
        businessType: c.businessType,
        finances: c.finances.map((f) => ({ year: f.year, q1Earnings: f.q1, q2Earnings: f.q2, q3Earnings: f.q3, q4Earnings: f.q4 })),
      })),
    },
  });
  const results: BulkResult[] = [];
  for (const pass of ["new companies", "same again: all updates"]) {
    const { value, seconds } = await timed(() => post(dashql.url, body, ctx.adminToken));
    const data = check(value, `importCompanies (${pass})`).importCompanies;
    ctx.log(`importCompanies ${pass}: ${seconds.toFixed(2)} s, ${JSON.stringify(data)}, ${value.statements} statements`);
    results.push({
      name: `importCompanies 10,000 x 8 (${pass})`,
      rows,
      seconds,
      targetSec: TARGETS.importSec,
      statements: value.statements,
      note: `${(body.length / 2 ** 20).toFixed(1)} MB request, ${value.statements} SQL statements`,
      extra: data,
    });
  }
  // COPY of the same rows (names prefixed, ids far above the bench's) into the same tables, then removed.
  const copyRows = companies.map((c, i) => ({ ...c, id: 50_000_000 + i, name: `Copy ${c.name}` }));
  const { seconds } = await timed(async () => {
    await client.query("BEGIN");
    await copyCompanies(client, copyRows);
    await client.query("COMMIT");
  });
  await client.query("DELETE FROM company WHERE id >= 50000000");
  for (const r of results) r.copySeconds = seconds;
  ctx.log(`COPY of the same ${rows.toLocaleString("en-US")} rows: ${seconds.toFixed(2)} s`);
  return results;
}

async function registerFiles(ctx: BenchContext, dashql: ServerProcess, client: Client): Promise<BulkResult> {
  const name = "registerFiles 46,716 in calls of 10,000";
  if (!ctx.fields.has("registerFiles")) return { name, note: "not available: this dashql has no registerFiles yet" };
  const files = generateFiles(4716, 46_716, 7, { root: "/bench/register" });
  const bodies: string[] = [];
  for (let i = 0; i < files.length; i += 10_000) {
    const batch = files.slice(i, i + 10_000).map((f) => ({ host: f.host, runDir: f.runDir, fullName: f.fullName, fileSize: f.fileSize }));
    bodies.push(JSON.stringify({ query: REGISTER_MUTATION, variables: { files: batch } }));
  }
  let statements = 0;
  let created = 0;
  const { seconds } = await timed(async () => {
    for (const body of bodies) {
      const reply = await post(dashql.url, body, ctx.adminToken);
      created += check(reply, "registerFiles").registerFiles.created;
      statements += reply.statements;
    }
  });
  ctx.log(`registerFiles: ${seconds.toFixed(2)} s, ${created} created, ${statements} statements`);
  const copy = files.map((f) => ({ ...f, fullName: f.fullName.replace("/bench/register", "/bench/copy"), runDir: f.runDir.replace("/bench/register", "/bench/copy") }));
  const t = performance.now();
  await copyFrom(client, "tracked_file", FILE_COLUMNS, fileCopyRows(copy, Date.now()));
  const copySeconds = (performance.now() - t) / 1000;
  await client.query("DELETE FROM tracked_file WHERE run_dir LIKE '/bench/copy/%'");
  return { name, rows: files.length, seconds, copySeconds, targetSec: TARGETS.registerSec, statements, note: `${bodies.length} calls, ${statements} SQL statements, ${created} created` };
}

/** Writes files (absolute paths) and their directories; content defaults to a few bytes of XML. */
async function writeTree(files: readonly { fullName: string; content?: string }[]): Promise<void> {
  const dirs = new Set(files.map((f) => path.dirname(f.fullName)));
  for (const dir of dirs) await mkdir(dir, { recursive: true });
  // Batches in parallel: the tree is setup, not measured, but 46,716 writes one by one take a while.
  for (let i = 0; i < files.length; i += 256) {
    await Promise.all(files.slice(i, i + 256).map((f) => writeFile(f.fullName, f.content ?? "<testsuite/>\n")));
  }
}

async function scan(ctx: BenchContext, client: Client, databaseUrl: string): Promise<BulkResult> {
  const count = ctx.options.scanFiles;
  const name = `dashql scan of a ${count.toLocaleString("en-US")}-file tree`;
  if (!ctx.commands.has("scan")) return { name, note: "not available: `dashql --help` lists no scan command yet" };
  const root = path.join(ctx.tmp, "scan-tree");
  const files = generateFiles(31, count, 7, { host: "bench-scan", root: "/results" }).map((f) => ({ ...f, fullName: path.join(root, f.fullName) }));
  const t = performance.now();
  await writeTree(files);
  ctx.log(`scan tree of ${count.toLocaleString("en-US")} files written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  // Wall time of the whole command, as an operator waits for it: start-up, walk, batches, exit.
  const run = await runDashql(["scan", root, "--host", "bench-scan"], { DATABASE_URL: databaseUrl }, { timeoutMs: 600_000 });
  if (run.code !== 0) return { name, rows: count, note: `dashql scan exited ${run.code}: ${(run.stderr || run.stdout).trim().slice(0, 300)}` };
  const registered = Number(/registered ([\d,]+) files/.exec(run.stdout)?.[1]?.replace(/,/g, "") ?? NaN);
  const own = /in ([\d.]+) s/.exec(run.stdout)?.[1];
  ctx.log(`dashql scan: ${(run.ms / 1000).toFixed(2)} s wall; it reports: ${run.stdout.trim().split("\n").pop()}`);

  const copy = files.map((f) => ({ ...f, host: "bench-scan-copy", runDir: root }));
  const t2 = performance.now();
  await copyFrom(client, "tracked_file", FILE_COLUMNS, fileCopyRows(copy, Date.now()));
  const copySeconds = (performance.now() - t2) / 1000;
  await client.query("DELETE FROM tracked_file WHERE host = 'bench-scan-copy'");
  return {
    name,
    rows: count,
    seconds: run.ms / 1000,
    copySeconds,
    targetSec: TARGETS.scanSec,
    note: `${registered === count ? "all" : `${registered} of ${count}`} registered; ${own ?? "?"} s by its own clock (without start-up)`,
  };
}

/** A small passing JUnit report with `tests` test cases. */
function junit(tests: number, failures: number, name: string): string {
  const cases = Array.from({ length: tests }, (_, i) =>
    i < failures
      ? `  <testcase classname="${name}" name="t${i}" time="0.01"><failure message="boom">trace</failure></testcase>`
      : `  <testcase classname="${name}" name="t${i}" time="0.01"/>`,
  ).join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="${name}" tests="${tests}" failures="${failures}" errors="0" skipped="0" time="${(tests * 0.01).toFixed(2)}">\n${cases}\n</testsuite>\n`;
}

/**
 * `dashql work --once` in 1, 2 and 4 processes over the same queue: `runs` run
 * directories of 3 small files (two JUnit reports and a log), enqueued afresh
 * (by SQL: enqueueing is not what is measured) before each worker count.
 */
async function work(ctx: BenchContext): Promise<BulkResult[]> {
  const runs = ctx.options.workRuns;
  const label = (n: number) => `dashql work, ${n} worker${n > 1 ? "s" : ""}, ${runs.toLocaleString("en-US")} runs x 3 files`;
  if (!ctx.commands.has("work")) return [{ name: label(1), note: "not available: `dashql --help` lists no work command yet" }];
  const root = path.join(ctx.tmp, "work-runs");
  const files: { fullName: string; content: string }[] = [];
  const dirs: string[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = path.join(root, `run-${String(i).padStart(5, "0")}`);
    dirs.push(dir);
    files.push(
      { fullName: path.join(dir, "junit-a.xml"), content: junit(5, i % 7 === 0 ? 1 : 0, `suite.a${i}`) },
      { fullName: path.join(dir, "junit-b.xml"), content: junit(3, 0, `suite.b${i}`) },
      { fullName: path.join(dir, "console.log"), content: `run ${i}\nall done\n` },
    );
  }
  await writeTree(files);

  const url = await ctx.pg.createDatabase("dashql_bench_work");
  const results: BulkResult[] = [];
  const client = new (await import("pg")).Client({ connectionString: url });
  client.on("error", () => undefined);
  try {
    await migrateDatabase(url);
    await client.connect();
    for (const workers of ctx.options.workers) {
      await client.query("TRUNCATE tracked_file, queue_item RESTART IDENTITY");
      await client.query(
        `INSERT INTO queue_item (run_dir, owner, host, time_to_live) SELECT d, 'bench', 'bench-work', now() + interval '1 day' FROM unnest($1::text[]) d`,
        [dirs],
      );
      const t = performance.now();
      const outs = await Promise.all(
        Array.from({ length: workers }, () => runDashql(["work", "--once"], { DATABASE_URL: url }, { timeoutMs: 900_000 })),
      );
      const seconds = (performance.now() - t) / 1000;
      const failed = outs.find((o) => o.code !== 0);
      const counts = (await client.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM queue_item GROUP BY status`)).rows;
      const fileCount = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM tracked_file`)).rows[0].n);
      const byStatus = Object.fromEntries(counts.map((r) => [r.status, Number(r.n)]));
      // First claim to last finish, by the database's clock: the wall time minus process start-up and exit.
      const windowSec = Number(
        (await client.query<{ s: string }>(`SELECT extract(epoch FROM max(finished_at) - min(started_at)) AS s FROM queue_item`)).rows[0].s,
      );
      const succeeded = byStatus.SUCCEEDED ?? 0;
      ctx.log(`dashql work x${workers}: ${seconds.toFixed(1)} s, ${JSON.stringify(byStatus)}, ${fileCount} files`);
      results.push({
        name: label(workers),
        rows: succeeded,
        seconds,
        note: failed
          ? `a worker exited ${failed.code}: ${(failed.stderr || failed.stdout).trim().slice(0, 200)}`
          : `${(succeeded / windowSec).toFixed(0)} runs/s between first claim and last finish (${windowSec.toFixed(1)} s); ` +
            `${fileCount.toLocaleString("en-US")} files; ${JSON.stringify(byStatus)}`,
        extra: { workers, byStatus, files: fileCount, runsPerSec: succeeded / seconds, processingWindowSec: windowSec, runsPerSecInWindow: succeeded / windowSec },
      });
    }
  } finally {
    await client.end().catch(() => undefined);
    await ctx.pg.dropDatabase("dashql_bench_work");
  }
  return results;
}

export async function runBulkPhase(ctx: BenchContext, dashql: ServerProcess, client: Client, databaseUrl: string): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  results.push(...(await importCompanies(ctx, dashql, client)));
  results.push(await registerFiles(ctx, dashql, client));
  results.push(await scan(ctx, client, databaseUrl));
  results.push(...(await work(ctx)));
  return results;
}
