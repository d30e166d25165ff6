import fc from "fast-check";
import {
  FileAggregatesDocument,
  FinanceAggregatesDocument,
  ImportCompaniesDocument,
  RegisterFilesDocument,
  RunAggregatesDocument,
  type FileGroupBy,
  type FinanceGroupBy,
  type QueueStatus,
  type RunAggregatesQueryVariables,
  type RunGroupBy,
  type TimeBucket,
} from "./generated/graphql";
import { errorCodes, useTestServer, type GraphQLResponse } from "./support/server";

const t = useTestServer();
// Statement counts are per request; the first request of a key also looks the key up.
beforeAll(() => t.request(FileAggregatesDocument, { groupBy: [] }, { role: "READER" }));
const sql = (text: string, params: unknown[] = []) => t.app.database.dataSource.query(text, params);

/** Each property run starts from empty tables (this file has its own database). */
const reset = () => sql("TRUNCATE company, finance, tracked_file, queue_item RESTART IDENTITY CASCADE");

function ok<T>(res: GraphQLResponse<T>): T {
  expect(res.body.errors).toBeUndefined();
  return res.body.data!;
}

// ---------------------------------------------------------------- reference computations

/** Code-unit order, nulls last: the order the API promises (ORDER BY ... COLLATE "C" NULLS LAST). */
function compareKeys(a: readonly (string | number | null)[], b: readonly (string | number | null)[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function groupRows<R>(rows: R[], keyOf: (row: R) => (string | number | null)[]): { key: (string | number | null)[]; rows: R[] }[] {
  const groups = new Map<string, { key: (string | number | null)[]; rows: R[] }>();
  for (const row of rows) {
    const key = keyOf(row);
    const id = JSON.stringify(key);
    const group = groups.get(id);
    if (group) group.rows.push(row);
    else groups.set(id, { key, rows: [row] });
  }
  return [...groups.values()].sort((g, h) => compareKeys(g.key, h.key));
}

/** percentile_cont: linear interpolation between the two nearest ranks. */
function percentileCont(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Local wall-clock parts of an instant in a zone, from ICU (independent of PostgreSQL's zone data). */
function localParts(ms: number, timeZone: string) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour"), minute: get("minute"), second: get("second") };
}

/** local - UTC, in ms, at an instant. */
function offsetAt(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant of local midnight on a date (the test's zones have no DST change at midnight). */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  return second;
}

function bucketStart(ms: number, bucket: TimeBucket, timeZone: string): number {
  const p = localParts(ms, timeZone);
  switch (bucket) {
    case "HOUR":
      return ms - ((p.minute * 60 + p.second) * 1000 + (ms % 1000));
    case "DAY":
      return localMidnight(p.year, p.month, p.day, timeZone);
    case "WEEK": {
      const weekday = (new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay() + 6) % 7; // Monday 0
      const monday = new Date(Date.UTC(p.year, p.month - 1, p.day - weekday));
      return localMidnight(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), timeZone);
    }
    case "MONTH":
      return localMidnight(p.year, p.month, 1, timeZone);
  }
}

/** Floats from PostgreSQL (numeric averages, float sums) against JS arithmetic. */
function expectClose(actual: number | null | undefined, expected: number | null, what: string): void {
  if (expected === null || actual === null || actual === undefined) {
    expect({ what, value: actual ?? null }).toEqual({ what, value: expected });
    return;
  }
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
  if (Math.abs(actual - expected) > tolerance) throw new Error(`${what}: got ${actual}, expected ${expected}`);
}

// ---------------------------------------------------------------- runs

const STATUSES: QueueStatus[] = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"];
const ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"];
/** Instants around daylight-saving changes (Berlin, New York, Sydney) and a month boundary. */
const ANCHORS = ["2026-03-28T22:30:00Z", "2026-03-08T06:00:00Z", "2026-10-24T23:10:00Z", "2026-11-01T04:40:00Z", "2026-04-04T15:00:00Z", "2026-01-31T20:00:00Z"].map(
  (s) => Date.parse(s),
);

interface RunRow {
  created_at: string;
  status: QueueStatus;
  owner: string;
  site: string | null;
  host: string | null;
  run_tag: string;
  started_at: string | null;
  finished_at: string | null;
  summary: { tests: number; failures: number; errors: number; skipped: number; durationSeconds: number } | null;
}

const instantArb = fc
  .tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -36 * 3600, max: 36 * 3600 }), fc.integer({ min: 0, max: 999 }))
  .map(([anchor, seconds, ms]) => anchor + seconds * 1000 + ms);

