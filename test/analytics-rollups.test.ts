import fc from "fast-check";
import { useTestServer, type GraphQLResponse } from "./support/server";

/**
 * The rollups behind fileAggregates and financeAggregates (migration AnalyticsRollups)
 * are kept by triggers in the database, so writes made by plain SQL (updates, deletes,
 * company type changes, company deletes, TRUNCATE) must show in the next answer. Each
 * property applies random plain-SQL writes and checks, after each:
 * - the rollup table equals the same groups recomputed from the base tables;
 * - the answer read from the rollup equals the answer the base-table path gives for the
 *   same question (forced by a filter the rollup cannot answer: createdAfter far in the
 *   past for files, every company id for finances), for several groupings.
 */
const t = useTestServer();
const sql = (text: string, params: unknown[] = []) => t.app.database.dataSource.query(text, params);
const reset = () => sql("TRUNCATE company, finance, tracked_file, queue_item RESTART IDENTITY CASCADE");

function data<T = any>(res: GraphQLResponse<T>): T {
  expect(res.body.errors).toBeUndefined();
  return res.body.data!;
}

// ---------------------------------------------------------------- files

const FILE_QUERY = `query($groupBy: [FileGroupBy!]!, $filter: FileFilter) { fileAggregates(groupBy: $groupBy, filter: $filter) { host fileType runDir files bytes newest } }`;

/** Rows of the rollup that differ from tracked_file grouped the same way (both directions): none when current. */
async function fileRollupDrift(): Promise<unknown[]> {
  return sql(`
    (SELECT host, file_type, run_dir, files, bytes, newest FROM analytics_file_group
     EXCEPT SELECT host, file_type, run_dir, count(*), sum(file_size), max(created_at) FROM tracked_file GROUP BY 1, 2, 3)
    UNION ALL
    (SELECT host, file_type, run_dir, count(*), sum(file_size), max(created_at) FROM tracked_file GROUP BY 1, 2, 3
     EXCEPT SELECT host, file_type, run_dir, files, bytes, newest FROM analytics_file_group)`);
}

async function expectFilesCurrent(what: string): Promise<void> {
  expect({ what, drift: await fileRollupDrift() }).toEqual({ what, drift: [] });
  for (const groupBy of [[], ["HOST"], ["FILE_TYPE", "HOST"], ["RUN_DIR"], ["HOST", "FILE_TYPE", "RUN_DIR"]]) {
    for (const filter of [{}, { host: "a" }, { fileType: "xml" }]) {
      const fromRollup = data(await t.raw(FILE_QUERY, { groupBy, filter }, { role: "READER" })).fileAggregates;
      const fromBase = data(await t.raw(FILE_QUERY, { groupBy, filter: { ...filter, createdAfter: "1900-01-01T00:00:00Z" } }, { role: "READER" })).fileAggregates;
      expect({ what, groupBy, filter, groups: fromRollup }).toEqual({ what, groupBy, filter, groups: fromBase });
    }
  }
}

const FILE_WRITES = [
  "UPDATE tracked_file SET created_at = created_at - interval '1 day' * (id % 3) WHERE id % $1 = 0",
  "UPDATE tracked_file SET created_at = now() + interval '1 hour' WHERE id % $1 = 1",
  "UPDATE tracked_file SET file_size = file_size * 2 + 1 WHERE id % $1 = 0",
  "UPDATE tracked_file SET host = CASE host WHEN 'a' THEN 'b' ELSE 'a' END WHERE id % $1 = 1",
  "UPDATE tracked_file SET run_dir = '/r/moved', file_type = 'log' WHERE id % $1 = 2",
  "UPDATE tracked_file SET updated_at = now() WHERE id % $1 = 0",
  "DELETE FROM tracked_file WHERE id % $1 = 0",
  "DELETE FROM tracked_file WHERE created_at = (SELECT max(created_at) FROM tracked_file) AND $1 > 0",
  `INSERT INTO tracked_file (created_at, host, run_dir, file_path, file_name, full_name, file_type, file_size)
   SELECT now() - interval '1 minute' * i, (ARRAY['a','b'])[1 + i % 2], '/r/' || (i % 3), '/r', 'x', '/sql/' || $1 || '/' || i || '-' || random(), 'xml', i
     FROM generate_series(1, 5) AS i`,
];

