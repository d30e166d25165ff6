/**
 * Growth: Q1 and Q4 latency as company and tracked_file grow to 1,000, 100,000
 * and 1,000,000 rows, for the first page and for a deep page (`after` a cursor
 * 90% of the way down). Keyset pagination on an index keeps both flat; an
 * OFFSET or a COUNT on every request would not. Q1 with totalCount is timed
 * too, to show what asking for it costs.
 */
import { Client } from "pg";
import { check, jsonDiff, post } from "./client";
import type { BenchContext } from "./context";
import { growTables } from "./dataset";
import { migrateDatabase } from "./dashql-cli";
import { loadRound, median, summarize, type RoundResult } from "./load";
import { requestBody } from "./operations";
import { startDashql, startFloor, type ServerProcess } from "./processes";

export interface GrowthResult {
  operation: "Q1" | "Q4" | "Q1+totalCount";
  page: "first page" | "deep page" | "single requests";
  rows: number;
  /** Time to grow the tables to `rows` (set on the first entry of each size). */
  loadMs?: number;
  dashql?: RoundResult;
  floor?: RoundResult;
  skipped?: string;
}

/**
 * A cursor for the row at `target` built from a real cursor of the API: cursors
 * are opaque, but dashql's are base64url JSON arrays of the sort key values, so
 * the values of the last row of page 1 are swapped for the target's. Answers
 * are then checked against the floor, so a wrong guess is reported, not measured.
 */
function deepCursor(firstPageCursor: string, last: (string | number)[], target: (string | number)[]): string | undefined {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(firstPageCursor, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(values)) return undefined;
  let replaced = 0;
  const swapped = values.map((v) => {
    const i = last.findIndex((l) => l === v || String(l) === String(v));
    if (i < 0) return v;
    replaced += 1;
    return typeof v === "number" ? Number(target[i]) : String(target[i]);
  });
  return replaced > 0 ? Buffer.from(JSON.stringify(swapped)).toString("base64url") : undefined;
}

const GROWTH_YEARS = 2;