const runArb = fc
  .record({
    createdAt: instantArb,
    status: fc.constantFrom(...STATUSES),
    owner: fc.constantFrom("ann", "bob", "Bob"),
    site: fc.constantFrom(null, "berlin", "paris"),
    host: fc.constantFrom(null, "h1", "h2", "H1"),
    runTag: fc.constantFrom("Nightly", "Development"),
    startedAfter: fc.option(fc.integer({ min: 0, max: 600_000 })),
    runMs: fc.option(fc.integer({ min: 0, max: 3_600_000 })),
    summary: fc.option(
      fc.record({
        tests: fc.integer({ min: 0, max: 40 }),
        failures: fc.integer({ min: 0, max: 5 }),
        errors: fc.integer({ min: 0, max: 3 }),
        skipped: fc.integer({ min: 0, max: 5 }),
        durationSeconds: fc.integer({ min: 0, max: 100_000 }).map((n) => n / 100),
      }),
    ),
  })
  .map(
    (r): RunRow => ({
      created_at: new Date(r.createdAt).toISOString(),
      status: r.status,
      owner: r.owner,
      site: r.site,
      host: r.host,
      run_tag: r.runTag,
      started_at: r.startedAfter === null ? null : new Date(r.createdAt + r.startedAfter).toISOString(),
      finished_at: r.startedAfter === null || r.runMs === null ? null : new Date(r.createdAt + r.startedAfter + r.runMs).toISOString(),
      summary: r.summary,
    }),
  );

/**
 * Runs go in by SQL: the API enqueues at now() and only workers set status,
 * times and summaries, while the property needs runs spread over DST dates.
 */
async function loadRuns(runs: RunRow[]): Promise<void> {
  await sql(
    `INSERT INTO queue_item (created_at, time_to_live, run_dir, owner, site, host, run_tag, status, started_at, finished_at, summary)
     SELECT r.created_at, r.created_at + interval '1 day', '/runs/' || ord, r.owner, r.site, r.host, r.run_tag, r.status,
            r.started_at, r.finished_at, r.summary
       FROM jsonb_to_recordset($1::jsonb) AS r(created_at timestamptz, owner text, site text, host text, run_tag text,
            status text, started_at timestamptz, finished_at timestamptz, summary jsonb, ord bigint)`,
    [JSON.stringify(runs.map((run, ord) => ({ ...run, ord })))],
  );
}

const RUN_KEY_OF: Record<RunGroupBy, (r: RunRow) => string | null> = {
  STATUS: (r) => r.status,
  OWNER: (r) => r.owner,
  SITE: (r) => r.site,
  HOST: (r) => r.host,
  RUN_TAG: (r) => r.run_tag,
};