describe("fileAggregates rollup", () => {
  beforeEach(reset);

  it("stays equal to tracked_file and to the base-table answer under random plain-SQL writes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ host: fc.constantFrom("a", "b"), runDir: fc.constantFrom("/r/1", "/r/2"), ext: fc.constantFrom(".xml", ".log"), size: fc.integer({ min: 0, max: 2 ** 40 }) }),
          { maxLength: 25 },
        ),
        fc.array(fc.tuple(fc.integer({ min: 0, max: FILE_WRITES.length - 1 }), fc.integer({ min: 2, max: 4 })), { minLength: 1, maxLength: 6 }),
        async (files, writes) => {
          await reset();
          if (files.length > 0) {
            data(
              await t.raw(
                `mutation($files: [FileInput!]!) { registerFiles(files: $files) { created } }`,
                { files: files.map((f, i) => ({ host: f.host, runDir: f.runDir, fullName: `${f.runDir}/f${i}${f.ext}`, fileSize: f.size })) },
                { role: "WRITER" },
              ),
            );
            await sql("UPDATE tracked_file SET created_at = now() - interval '1 minute' * (id % 7)");
          }
          await expectFilesCurrent("after registerFiles");
          for (const [write, modulus] of writes) {
            await sql(FILE_WRITES[write], [modulus]);
            await expectFilesCurrent(FILE_WRITES[write]);
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it("is emptied by TRUNCATE and follows registerFiles updating existing files", async () => {
    const register = (size: number) =>
      t.raw(`mutation($files: [FileInput!]!) { registerFiles(files: $files) { created updated } }`, { files: [{ host: "a", runDir: "/r/1", fullName: "/r/1/x.xml", fileSize: size }] }, { role: "WRITER" });
    data(await register(10));
    data(await register(25));
    const groups = data(await t.raw(FILE_QUERY, { groupBy: ["HOST"] }, { role: "READER" })).fileAggregates;
    expect(groups.map((g: { files: number; bytes: number }) => [g.files, g.bytes])).toEqual([[1, 25]]);
    await sql("TRUNCATE tracked_file CASCADE");
    expect(await sql("SELECT * FROM analytics_file_group")).toEqual([]);
    expect(data(await t.raw(FILE_QUERY, { groupBy: [] }, { role: "READER" })).fileAggregates).toEqual([]);
  });
});

// ---------------------------------------------------------------- finances

const FINANCE_QUERY = `query($groupBy: [FinanceGroupBy!]!, $filter: FinanceAggregateFilter) {
  financeAggregates(groupBy: $groupBy, filter: $filter) {
    year businessType count companies
    sum { q1 q2 q3 q4 total } avg { q1 q2 q3 q4 total } min { q1 q2 q3 q4 total } max { q1 q2 q3 q4 total }
  }
}`;

const PARTS = ["q1", "q2", "q3", "q4", "total"] as const;
const COLUMN = { q1: "q1_earnings", q2: "q2_earnings", q3: "q3_earnings", q4: "q4_earnings", total: "total_earnings" } as const;

async function financeRollupDrift(): Promise<unknown[]> {
  // Numbers compared as numbers (a sum kept by deltas may carry more trailing zeros).
  const rollup = `SELECT year, business_type, rows, ${PARTS.map((p) => `n_${p}, sum_${p} + 0, min_${p}, max_${p}`).join(", ")} FROM analytics_finance_group`;
  const base = `SELECT f.year, c.business_type, count(*), ${PARTS.map((p) => `count(f.${COLUMN[p]}), coalesce(sum(f.${COLUMN[p]}), 0) + 0, min(f.${COLUMN[p]}), max(f.${COLUMN[p]})`).join(", ")}
                  FROM finance f JOIN company c ON c.id = f.company_id GROUP BY 1, 2`;
  return sql(`SELECT 'stale' AS side, * FROM ((${rollup}) EXCEPT (${base})) AS a UNION ALL SELECT 'missing', * FROM ((${base}) EXCEPT (${rollup})) AS b`);
}

function close(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  if (a && b && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

async function expectFinancesCurrent(what: string): Promise<void> {
  expect({ what, drift: await financeRollupDrift() }).toEqual({ what, drift: [] });
  const ids: { id: number }[] = await sql("SELECT id FROM company ORDER BY id");
  for (const groupBy of [["YEAR"], ["YEAR", "BUSINESS_TYPE"], ["BUSINESS_TYPE", "YEAR"]]) {
    for (const filter of [{}, { fromYear: 2021 }, { businessType: "Retail", toYear: 2022 }]) {
      const fromRollup = data(await t.raw(FINANCE_QUERY, { groupBy, filter }, { role: "READER" })).financeAggregates;
      const fromBase = data(await t.raw(FINANCE_QUERY, { groupBy, filter: { ...filter, companyIds: ids.map((r) => String(r.id)) } }, { role: "READER" })).financeAggregates;
      if (!close(fromRollup, fromBase)) {
        expect({ what, groupBy, filter, groups: fromRollup }).toEqual({ what, groupBy, filter, groups: fromBase });
      }
    }
  }
}

const FINANCE_WRITES = [
  "UPDATE finance SET q1_earnings = q1_earnings * 3 WHERE id % $1 = 0",
  "UPDATE finance SET q2_earnings = NULL WHERE id % $1 = 1",
  "UPDATE finance SET q3_earnings = -q3_earnings - 1, q4_earnings = 0.125 WHERE id % $1 = 0",
  "UPDATE finance SET year = year + 100 WHERE id % $1 = 1 AND year < 2100",
  "UPDATE finance SET q1_earnings = q1_earnings WHERE $1 > 0",
  "UPDATE finance SET q1_earnings = (SELECT max(q1_earnings) FROM finance) + 1 WHERE id % $1 = 0",
  "UPDATE company SET business_type = CASE WHEN business_type IS NULL THEN 'Retail' WHEN business_type = 'Retail' THEN 'Aerospace' ELSE NULL END WHERE id % $1 = 0",
  "UPDATE company SET ceo = 'x' WHERE id % $1 = 1",
  "DELETE FROM finance WHERE id % $1 = 0",
  "DELETE FROM finance WHERE total_earnings = (SELECT max(total_earnings) FROM finance) AND $1 > 0",
  "DELETE FROM company WHERE id % $1 = 1",
  `INSERT INTO finance (company_id, year, q1_earnings, q2_earnings, q3_earnings, q4_earnings)
   SELECT id, 2024, id * 1.5, NULL, $1, -id FROM company
   ON CONFLICT (company_id, year) DO NOTHING`,
  `INSERT INTO company (name, business_type) SELECT 'SQL company ' || $1 || '-' || random(), 'Retail'`,
];

const moneyArb = fc.option(fc.integer({ min: -5_000_000, max: 50_000_000 }).map((cents) => cents / 100), { freq: 4 });

describe("financeAggregates rollup", () => {
  beforeEach(reset);

  it("stays equal to finance ⋈ company and to the base-table answer under random plain-SQL writes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            businessType: fc.constantFrom(null, "Retail", "Aerospace"),
            years: fc.subarray([2020, 2021, 2022, 2023]),
            quarters: fc.array(fc.tuple(moneyArb, moneyArb, moneyArb, moneyArb), { minLength: 4, maxLength: 4 }),
          }),
          { maxLength: 6 },
        ),
        fc.array(fc.tuple(fc.integer({ min: 0, max: FINANCE_WRITES.length - 1 }), fc.integer({ min: 2, max: 3 })), { minLength: 1, maxLength: 6 }),
        async (companies, writes) => {
          await reset();
          if (companies.length > 0) {
            data(
              await t.raw(
                `mutation($companies: [CompanyImportInput!]!) { importCompanies(companies: $companies) { companiesCreated } }`,
                {
                  companies: companies.map((c, i) => ({
                    name: `Company ${i}`,
                    businessType: c.businessType,
                    finances: c.years.map((year, j) => ({ year, q1Earnings: c.quarters[j][0], q2Earnings: c.quarters[j][1], q3Earnings: c.quarters[j][2], q4Earnings: c.quarters[j][3] })),
                  })),
                },
                { role: "WRITER" },
              ),
            );
          }
          await expectFinancesCurrent("after importCompanies");
          for (const [write, modulus] of writes) {
            await sql(FINANCE_WRITES[write], [modulus]);
            await expectFinancesCurrent(FINANCE_WRITES[write]);
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it("reads the rollup only where it answers exactly: no YEAR, COMPANY or a company filter read the base tables", async () => {
    await sql(`INSERT INTO company (name, business_type) VALUES ('A', 'Retail'), ('B', 'Retail')`);
    await sql(`INSERT INTO finance (company_id, year, q1_earnings) VALUES (1, 2020, 1), (1, 2021, 2), (2, 2021, 4)`);
    const byType = data(await t.raw(FINANCE_QUERY, { groupBy: ["BUSINESS_TYPE"] }, { role: "READER" })).financeAggregates;
    // Two companies over three rows: a distinct count the (year, type) rollup cannot give.
    expect(byType.map((g: { count: number; companies: number }) => [g.count, g.companies])).toEqual([[3, 2]]);
    const byYear = data(await t.raw(FINANCE_QUERY, { groupBy: ["YEAR"], filter: { companyIds: ["1"] } }, { role: "READER" })).financeAggregates;
    expect(byYear.map((g: { year: number; sum: { q1: number } }) => [g.year, g.sum.q1])).toEqual([
      [2020, 1],
      [2021, 2],
    ]);
    // Deleting a company (cascading to its rows) and renaming a type show at once.
    await sql(`DELETE FROM company WHERE id = 2`);
    await sql(`UPDATE company SET business_type = 'Energy' WHERE id = 1`);
    const after = data(await t.raw(FINANCE_QUERY, { groupBy: ["YEAR", "BUSINESS_TYPE"] }, { role: "READER" })).financeAggregates;
    expect(after.map((g: { year: number; businessType: string; max: { q1: number } }) => [g.year, g.businessType, g.max.q1])).toEqual([
      [2020, "Energy", 1],
      [2021, "Energy", 2],
    ]);
    await expectFinancesCurrent("after delete and type change");
    await sql("TRUNCATE company CASCADE");
    expect(await sql("SELECT * FROM analytics_finance_group")).toEqual([]);
  });
});

// ---------------------------------------------------------------- runs

describe("runAggregates generated columns", () => {
  beforeEach(reset);

  it("follow a summary changed or removed by plain SQL", async () => {
    await sql(`INSERT INTO queue_item (created_at, time_to_live, run_dir, owner, status, summary)
               VALUES (now(), now() + interval '1 day', '/r/1', 'o', 'SUCCEEDED', '{"tests": 10, "failures": 1, "errors": 0, "skipped": 2, "durationSeconds": 1.5}'),
                      (now(), now() + interval '1 day', '/r/2', 'o', 'SUCCEEDED', NULL)`);
    const query = `{ runAggregates { runs summarized tests failures skipped passRate testSeconds } }`;
    expect(data(await t.raw(query, {}, { role: "READER" })).runAggregates).toEqual([{ runs: 2, summarized: 1, tests: 10, failures: 1, skipped: 2, passRate: 7 / 8, testSeconds: 1.5 }]);
    await sql(`UPDATE queue_item SET summary = '{"tests": 4, "failures": 0, "errors": 0, "skipped": 0, "durationSeconds": 2}' WHERE run_dir = '/r/2'`);
    await sql(`UPDATE queue_item SET summary = NULL WHERE run_dir = '/r/1'`);
    expect(data(await t.raw(query, {}, { role: "READER" })).runAggregates).toEqual([{ runs: 2, summarized: 1, tests: 4, failures: 0, skipped: 0, passRate: 1, testSeconds: 2 }]);
  });
});