/** Appends to `results` as it goes, so a failure at 1,000,000 rows keeps the smaller sizes' figures. */
export async function runGrowthPhase(ctx: BenchContext, results: GrowthResult[] = []): Promise<GrowthResult[]> {
  const { options } = ctx;
  const url = await ctx.pg.createDatabase("dashql_bench_growth");
  await migrateDatabase(url);
  const client = new Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  const dashql = await startDashql({ databaseUrl: url, adminToken: ctx.adminToken, logDir: ctx.tmp, label: "growth" });
  const floor = await startFloor(url, ctx.tmp, 10);
  const hasFiles = ctx.fields.size === 0 || ctx.fields.has("files");

  const measure = async (server: ServerProcess, body: string) => {
    await loadRound(server, { token: ctx.adminToken, connections: options.connections, durationSec: 1, bodies: [body] });
    const rounds: RoundResult[] = [];
    for (let i = 0; i < options.growthRounds; i++) {
      rounds.push(await loadRound(server, { token: ctx.adminToken, connections: options.connections, durationSec: options.growthRoundSec, bodies: [body] }));
    }
    return summarize(rounds);
  };

  try {
    for (const size of options.growthSizes) {
      const t = performance.now();
      // Two finance years per company (not the load phase's 8): 1,000,000 companies x 8 years took
      // minutes to insert on a busy 2-core box, and flatness across sizes only needs the same shape at each size.
      const load = await growTables(client, size, GROWTH_YEARS);
      const loadMs = performance.now() - t;
      ctx.log(`growth: ${size.toLocaleString("en-US")} rows (companies ${(load.companyMs / 1000).toFixed(1)} s, files ${(load.fileMs / 1000).toFixed(1)} s)`);
      let first = true;
      const queries: { op: "Q1" | "Q4"; variables: Record<string, unknown>; field: string }[] = [{ op: "Q1", variables: { first: 100 }, field: "companies" }];
      if (hasFiles) queries.push({ op: "Q4", variables: { first: 100, fileType: "xml" }, field: "files" });
      else results.push({ operation: "Q4", page: "first page", rows: size, skipped: "not available (no files field)" });

      for (const q of queries) {
        // First page, and the values of its last row for the deep cursor.
        const firstBody = requestBody(q.op, q.variables);
        const page1 = check(await post(dashql.url, firstBody, ctx.adminToken), `${q.op} first page`)[q.field];
        const deepRow =
          q.op === "Q1"
            ? (await client.query(`SELECT lower(name) AS k, id FROM company ORDER BY lower(name), id OFFSET $1 LIMIT 1`, [Math.floor(size * 0.9)])).rows[0]
            : (await client.query(`SELECT id FROM tracked_file WHERE file_type = 'xml' ORDER BY id DESC OFFSET $1 LIMIT 1`, [Math.floor(size * 0.9 * 0.5)])).rows[0];
        const lastNode = page1.nodes[page1.nodes.length - 1];
        const cursor =
          page1.pageInfo.endCursor && deepRow
            ? deepCursor(
                page1.pageInfo.endCursor,
                q.op === "Q1" ? [lastNode.name.toLowerCase(), Number(lastNode.id)] : [Number(lastNode.id)],
                q.op === "Q1" ? [deepRow.k, deepRow.id] : [deepRow.id],
              )
            : undefined;

        for (const page of ["first page", "deep page"] as const) {
          const entry: GrowthResult = { operation: q.op, page, rows: size };
          if (first) {
            entry.loadMs = loadMs;
            first = false;
          }
          results.push(entry);
          const body = page === "first page" ? firstBody : cursor ? requestBody(q.op, { ...q.variables, after: cursor }) : undefined;
          if (!body) {
            entry.skipped = "no deep cursor (cursor format not recognized)";
            continue;
          }
          const [d, f] = await Promise.all([post(dashql.url, body, ctx.adminToken), post(floor.url, body)]);
          const diff = jsonDiff(d.body.data, f.body.data, "data", (p) => p.endsWith(".endCursor"));
          if (d.body.errors || f.body.errors || diff) {
            entry.skipped = `answers differ: ${d.body.errors?.[0]?.message ?? f.body.errors?.[0]?.message ?? diff}`;
            ctx.log(`  ${q.op} ${page}: ${entry.skipped}`);
            continue;
          }
          entry.dashql = await measure(dashql, body);
          entry.floor = await measure(floor, body);
          ctx.log(
            `  ${q.op} ${page}: dashql p50 ${entry.dashql.p50Ms.toFixed(1)} ms p99 ${entry.dashql.p99Ms.toFixed(1)} ms ` +
              `${entry.dashql.requestsPerSec.toFixed(0)}/s; floor ${entry.floor.requestsPerSec.toFixed(0)}/s`,
          );
        }
      }

      // totalCount: one request at a time (it is a COUNT over the table, by design only when asked).
      const countBody = JSON.stringify({ query: "query Q1Count { companies(first: 100) { totalCount nodes { id } } }", variables: {} });
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        check(await post(dashql.url, countBody, ctx.adminToken), "Q1 totalCount");
        times.push(performance.now() - t0);
      }
      const ms = median(times);
      results.push({
        operation: "Q1+totalCount",
        page: "single requests",
        rows: size,
        dashql: {
          requests: 5, durationSec: 0, requestsPerSec: 1000 / ms, p50Ms: ms, p99Ms: Math.max(...times), maxMs: Math.max(...times),
          errors: 0, statementsPerRequest: NaN, rssMb: dashql.rssMb(), cpuMsPerRequest: NaN,
        },
      });
    }
  } finally {
    await client.end();
    await floor.stop();
    await dashql.stop();
    await ctx.pg.dropDatabase("dashql_bench_growth");
  }
  return results;
}