function expectedRuns(rows: RunRow[], v: { groupBy: RunGroupBy[]; bucket: TimeBucket | null; timeZone: string; filter: RunAggregatesQueryVariables["filter"] }) {
  const f = v.filter ?? {};
  const selected = rows.filter((r) => {
    const at = Date.parse(r.created_at);
    return (
      (f.from == null || at >= Date.parse(f.from)) &&
      (f.to == null || at < Date.parse(f.to)) &&
      (f.status == null || (f.status as QueueStatus[]).includes(r.status)) &&
      (f.host == null || r.host === f.host) &&
      (f.owner == null || r.owner === f.owner)
    );
  });
  return groupRows(selected, (r) => [
    ...(v.bucket ? [bucketStart(Date.parse(r.created_at), v.bucket, v.timeZone)] : []),
    ...v.groupBy.map((k) => RUN_KEY_OF[k](r)),
  ]).map(({ key, rows: group }) => {
    const summaries = group.flatMap((r) => (r.summary ? [r.summary] : []));
    const tests = sum(summaries.map((s) => s.tests));
    const failures = sum(summaries.map((s) => s.failures));
    const errors = sum(summaries.map((s) => s.errors));
    const skipped = sum(summaries.map((s) => s.skipped));
    const seconds = group.flatMap((r) => (r.started_at && r.finished_at ? [(Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000] : []));
    return {
      key,
      runs: group.length,
      summarized: summaries.length,
      tests,
      failures,
      errors,
      skipped,
      passRate: tests - skipped === 0 ? null : (tests - failures - errors - skipped) / (tests - skipped),
      testSeconds: sum(summaries.map((s) => s.durationSeconds)),
      avgRunSeconds: seconds.length === 0 ? null : sum(seconds) / seconds.length,
      p95RunSeconds: percentileCont(seconds, 0.95),
    };
  });
}

const RUN_FIELD: Record<RunGroupBy, "status" | "owner" | "site" | "host" | "runTag"> = {
  STATUS: "status",
  OWNER: "owner",
  SITE: "site",
  HOST: "host",
  RUN_TAG: "runTag",
};

async function runAggregates(variables: RunAggregatesQueryVariables) {
  const res = await t.request(RunAggregatesDocument, variables, { role: "READER" });
  return { groups: ok(res).runAggregates, statements: res.statements };
}

// ---------------------------------------------------------------- tests

const baseRun: RunRow = {
  created_at: "2026-11-01T09:00:00Z",
  status: "SUCCEEDED",
  owner: "ann",
  site: null,
  host: null,
  run_tag: "Nightly",
  started_at: null,
  finished_at: null,
  summary: null,
};

describe("runAggregates", () => {
  beforeEach(reset);

  it("cuts Berlin days at local midnight, so the DST days are 23 and 25 hours long", async () => {
    await loadRuns(
      [
        "2026-03-28T23:30:00Z", // 00:30 CET, March 29
        "2026-03-29T21:59:00Z", // 23:59 CEST, March 29 (23 h after its midnight)
        "2026-03-29T22:00:00Z", // 00:00 CEST, March 30
        "2026-10-24T22:00:00Z", // 00:00 CEST, October 25
        "2026-10-25T22:59:00Z", // 23:59 CET, October 25 (25 h after its midnight)
      ].map((at) => ({ ...baseRun, created_at: at })),
    );
    const { groups } = await runAggregates({ groupBy: [], bucket: "DAY", timeZone: "Europe/Berlin" });
    expect(groups.map((g) => [g.bucket, g.runs])).toEqual([
      ["2026-03-28T23:00:00.000Z", 2],
      ["2026-03-29T22:00:00.000Z", 1],
      ["2026-10-24T22:00:00.000Z", 2],
    ]);
  });

  it("keeps the two 02:00 hours of the autumn change apart", async () => {
    await loadRuns(["2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"].map((at) => ({ ...baseRun, created_at: at })));
    const { groups } = await runAggregates({ groupBy: [], bucket: "HOUR", timeZone: "Europe/Berlin" });
    expect(groups.map((g) => [g.bucket, g.runs])).toEqual([
      ["2026-10-25T00:00:00.000Z", 1],
      ["2026-10-25T01:00:00.000Z", 1],
    ]);
  });

  it("sums summaries, computes the pass rate and run-time figures, and answers in one statement", async () => {
    await loadRuns([
      { ...baseRun, host: "h1", summary: { tests: 10, failures: 1, errors: 1, skipped: 2, durationSeconds: 1.5 }, started_at: "2026-11-01T10:00:00Z", finished_at: "2026-11-01T10:00:10Z" },
      { ...baseRun, host: "h1", summary: { tests: 5, failures: 0, errors: 0, skipped: 0, durationSeconds: 2.25 }, started_at: "2026-11-01T10:00:00Z", finished_at: "2026-11-01T10:00:30Z" },
      { ...baseRun, host: "h2", summary: { tests: 3, failures: 0, errors: 0, skipped: 3, durationSeconds: 0 } },
      { ...baseRun, host: null },
    ]);
    const { groups, statements } = await runAggregates({ groupBy: ["HOST"] });
    expect(statements).toBe(1);
    expect(groups).toEqual([
      expect.objectContaining({ host: "h1", runs: 2, summarized: 2, tests: 15, failures: 1, errors: 1, skipped: 2, passRate: 11 / 13, testSeconds: 3.75, avgRunSeconds: 20 }),
      expect.objectContaining({ host: "h2", runs: 1, summarized: 1, tests: 3, skipped: 3, passRate: null, avgRunSeconds: null, p95RunSeconds: null }),
      expect.objectContaining({ host: null, runs: 1, summarized: 0, tests: 0, passRate: null, testSeconds: 0 }),
    ]);
    expect(groups[0].p95RunSeconds).toBeCloseTo(29, 6); // 10 + (30 - 10) * 0.95

    // A chart asks for a few figures only; the statement then computes only those, with the same values.
    const partial = await t.raw(`{ runAggregates(groupBy: [HOST]) { host ...F } } fragment F on RunAggregate { passRate p95RunSeconds }`, {}, { role: "READER" });
    expect(partial.body.data.runAggregates).toEqual(groups.map((g) => ({ host: g.host, passRate: g.passRate, p95RunSeconds: g.p95RunSeconds })));
  });

  it("shows a row changed by plain SQL in the next answer", async () => {
    await loadRuns([{ ...baseRun, status: "FAILED" }]);
    expect((await runAggregates({ groupBy: ["STATUS"] })).groups.map((g) => g.status)).toEqual(["FAILED"]);
    await sql("UPDATE queue_item SET status = 'SUCCEEDED'");
    expect((await runAggregates({ groupBy: ["STATUS"] })).groups.map((g) => g.status)).toEqual(["SUCCEEDED"]);
  });

  it("refuses an unknown time zone, a POSIX offset and from after to as BAD_USER_INPUT", async () => {
    for (const timeZone of ["Mars/Olympus", "+05:00", "UTC+5", "Europe/Berlin'; SELECT 1; --", ""]) {
      const res = await t.request(RunAggregatesDocument, { groupBy: [], bucket: "DAY", timeZone }, { role: "READER" });
      expect({ timeZone, codes: errorCodes(res) }).toEqual({ timeZone, codes: ["BAD_USER_INPUT"] });
    }
    const res = await t.request(RunAggregatesDocument, { groupBy: [], filter: { from: "2026-11-02T00:00:00Z", to: "2026-11-01T00:00:00Z" } });
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
    expect(res.body.errors![0].message).toMatch(/from .* is after filter\.to/);
  });

  it("refuses more than 10,000 groups and asks for a narrower filter or coarser grouping; 10,000 are fine", async () => {
    await sql(
      `INSERT INTO queue_item (time_to_live, run_dir, owner, status)
       SELECT now() + interval '1 day', '/runs/' || n, 'owner-' || n, 'SUCCEEDED' FROM generate_series(1, 10001) AS n`,
    );
    const tooMany = await t.request(RunAggregatesDocument, { groupBy: ["OWNER"] }, { role: "READER" });
    expect(errorCodes(tooMany)).toEqual(["BAD_USER_INPUT"]);
    expect(tooMany.body.errors![0].message).toMatch(/more than 10,000 groups.*narrower filter.*coarser grouping/);
    expect(tooMany.statements).toBe(1);
    await sql(`DELETE FROM queue_item WHERE owner = 'owner-1'`);
    expect((await runAggregates({ groupBy: ["OWNER"] })).groups).toHaveLength(10_000);
  });

  it("matches the same figures computed in TypeScript, for random runs, groupings, filters, buckets and zones", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(runArb, { maxLength: 40 }),
        fc.shuffledSubarray(["STATUS", "OWNER", "SITE", "HOST", "RUN_TAG"] as RunGroupBy[]),
        fc.option(fc.constantFrom<TimeBucket>("HOUR", "DAY", "WEEK", "MONTH")),
        fc.constantFrom(...ZONES),
        fc.record({
          window: fc.option(fc.tuple(instantArb, instantArb)),
          status: fc.option(fc.subarray(STATUSES)),
          host: fc.option(fc.constantFrom("h1", "H1")),
          owner: fc.option(fc.constantFrom("bob")),
        }),
        async (runs, groupBy, bucket, timeZone, f) => {
          await reset();
          await loadRuns(runs);
          const [from, to] = f.window ? [Math.min(...f.window), Math.max(...f.window)] : [null, null];
          const filter = {
            from: from === null ? null : new Date(from).toISOString(),
            to: to === null ? null : new Date(to).toISOString(),
            status: f.status,
            host: f.host,
            owner: f.owner,
          };
          const { groups, statements } = await runAggregates({ groupBy, bucket, timeZone, filter });
          expect(statements).toBe(1);
          const expected = expectedRuns(runs, { groupBy, bucket, timeZone, filter });
          expect(groups.map((g) => [...(bucket ? [Date.parse(g.bucket!)] : []), ...groupBy.map((k) => g[RUN_FIELD[k]])])).toEqual(
            expected.map((e) => e.key),
          );
          expected.forEach((e, i) => {
            const g = groups[i];
            expect([g.runs, g.summarized, g.tests, g.failures, g.errors, g.skipped]).toEqual([e.runs, e.summarized, e.tests, e.failures, e.errors, e.skipped]);
            // Keys not asked for stay null.
            if (!bucket) expect(g.bucket).toBeNull();
            for (const k of Object.keys(RUN_FIELD) as RunGroupBy[]) if (!groupBy.includes(k)) expect(g[RUN_FIELD[k]]).toBeNull();
            expectClose(g.passRate, e.passRate, "passRate");
            expectClose(g.testSeconds, e.testSeconds, "testSeconds");
            expectClose(g.avgRunSeconds, e.avgRunSeconds, "avgRunSeconds");
            expectClose(g.p95RunSeconds, e.p95RunSeconds, "p95RunSeconds");
          });
        },
      ),
      { numRuns: 25 },
    );
  });
});

