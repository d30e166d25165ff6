import { Client } from "pg";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { runCli } from "./support/paths";

/** `dashql stats` and its groupings through the built command, as a cron job runs it. */

let db: TestDatabase;
let pg: Client;
const cli = (args: string[]) => runCli(["--database-url", db.url, ...args]);
const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "");

beforeAll(async () => {
  db = await createTestDatabase();
  pg = new Client({ connectionString: db.url });
  await pg.connect();
  await pg.query(`
    INSERT INTO company (name, business_type) VALUES ('A', 'Retail'), ('B', 'Retail'), ('C', NULL);
    INSERT INTO finance (company_id, year, q1_earnings, q2_earnings) VALUES (1, 2022, 10, 5), (2, 2022, 1.5, NULL), (1, 2023, 100, NULL), (3, 2023, NULL, NULL);
    INSERT INTO queue_item (created_at, time_to_live, run_dir, owner, host, status, summary) VALUES
      ('2026-03-28T23:30:00Z', now(), '/r/1', 'ann', 'h1', 'SUCCEEDED', '{"tests": 10, "failures": 1, "errors": 0, "skipped": 0, "durationSeconds": 3}'),
      ('2026-03-29T21:59:00Z', now(), '/r/2', 'ann', 'h1', 'FAILED', '{"tests": 10, "failures": 5, "errors": 0, "skipped": 0, "durationSeconds": 3}'),
      ('2026-03-29T22:00:00Z', now(), '/r/3', 'ann', 'h2', 'SUCCEEDED', NULL),
      ('2026-03-20T12:00:00Z', now(), '/r/4', 'bob', 'h2', 'CANCELLED', NULL);
    INSERT INTO tracked_file (host, run_dir, file_path, file_name, full_name, file_type, file_size) VALUES
      ('h1', '/r/1', '/r/1', 'a.xml', '/r/1/a.xml', 'xml', 1000),
      ('h1', '/r/1', '/r/1', 'b.log', '/r/1/b.log', 'log', 24),
      ('h2', '/r/3', '/r/3', 'c.xml', '/r/3/c.xml', 'xml', 5000000000);
  `);
});

afterAll(async () => {
  await pg?.end();
  await db?.drop();
});

describe("dashql stats", () => {
  it("prints the overview counts from the domain functions", async () => {
    const res = await cli(["stats", "--json"]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      companies: 3,
      finances: 4,
      files: 3,
      queue: { QUEUED: 0, RUNNING: 0, SUCCEEDED: 2, FAILED: 1, CANCELLED: 1 },
    });
  });

  it("groups runs by Berlin day and status from a local date, as an aligned table", async () => {
    const res = await cli(["stats", "runs", "--by", "day", "--group", "status", "--from", "2026-03-29", "--tz", "Europe/Berlin"]);
    expect(res.code).toBe(0);
    // 2026-03-29 is 23 hours long in Berlin: 22:00 UTC is already March 30.
    expect(lines(res.stdout)).toEqual([
      "day         status     runs  summarized  tests  failures  errors  skipped  pass rate  avg s  p95 s",
      "2026-03-29  FAILED        1           1     10         5       0        0      50.0%      -      -",
      "2026-03-29  SUCCEEDED     1           1     10         1       0        0      90.0%      -      -",
      "2026-03-30  SUCCEEDED     1           0      0         0       0        0          -      -      -",
    ]);
  });

  it("prints JSON with --json: files by host, bytes beyond 2^32 exact", async () => {
    const res = await cli(["stats", "files", "--group", "host", "--json"]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).map((g: { host: string; files: number; bytes: number }) => [g.host, g.files, g.bytes])).toEqual([
      ["h1", 2, 1024],
      ["h2", 1, 5_000_000_000],
    ]);
  });

  it("groups finances by year and business type, nulls last", async () => {
    const res = await cli(["stats", "finances", "--group", "year,business-type"]);
    expect(res.code).toBe(0);
    expect(lines(res.stdout)).toEqual([
      "year  business-type  rows  companies  total sum  total avg  total min  total max",
      "2022  Retail            2          2       16.5       8.25        1.5         15",
      "2023  Retail            1          1        100        100        100        100",
      "2023  -                 1          1          -          -          -          -",
    ]);
  });

  it("refuses an unknown zone and an unknown group key with exit code 2", async () => {
    const zone = await cli(["stats", "runs", "--by", "day", "--tz", "Mars/Olympus"]);
    expect(zone.code).toBe(2);
    expect(zone.stderr).toMatch(/BAD_USER_INPUT: timeZone "Mars\/Olympus" is not a known IANA time zone/);
    const key = await cli(["stats", "files", "--group", "colour"]);
    expect(key.code).toBe(2);
    expect(key.stderr).toMatch(/--group: unknown key "colour"/);
  });
});