// ---------------------------------------------------------------- finances

interface FinanceRowRaw {
  company_id: number;
  year: number;
  business_type: string | null;
  q1: string | null;
  q2: string | null;
  q3: string | null;
  q4: string | null;
  total: string | null;
}

const PARTS = ["q1", "q2", "q3", "q4", "total"] as const;

function expectedFinances(rows: FinanceRowRaw[], groupBy: FinanceGroupBy[]) {
  const keyOf: Record<FinanceGroupBy, (r: FinanceRowRaw) => string | number | null> = {
    YEAR: (r) => r.year,
    BUSINESS_TYPE: (r) => r.business_type,
    COMPANY: (r) => r.company_id,
  };
  return groupRows(rows, (r) => groupBy.map((k) => keyOf[k](r))).map(({ key, rows: group }) => {
    const figures = (fn: (values: number[]) => number) =>
      Object.fromEntries(
        PARTS.map((part) => {
          const values = group.flatMap((r) => (r[part] === null ? [] : [Number(r[part])]));
          return [part, values.length === 0 ? null : fn(values)];
        }),
      ) as Record<(typeof PARTS)[number], number | null>;
    return {
      key,
      count: group.length,
      companies: new Set(group.map((r) => r.company_id)).size,
      sum: figures(sum),
      avg: figures((v) => sum(v) / v.length),
      min: figures((v) => Math.min(...v)),
      max: figures((v) => Math.max(...v)),
    };
  });
}

const moneyArb = fc.option(fc.integer({ min: -5_000_000, max: 50_000_000 }).map((cents) => cents / 100), { freq: 4 });
interface CompanyData {
  businessType: string | null;
  years: number[];
  quarters: [number | null, number | null, number | null, number | null][];
}
const companyArb: fc.Arbitrary<CompanyData> = fc.record({
  businessType: fc.constantFrom(null, "Retail", "retail", "Aerospace"),
  years: fc.subarray([2019, 2020, 2021, 2022, 2023]),
  quarters: fc.array(fc.tuple(moneyArb, moneyArb, moneyArb, moneyArb), { minLength: 5, maxLength: 5 }),
});

async function loadCompanies(companies: CompanyData[]): Promise<FinanceRowRaw[]> {
  if (companies.length > 0) {
    const res = await t.request(
      ImportCompaniesDocument,
      {
        companies: companies.map((c, i) => ({
          name: `Company ${i}`,
          businessType: c.businessType,
          finances: c.years.map((year, j) => ({
            year,
            q1Earnings: c.quarters[j][0],
            q2Earnings: c.quarters[j][1],
            q3Earnings: c.quarters[j][2],
            q4Earnings: c.quarters[j][3],
          })),
        })),
      },
      { role: "WRITER" },
    );
    ok(res);
  }
  return sql(
    `SELECT f.company_id, f.year, c.business_type, f.q1_earnings AS q1, f.q2_earnings AS q2, f.q3_earnings AS q3, f.q4_earnings AS q4,
            f.total_earnings AS total
       FROM finance f JOIN company c ON c.id = f.company_id`,
  );
}

describe("financeAggregates", () => {
  beforeEach(reset);

  it("leaves null quarters out, gives null for all-null figures, and loads companies in one batch", async () => {
    const rows = await loadCompanies([
      { businessType: "Retail", years: [2022, 2023], quarters: [[100, null, 50, null], [null, null, null, null], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]] },
      { businessType: null, years: [2023], quarters: [[10.1, 20.2, null, null], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]] },
    ]);
    expect(rows).toHaveLength(3);
    const byYear = ok(await t.request(FinanceAggregatesDocument, { groupBy: ["YEAR"] }, { role: "READER" })).financeAggregates;
    expect(byYear.map((g) => [g.year, g.count, g.companies, g.sum, g.min.q1, g.max.q3])).toEqual([
      [2022, 1, 1, { q1: 100, q2: null, q3: 50, q4: null, total: 150 }, 100, 50],
      [2023, 2, 2, { q1: 10.1, q2: 20.2, q3: null, q4: null, total: 30.3 }, 10.1, null],
    ]);
    // 2023: Company 0's all-null year has a null total, left out of the average.
    expect(byYear[1].avg.total).toBeCloseTo(30.3, 9);

    const res = await t.request(FinanceAggregatesDocument, { groupBy: ["COMPANY"] }, { role: "READER" });
    expect(ok(res).financeAggregates.map((g) => [g.company?.name, g.count, g.companies])).toEqual([
      ["Company 0", 2, 1],
      ["Company 1", 1, 1],
    ]);
    expect(res.statements).toBe(2); // the aggregate, then every company in one batch
    const partial = await t.raw(`{ financeAggregates(groupBy: [YEAR]) { year sum { total } ... on FinanceAggregate { max { q1 } } } }`, {}, { role: "READER" });
    expect(partial.body.data.financeAggregates).toEqual(byYear.map((g) => ({ year: g.year, sum: { total: g.sum.total }, max: { q1: g.max.q1 } })));
    const withoutCompany = await t.request(FinanceAggregatesDocument, { groupBy: ["BUSINESS_TYPE"] }, { role: "READER" });
    expect(ok(withoutCompany).financeAggregates.map((g) => [g.businessType, g.company, g.companies])).toEqual([
      ["Retail", null, 1],
      [null, null, 1],
    ]);
  });

  it("refuses fromYear after toYear and a malformed company id", async () => {
    expect(errorCodes(await t.request(FinanceAggregatesDocument, { groupBy: [], filter: { fromYear: 2024, toYear: 2023 } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await t.request(FinanceAggregatesDocument, { groupBy: [], filter: { companyIds: ["x"] } }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("matches the same figures computed in TypeScript, for random finances, groupings and filters", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(companyArb, { maxLength: 8 }),
        fc.shuffledSubarray(["YEAR", "BUSINESS_TYPE", "COMPANY"] as FinanceGroupBy[]),
        fc.record({
          fromYear: fc.option(fc.constantFrom(2020, 2021)),
          toYear: fc.option(fc.constantFrom(2022, 2023)),
          businessType: fc.option(fc.constantFrom("Retail", "Aerospace")),
          companyIds: fc.option(fc.subarray(["1", "2", "3", "5"])),
        }),
        async (companies, groupBy, filter) => {
          await reset();
          const rows = await loadCompanies(companies);
          const selected = rows.filter(
            (r) =>
              (filter.fromYear == null || r.year >= filter.fromYear) &&
              (filter.toYear == null || r.year <= filter.toYear) &&
              (filter.businessType == null || r.business_type === filter.businessType) &&
              (filter.companyIds == null || filter.companyIds.includes(String(r.company_id))),
          );
          const res = await t.request(FinanceAggregatesDocument, { groupBy, filter }, { role: "READER" });
          const groups = ok(res).financeAggregates;
          const expected = expectedFinances(selected, groupBy);
          expect(res.statements).toBe(groupBy.includes("COMPANY") && groups.length > 0 ? 2 : 1);
          const keyOf = (g: (typeof groups)[number]) =>
            groupBy.map((k) => (k === "YEAR" ? g.year : k === "BUSINESS_TYPE" ? g.businessType : Number(g.company!.id)));
          expect(groups.map(keyOf)).toEqual(expected.map((e) => e.key));
          expected.forEach((e, i) => {
            expect([groups[i].count, groups[i].companies]).toEqual([e.count, e.companies]);
            for (const figure of ["sum", "avg", "min", "max"] as const) {
              for (const part of PARTS) expectClose(groups[i][figure][part], e[figure][part], `${figure}.${part}`);
            }
          });
        },
      ),
      { numRuns: 20 },
    );
  });
});

// ---------------------------------------------------------------- files

interface FileRowRaw {
  host: string;
  run_dir: string;
  file_type: string;
  file_size: string;
  created_at: Date;
}

const fileArb = fc.record({
  host: fc.constantFrom("a", "b", "B"),
  runDir: fc.constantFrom("/r/1", "/r/2"),
  ext: fc.constantFrom(".xml", ".XML", ".log", ""),
  fileSize: fc.integer({ min: 0, max: 2 ** 40 }),
  ageMinutes: fc.integer({ min: 0, max: 10_000 }),
});

describe("fileAggregates", () => {
  beforeEach(reset);

  it("matches counts, bytes and newest computed in TypeScript, for random files, groupings and filters", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fileArb, { maxLength: 30 }),
        fc.shuffledSubarray(["HOST", "FILE_TYPE", "RUN_DIR"] as FileGroupBy[]),
        fc.record({ host: fc.option(fc.constantFrom("a", "B")), fileType: fc.option(fc.constantFrom("xml", ".XML", "log")), runDir: fc.option(fc.constantFrom("/r/2")) }),
        async (files, groupBy, filter) => {
          await reset();
          if (files.length > 0) {
            ok(
              await t.request(
                RegisterFilesDocument,
                { files: files.map((f, i) => ({ host: f.host, runDir: f.runDir, fullName: `${f.runDir}/file-${i}${f.ext}`, fileSize: f.fileSize })) },
                { role: "WRITER" },
              ),
            );
            // Spread createdAt so `newest` is tested: registerFiles stamps now().
            await sql(
              `UPDATE tracked_file f SET created_at = now() - make_interval(mins => a.age)
                 FROM unnest($1::text[], $2::int[]) AS a(name, age) WHERE f.full_name = a.name`,
              [files.map((f, i) => `${f.runDir}/file-${i}${f.ext}`), files.map((f) => f.ageMinutes)],
            );
          }
          const rows: FileRowRaw[] = await sql("SELECT host, run_dir, file_type, file_size, created_at FROM tracked_file");
          const type = filter.fileType?.replace(/^\./, "").toLowerCase();
          const selected = rows.filter(
            (r) => (filter.host == null || r.host === filter.host) && (type == null || r.file_type === type) && (filter.runDir == null || r.run_dir === filter.runDir),
          );
          const keyOf: Record<FileGroupBy, (r: FileRowRaw) => string> = { HOST: (r) => r.host, FILE_TYPE: (r) => r.file_type, RUN_DIR: (r) => r.run_dir };
          const expected = groupRows(selected, (r) => groupBy.map((k) => keyOf[k](r))).map(({ key, rows: group }) => ({
            key,
            files: group.length,
            bytes: sum(group.map((r) => Number(r.file_size))),
            newest: new Date(Math.max(...group.map((r) => r.created_at.getTime()))).toISOString(),
          }));
          const res = await t.request(FileAggregatesDocument, { groupBy, filter }, { role: "READER" });
          expect(res.statements).toBe(1);
          const field: Record<FileGroupBy, "host" | "fileType" | "runDir"> = { HOST: "host", FILE_TYPE: "fileType", RUN_DIR: "runDir" };
          expect(
            ok(res).fileAggregates.map((g) => ({ key: groupBy.map((k) => g[field[k]]), files: g.files, bytes: g.bytes, newest: g.newest })),
          ).toEqual(expected);
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe("access and query limits", () => {
  it("lets a READER run all three, refuses a request without a key", async () => {
    for (const role of ["READER", "WRITER", "ADMIN"] as const) {
      expect(errorCodes(await t.request(FileAggregatesDocument, { groupBy: ["HOST"] }, { role }))).toEqual([]);
    }
    expect(errorCodes(await t.request(RunAggregatesDocument, { groupBy: [] }, { token: null }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("counts aggregate lists in the complexity limit: a dashboard's four charts pass, a nested blow-up is refused", async () => {
    const charts = await t.raw(
      `{ a: runAggregates(groupBy: [STATUS], bucket: DAY) { bucket status runs passRate }
         b: runAggregates(groupBy: [HOST]) { host failures }
         c: fileAggregates(groupBy: [HOST]) { host bytes }
         d: financeAggregates(groupBy: [YEAR, BUSINESS_TYPE]) { year businessType sum { total } } }`,
      {},
      { role: "READER" },
    );
    expect(errorCodes(charts)).toEqual([]);
    const nested = Array.from({ length: 10 }, (_, i) => `a${i}: financeAggregates(groupBy: [COMPANY]) { company { finances { company { finances { year } } } } }`);
    const refused = await t.raw(`{ ${nested.join("\n")} }`, {}, { role: "READER" });
    expect(errorCodes(refused)).toEqual(["QUERY_TOO_COMPLEX"]);
  });
});
