import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { print } from "graphql";
import { Client } from "pg";
import { loadConfig } from "../src/config/config";
import { createLogger } from "../src/config/logger";
import { startApp, type App } from "../src/server/app";
import { MeDocument } from "./generated/graphql";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { runCli, type CliResult } from "./support/paths";

/**
 * Every `dashql` command through a real child process (the built bin/dashql.js), as an
 * operator runs it: exit codes, what stdout and stderr say, and what lands in PostgreSQL.
 * Each describe block gets its own database cloned from the migrated template.
 */

let tmp: string;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "dashql-cli-test-"));
});
afterAll(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
  rmSync(tmp, { recursive: true, force: true });
});

interface Fresh {
  db: TestDatabase;
  pg: Client;
  cli: (args: string[], options?: { input?: string }) => Promise<CliResult>;
  /** The first column of the first row, as a number (count(*) arrives as a string). */
  scalar: (sql: string, params?: unknown[]) => Promise<number>;
}

/** A fresh database, a pg client on it, and `dashql --database-url <it> ...`; dropped after the file. */
async function freshDatabase(): Promise<Fresh> {
  const db = await createTestDatabase();
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  cleanups.push(() => db.drop(), () => pg.end());
  return {
    db,
    pg,
    cli: (args, options = {}) => runCli(["--database-url", db.url, ...args], { input: options.input }),
    scalar: async (sql, params = []) => Number(Object.values((await pg.query(sql, params)).rows[0])[0]),
  };
}

function writeJson(name: string, value: unknown): string {
  const file = path.join(tmp, name);
  writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value, null, 2));
  return file;
}

/** The lines an operator reads, without blank ones. */
const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "");

/**
 * stderr without pino's JSON log lines: on a loaded machine a "slow sql" warning (any
 * statement over 1 s) may appear there beside the message meant for the operator.
 */
const said = (stderr: string) => lines(stderr).filter((line) => !line.startsWith('{"level":'));

/** A failure an operator can act on: non-zero exit, one line on stderr starting "dashql:", nothing on stdout. */
function expectOneLineFailure(result: CliResult, exitCode = 2): string {
  expect({ code: result.code, stdout: result.stdout }).toEqual({ code: exitCode, stdout: "" });
  const stderr = said(result.stderr);
  expect(stderr).toHaveLength(1);
  expect(stderr[0]).toMatch(/^dashql: /);
  return stderr[0];
}

const COMMANDS: Record<string, string[]> = {
  serve: ["--port"],
  migrate: [],
  import: ["<file>"],
  enqueue: ["--schedule-file <file>", "--ttl <duration>", "(default: 24h)"],
  scan: ["<dir>", "--host <name>", "--run-dir <dir>"],
  work: ["--once", "--concurrency <n>", "--poll <duration>", "--lease <duration>", "--max-attempts <n>", "--host <name>"],
  purge: ["--ttl-beyond <duration>"],
  stats: ["--json"],
  users: ["create", "list"],
  "users create": ["<name>", "--role <role>", "--email <email>", "--key-name <name>", "--no-key"],
  keys: ["create", "revoke"],
  "keys create": ["<user>", "--name <name>"],
  "keys revoke": ["<id>"],
  shell: [],
};

describe("--help", () => {
  it("lists every command, and each command's --help exits 0 and shows its options", async () => {
    const top = await runCli(["--help"]);
    expect(top.code).toBe(0);
    const listed = top.stdout.slice(top.stdout.indexOf("Commands:"));
    for (const command of ["serve", "migrate", "import", "enqueue", "scan", "work", "purge", "stats", "users", "keys", "shell"]) {
      expect(listed).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
    expect(top.stdout).toContain("--database-url <url>");

    // Two at a time: the machine has two cores, and more only makes each one slower.
    const commands = Object.keys(COMMANDS);
    for (let i = 0; i < commands.length; i += 2) {
      const pair = commands.slice(i, i + 2);
      const results = await Promise.all(pair.map((command) => runCli([...command.split(" "), "--help"])));
      pair.forEach((command, j) => {
        const { code, stdout, stderr } = results[j];
        expect({ command, code, stderr }).toEqual({ command, code: 0, stderr: "" });
        expect(stdout).toContain(`Usage: dashql ${command}`);
        for (const option of COMMANDS[command]) expect({ command, has: stdout.includes(option) }).toEqual({ command, has: true });
      });
    }
  }, 120_000);

  it("refuses an unknown command with exit code 2 and the usage", async () => {
    const result = await runCli(["frobnicate"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});

describe("exit codes", () => {
  it("answers a bad DATABASE_URL with 3 and an unreachable PostgreSQL with 4, one line each", async () => {
    const [badUrl, unreachable] = await Promise.all([
      runCli(["stats"], { env: { DATABASE_URL: "not a url" } }),
      runCli(["--database-url", "postgres://dashql:x@127.0.0.1:1/none", "stats"]),
    ]);
    expect(expectOneLineFailure(badUrl, 3)).toBe("dashql: invalid configuration: DATABASE_URL is not a valid URL");
    expect(expectOneLineFailure(unreachable, 4)).toMatch(/^dashql: cannot reach PostgreSQL: .*ECONNREFUSED 127\.0\.0\.1:1/);
  });
});

describe("migrate", () => {
  it("keeps stderr empty under cron (no LOG_LEVEL, production) and logs progress with --verbose", async () => {
    const { pg, db } = await freshDatabase();
    const empty = (name: string) => {
      const url = new URL(db.url);
      url.pathname = `/${name}`;
      return url.toString();
    };
    // Databases without the schema, so migrate has progress to report.
    const names = [`${db.name}_quiet`, `${db.name}_verbose`];
    for (const name of names) await pg.query(`CREATE DATABASE ${name}`);
    cleanups.push(async () => {
      for (const name of names) await pg.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    });
    const cron = { NODE_ENV: "production", LOG_LEVEL: undefined };
    const [quiet, verbose] = await Promise.all([
      runCli(["--database-url", empty(names[0]), "migrate"], { env: cron }),
      runCli(["--database-url", empty(names[1]), "--verbose", "migrate"], { env: cron }),
    ]);
    expect(quiet).toMatchObject({ code: 0, stderr: "" });
    expect(quiet.stdout).toMatch(/^applied \d+ migration\(s\)/);
    expect(verbose.code).toBe(0);
    expect(lines(verbose.stderr).map((line) => JSON.parse(line) as { level: number; msg: string })).toContainEqual(
      expect.objectContaining({ level: 30, msg: "migrations applied" }),
    );
  });

  it("is idempotent on an already-migrated database", async () => {
    const { cli, scalar } = await freshDatabase();
    const before = await scalar(`SELECT count(*) FROM migrations`);
    for (let i = 0; i < 2; i++) {
      const result = await cli(["migrate"]);
      expect(result).toMatchObject({ code: 0, stdout: "database is up to date\n" });
    }
    expect(await scalar(`SELECT count(*) FROM migrations`)).toBe(before);
  });
});

describe("import", () => {
  const companies = (ceo: string, q1: number) => ({
    DATA: [
      {
        COMPANY: "Acme Rockets",
        COMPANY_CEO: ceo,
        BUSINESS_TYPE: "Aerospace",
        FINANCE: [
          { YEAR: 2022, Q1_EARNINGS: q1, Q2_EARNINGS: 2, Q3_EARNINGS: 3, Q4_EARNINGS: 4 },
          { YEAR: 2023, Q1_EARNINGS: 10.25 },
        ],
      },
      { COMPANY: "Globex", COMPANY_CEO: "Hank Scorpio", BUSINESS_TYPE: "Energy", FINANCE: [{ YEAR: 2021, Q4_EARNINGS: -5.5 }] },
      { COMPANY: "Initech", BUSINESS_TYPE: "Software" },
    ],
  });
  let fresh: Fresh;
  const snapshot = async () =>
    (
      await fresh.pg.query(
        `SELECT c.name, c.ceo, c.business_type, f.year, f.q1_earnings::float8 AS q1, f.total_earnings::float8 AS total
         FROM company c LEFT JOIN finance f ON f.company_id = c.id ORDER BY c.name, f.year`,
      )
    ).rows;

  beforeAll(async () => {
    fresh = await freshDatabase();
  });

  it("imports 3 companies with their finances, and importing again updates them without duplicates", async () => {
    const first = await fresh.cli(["import", writeJson("companies.json", companies("Wile E.", 1))]);
    expect(said(first.stderr)).toEqual([]);
    expect(first).toMatchObject({ code: 0, stdout: "imported 3 companies (3 created, 0 updated), 3 finance rows written\n" });
    expect(await snapshot()).toEqual([
      { name: "Acme Rockets", ceo: "Wile E.", business_type: "Aerospace", year: 2022, q1: 1, total: 10 },
      { name: "Acme Rockets", ceo: "Wile E.", business_type: "Aerospace", year: 2023, q1: 10.25, total: 10.25 },
      { name: "Globex", ceo: "Hank Scorpio", business_type: "Energy", year: 2021, q1: null, total: -5.5 },
      { name: "Initech", ceo: null, business_type: "Software", year: null, q1: null, total: null },
    ]);

    const again = await fresh.cli(["import", writeJson("companies-v2.json", companies("Road Runner", 100))]);
    expect(again).toMatchObject({ code: 0, stdout: "imported 3 companies (0 created, 3 updated), 3 finance rows written\n" });
    const rows = await snapshot();
    expect(rows).toHaveLength(4);
    expect(rows[0]).toEqual({ name: "Acme Rockets", ceo: "Road Runner", business_type: "Aerospace", year: 2022, q1: 100, total: 109 });
    expect(await fresh.scalar(`SELECT count(*) FROM company`)).toBe(3);
  });

  it("refuses a record with a bad year, naming DATA[1].FINANCE[0].YEAR, and writes nothing (not even the good records)", async () => {
    const before = await snapshot();
    const file = writeJson("bad-year.json", {
      DATA: [
        { COMPANY: "Acme Rockets", COMPANY_CEO: "Changed CEO", FINANCE: [{ YEAR: 2022, Q1_EARNINGS: 999 }] },
        { COMPANY: "New Co", FINANCE: [{ YEAR: 1800, Q1_EARNINGS: 1 }] },
        { COMPANY: "Another New Co" },
      ],
    });
    const line = expectOneLineFailure(await fresh.cli(["import", file]));
    expect(line).toContain("DATA[1].FINANCE[0].YEAR");
    expect(line).toMatch(/1900 to 2200 \(got 1800\)/);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a record without COMPANY, naming DATA[1].COMPANY, and writes nothing", async () => {
    const before = await snapshot();
    const file = writeJson("no-name.json", { DATA: [{ COMPANY: "Fresh Co" }, { COMPANY_CEO: "Nobody", BUSINESS_TYPE: "Mystery" }] });
    const line = expectOneLineFailure(await fresh.cli(["import", file]));
    expect(line).toContain("DATA[1].COMPANY");
    expect(line).toMatch(/missing/);
    expect(await snapshot()).toEqual(before);
  });

  it("answers a missing file, invalid JSON and an unknown key with one clear line", async () => {
    const missing = path.join(tmp, "does-not-exist.json");
    const [noFile, badJson, unknownKey] = await Promise.all([
      fresh.cli(["import", missing]),
      fresh.cli(["import", writeJson("truncated.json", '{"DATA": [{"COMPANY": "Acme"')]),
      fresh.cli(["import", writeJson("typo.json", { DATA: [{ COMPANY: "Typo Inc", COMPANY_CEEO: "x" }] })]),
    ]);
    expect(expectOneLineFailure(noFile)).toMatch(new RegExp(`cannot read ${missing}: ENOENT`));
    expect(expectOneLineFailure(badJson)).toMatch(/truncated\.json is not valid JSON/);
    expect(expectOneLineFailure(unknownKey)).toMatch(/DATA\[0\]\.COMPANY_CEEO: unknown key/);
    expect(await fresh.scalar(`SELECT count(*) FROM company`)).toBe(3);
  });
});

describe("enqueue", () => {
  let fresh: Fresh;
  interface Row {
    id: number;
    run_dir: string;
    owner: string;
    site: string | null;
    host: string | null;
    run_tag: string;
    user_tag: string;
    status: string;
    ttl_ms: number;
  }
  const rows = async () =>
    (
      await fresh.pg.query<Row>(
        `SELECT id, run_dir, owner, site, host, run_tag, user_tag, status,
                (extract(epoch FROM time_to_live - now()) * 1000)::float8 AS ttl_ms
         FROM queue_item ORDER BY run_dir`,
      )
    ).rows;
  const HOUR = 3_600_000;

  beforeAll(async () => {
    fresh = await freshDatabase();
  });

  it("maps the schedule's keys onto QUEUED items, with the defaults, and does not duplicate an active run", async () => {
    const schedule = writeJson("schedule.json", [
      { RUN_DIR: "/runs/nightly-1", OWNER: "alice", SITE: "lab-1", HOST_MACHINE: "build-07", run_tag: "Nightly", user_tag: "first try" },
      { RUN_DIR: "/runs/dev-2", OWNER: "bob" },
    ]);
    const result = await fresh.cli(["enqueue", "--schedule-file", schedule]);
    expect(said(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    expect(lines(result.stdout).at(-1)).toMatch(/^enqueued 2 runs \(2 new, 0 already queued or running\), new runs wait until \d{4}-/);
    const [dev, nightly] = await rows();
    expect(nightly).toMatchObject({
      run_dir: "/runs/nightly-1",
      owner: "alice",
      site: "lab-1",
      host: "build-07",
      run_tag: "Nightly",
      user_tag: "first try",
      status: "QUEUED",
    });
    expect(dev).toMatchObject({ run_dir: "/runs/dev-2", owner: "bob", site: null, host: null, run_tag: "Development", user_tag: "", status: "QUEUED" });
    for (const row of [dev, nightly]) {
      expect(row.ttl_ms).toBeGreaterThan(24 * HOUR - 5 * 60_000);
      expect(row.ttl_ms).toBeLessThanOrEqual(24 * HOUR);
    }
    // One line per item ("id, status, host, run dir") before the summary.
    expect(result.stdout).toContain(`${nightly.id}\tQUEUED\tbuild-07\t/runs/nightly-1\n`);
    expect(result.stdout).toContain(`${dev.id}\tQUEUED\t-\t/runs/dev-2\n`);

    const again = await fresh.cli(["enqueue", "--schedule-file", schedule]);
    expect(again.code).toBe(0);
    // The runs already queued keep their time to live, so none is announced.
    expect(lines(again.stdout).at(-1)).toBe("enqueued 2 runs (0 new, 2 already queued or running)");
    expect((await rows()).map((r) => r.id)).toEqual([dev.id, nightly.id]);
  });

  it("honours --ttl 2h for new runs (a run already queued keeps its own), reading the schedule from stdin with -", async () => {
    const result = await fresh.cli(["enqueue", "--schedule-file", "-", "--ttl", "2h"], {
      input: JSON.stringify([{ RUN_DIR: "/runs/short-lived", OWNER: "carol", HOST_MACHINE: "build-09" }, { RUN_DIR: "/runs/dev-2", OWNER: "bob" }]),
    });
    expect(result.code).toBe(0);
    expect(lines(result.stdout).at(-1)).toMatch(/^enqueued 2 runs \(1 new, 1 already queued or running\), new runs wait until /);
    const all = await rows();
    const row = all.find((r) => r.run_dir === "/runs/short-lived")!;
    expect(row.host).toBe("build-09");
    expect(row.ttl_ms).toBeGreaterThan(2 * HOUR - 5 * 60_000);
    expect(row.ttl_ms).toBeLessThanOrEqual(2 * HOUR);
    expect(all.find((r) => r.run_dir === "/runs/dev-2")!.ttl_ms).toBeGreaterThan(23 * HOUR);
  });

  it("refuses a bad --ttl, a missing RUN_DIR and a relative RUN_DIR, and enqueues nothing", async () => {
    const before = await fresh.scalar(`SELECT count(*) FROM queue_item`);
    const good = writeJson("one-run.json", [{ RUN_DIR: "/runs/never", OWNER: "dave" }]);
    const [soon, noDir, relative] = await Promise.all([
      fresh.cli(["enqueue", "--schedule-file", good, "--ttl", "soon"]),
      fresh.cli(["enqueue", "--schedule-file", writeJson("no-dir.json", [{ RUN_DIR: "/runs/fine", OWNER: "e" }, { OWNER: "dave" }])]),
      fresh.cli(["enqueue", "--schedule-file", writeJson("relative.json", [{ RUN_DIR: "runs/relative", OWNER: "dave" }])]),
    ]);
    // A bad option is a usage error: commander's own message first, then the command's usage.
    expect(soon.code).toBe(2);
    expect(soon.stdout).toBe("");
    expect(lines(soon.stderr)[0]).toMatch(/--ttl <duration>.*"soon" is not a duration/);
    expect(expectOneLineFailure(noDir)).toMatch(/no-dir\.json: \[1\]\.RUN_DIR: is missing/);
    expect(expectOneLineFailure(relative)).toMatch(/\[0\]\.RUN_DIR: must be an absolute path/);
    // A value refused by enqueueRuns itself is named in the file's terms: "runs[0].owner" reads "[0].OWNER".
    const badOwner = await fresh.cli(["enqueue", "--schedule-file", writeJson("bad-owner.json", [{ RUN_DIR: "/runs/never", OWNER: 42 }])]);
    expect(expectOneLineFailure(badOwner)).toMatch(/bad-owner\.json: \[0\]\.OWNER must be a string$/);
    expect(await fresh.scalar(`SELECT count(*) FROM queue_item`)).toBe(before);
  });
});

describe("scan", () => {
  it("registers every file of a nested tree with host, path, name, type and size, in plain summary lines", async () => {
    const { cli, pg } = await freshDatabase();
    const root = path.join(tmp, "scan-tree");
    const expected = new Map<string, { dir: string; name: string; type: string; size: number }>();
    const types = ["xml", "log", "txt", "json", ""];
    for (let i = 0; i < 300; i++) {
      const dir = path.join(root, `suite-${i % 4}`, ...(i % 3 === 0 ? ["deep", `level-${i % 5}`] : []));
      const type = types[i % types.length];
      const name = type ? `file-${i}.${i % 10 === 0 ? type.toUpperCase() : type}` : `file-${i}`;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, name), "x".repeat(i));
      expected.set(path.join(dir, name), { dir, name, type, size: i });
    }
    // A link is neither followed nor registered: it could leave the tree or loop.
    symlinkSync(path.join(root, "suite-0"), path.join(root, "suite-1", "link-to-suite-0"));
    symlinkSync(path.join(root, "suite-2", `file-2.txt`), path.join(root, "link-to-file"));

    const result = await cli(["scan", root, "--host", "lab-host"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^registered 300 files \(300 created, 0 updated\) in \d+\.\d s \([\d,]+ files\/s\)\n$/);
    // Not a terminal: no progress bar, no escape codes, one plain line per batch.
    expect(result.stdout + result.stderr).not.toMatch(/\x1b/);
    expect(said(result.stderr)).toEqual(["registered 300 files so far (300 created, 0 updated)"]);

    const { rows } = await pg.query(
      `SELECT host, run_dir, file_path, file_name, full_name, file_type, file_size FROM tracked_file ORDER BY full_name`,
    );
    expect(rows).toHaveLength(300);
    for (const row of rows) {
      const want = expected.get(row.full_name);
      expect(want).toBeDefined();
      expect(row).toEqual({
        host: "lab-host",
        run_dir: root,
        file_path: want!.dir,
        file_name: want!.name,
        full_name: row.full_name,
        file_type: want!.type,
        file_size: String(want!.size), // bigint
      });
    }

    const again = await cli(["scan", root, "--host", "lab-host", "--run-dir", "/runs/renamed"]);
    expect(again.stdout).toMatch(/^registered 300 files \(0 created, 300 updated\)/);
    expect((await pg.query(`SELECT DISTINCT run_dir FROM tracked_file`)).rows).toEqual([{ run_dir: "/runs/renamed" }]);
  });

  it("refuses a missing directory, a file and an empty --host with one clear line, before opening the database", async () => {
    const missing = path.join(tmp, "no-such-dir");
    const file = writeJson("not-a-dir.json", "{}");
    // Nothing listens on port 1: reaching for the database would fail with "cannot reach PostgreSQL" instead.
    const unreachable = (args: string[]) => runCli(["--database-url", "postgres://dashql:x@127.0.0.1:1/none", ...args]);
    const [noDir, notDir, noHost] = await Promise.all([
      unreachable(["scan", missing, "--host", "h"]),
      unreachable(["scan", file, "--host", "h"]),
      unreachable(["scan", tmp, "--host", " "]),
    ]);
    expect(expectOneLineFailure(noDir)).toBe(`dashql: cannot scan: ${missing} does not exist`);
    expect(expectOneLineFailure(notDir)).toBe(`dashql: cannot scan: ${file} is not a directory`);
    expect(expectOneLineFailure(noHost)).toMatch(/--host must be 1 to 255 characters/);
  });
});

describe("purge", () => {
  it("deletes only QUEUED items whose time to live is more than 10 h ahead, and prints the count", async () => {
    const { cli, pg } = await freshDatabase();
    const items: [string, string, number][] = [
      ["/runs/q-1h", "QUEUED", 1],
      ["/runs/q-9h", "QUEUED", 9],
      ["/runs/q-11h", "QUEUED", 11],
      ["/runs/q-48h", "QUEUED", 48],
      ["/runs/running-48h", "RUNNING", 48],
      ["/runs/done-48h", "SUCCEEDED", 48],
      ["/runs/cancelled-48h", "CANCELLED", 48],
    ];
    await pg.query(
      `INSERT INTO queue_item (run_dir, owner, status, time_to_live)
       SELECT d, 'ops', s, now() + make_interval(hours => h) FROM unnest($1::text[], $2::text[], $3::int[]) AS u(d, s, h)`,
      [items.map((i) => i[0]), items.map((i) => i[1]), items.map((i) => i[2])],
    );
    const result = await cli(["purge", "--ttl-beyond", "10h"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^purged 2 queued runs with a time to live after \d{4}-\d\d-\d\dT/);
    const left = (await pg.query(`SELECT run_dir FROM queue_item ORDER BY run_dir`)).rows.map((r) => r.run_dir);
    expect(left).toEqual(["/runs/cancelled-48h", "/runs/done-48h", "/runs/q-1h", "/runs/q-9h", "/runs/running-48h"]);

    const none = await cli(["purge", "--ttl-beyond", "10h"]);
    expect(none.stdout).toMatch(/^purged 0 queued runs/);
    expect((await cli(["purge", "--ttl-beyond", "ten hours"])).code).toBe(2);
  });
});

describe("stats", () => {
  it("counts companies, finances, files and queue items by status", async () => {
    const { cli, pg } = await freshDatabase();
    await pg.query(`INSERT INTO company (name) VALUES ('A'), ('B')`);
    await pg.query(`INSERT INTO finance (company_id, year) SELECT id, y FROM company, (VALUES (2020), (2021)) v(y) WHERE name = 'A'`);
    await pg.query(`INSERT INTO finance (company_id, year) SELECT id, 2022 FROM company WHERE name = 'B'`);
    await pg.query(
      `INSERT INTO tracked_file (host, run_dir, file_path, file_name, full_name, file_type, file_size)
       SELECT 'h', '/r', '/r', 'f' || i, '/r/f' || i, '', i FROM generate_series(1, 4) i`,
    );
    await pg.query(
      `INSERT INTO queue_item (run_dir, owner, status, time_to_live)
       SELECT '/r/' || i, 'o', s, now() + interval '1 day'
       FROM unnest(ARRAY['QUEUED', 'QUEUED', 'RUNNING', 'FAILED', 'FAILED', 'FAILED']) WITH ORDINALITY AS u(s, i)`,
    );

    const [json, table] = await Promise.all([cli(["stats", "--json"]), cli(["stats"])]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      companies: 2,
      finances: 3,
      files: 4,
      queue: { QUEUED: 2, RUNNING: 1, SUCCEEDED: 0, FAILED: 3, CANCELLED: 0 },
    });
    expect(table.code).toBe(0);
    expect(lines(table.stdout).map((line) => line.trim().split(/\s+/))).toEqual([
      ["companies", "2"],
      ["finances", "3"],
      ["files", "4"],
      ["queue", "items", "6"],
      ["QUEUED", "2"],
      ["RUNNING", "1"],
      ["SUCCEEDED", "0"],
      ["FAILED", "3"],
      ["CANCELLED", "0"],
    ]);
  });
});

describe("users and keys", () => {
  let fresh: Fresh;
  let app: App;
  let url: string;
  /** `me` with a bearer token against a server running on the CLI's database. */
  const me = async (token: string) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: print(MeDocument) }),
    });
    const body = (await res.json()) as { data?: { me: { username: string; role: string; email: string | null } }; errors?: { extensions?: { code?: string } }[] };
    return { status: res.status, me: body.data?.me, codes: body.errors?.map((e) => e.extensions?.code) };
  };

  beforeAll(async () => {
    fresh = await freshDatabase();
    const config = loadConfig({ NODE_ENV: "test", DATABASE_URL: fresh.db.url, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", DB_POOL_SIZE: "2" });
    app = await startApp(config, createLogger(config, "dashql-cli-test"));
    // Stopped before the database is dropped (cleanups run last in, first out).
    cleanups.push(() => app.stop());
    url = `http://127.0.0.1:${app.server.port}/graphql`;
  });

  it("creates a user with a first key printed alone on the last line, which works at once", async () => {
    const created = await fresh.cli(["users", "create", "first-key-bot", "--role", "reader"]);
    expect(said(created.stderr)).toEqual([]);
    expect(created.code).toBe(0);
    const out = lines(created.stdout);
    expect(out).toEqual([
      expect.stringMatching(/^created user first-key-bot \(id \d+, READER\)$/),
      expect.stringMatching(/^created key \d+ "first key"; it is shown only now:$/),
      expect.stringMatching(/^dq_[A-Za-z0-9_-]{43}$/),
    ]);
    expect(await me(out[2])).toMatchObject({ status: 200, me: { username: "first-key-bot", role: "READER" }, codes: undefined });

    const keyless = await fresh.cli(["users", "create", "keyless-bot", "--role", "reader", "--no-key"]);
    expect(keyless.stdout).toMatch(/^created user keyless-bot \(id \d+, READER\)\n$/);
    expect(await fresh.scalar(`SELECT count(*) FROM api_key k JOIN app_user u ON u.id = k.user_id WHERE u.username = 'keyless-bot'`)).toBe(0);
  });

  it("creates more keys with `keys create`; a key's token, alone on the last line, works until `keys revoke`", async () => {
    const created = await fresh.cli(["users", "create", "ci-bot", "--role", "writer", "--email", "ci@example.com", "--no-key"]);
    expect(said(created.stderr)).toEqual([]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^created user ci-bot \(id \d+, WRITER, ci@example\.com\)\n$/);

    const key = await fresh.cli(["keys", "create", "ci-bot", "--name", "nightly uploads"]);
    expect(key.code).toBe(0);
    const out = lines(key.stdout);
    expect(out).toHaveLength(2);
    const token = out[1];
    expect(token).toMatch(/^dq_[A-Za-z0-9_-]{43}$/);
    const keyId = Number(/^created key (\d+) "nightly uploads" for ci-bot \(WRITER\)/.exec(out[0])?.[1]);
    expect(keyId).toBeGreaterThan(0);
    // Only a hash is stored: the token itself appears nowhere in the database.
    expect(await fresh.scalar(`SELECT count(*) FROM api_key WHERE token_hash = encode(sha256($1::bytea), 'hex')`, [token])).toBe(1);

    expect(await me(token)).toMatchObject({ status: 200, me: { username: "ci-bot", role: "WRITER", email: "ci@example.com" }, codes: undefined });

    const revoked = await fresh.cli(["keys", "revoke", String(keyId)]);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked key ${keyId} "nightly uploads"\n` });
    // The server caches a lookup for about a second; another process's revocation shows once that expires.
    const deadline = Date.now() + 5_000;
    let after = await me(token);
    while (after.status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      after = await me(token);
    }
    expect(after).toMatchObject({ status: 401, codes: ["UNAUTHENTICATED"] });

    const twice = await fresh.cli(["keys", "revoke", String(keyId)]);
    expect(twice).toMatchObject({ code: 0, stdout: `key ${keyId} "nightly uploads" was already revoked\n` });
  });

  it("answers an unknown user, a bad role, a taken name and an unknown key with one clear line", async () => {
    const [unknownUser, badRole, taken, unknownKey, badId] = await Promise.all([
      fresh.cli(["keys", "create", "nobody", "--name", "x"]),
      fresh.cli(["users", "create", "someone", "--role", "BOSS"]),
      fresh.cli(["users", "create", "CI-BOT", "--role", "READER"]),
      fresh.cli(["keys", "revoke", "999999"]),
      fresh.cli(["keys", "revoke", "abc"]),
    ]);
    expect(expectOneLineFailure(unknownUser)).toBe("dashql: NOT_FOUND: user nobody does not exist");
    expect(expectOneLineFailure(badRole)).toMatch(/--role must be one of READER, WRITER, ADMIN \(got "BOSS"\)/);
    expect(expectOneLineFailure(taken)).toMatch(/CONFLICT: a user named "CI-BOT" already exists/);
    expect(expectOneLineFailure(unknownKey)).toBe("dashql: NOT_FOUND: API key 999999 does not exist");
    expect(badId.code).toBe(2);
    expect(lines(badId.stderr)[0]).toMatch(/must be an integer/);
    expect(await fresh.scalar(`SELECT count(*) FROM app_user WHERE lower(username) IN ('someone', 'nobody')`)).toBe(0);
  });
});

/** Connections the CLI has open on database `name`. */
const cliConnections = async (pg: Client, name: string) =>
  Number((await pg.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'dashql-cli'`, [name])).rows[0].n);

describe("shell", () => {
  it("evaluates a piped script line by line with the data source and services in scope, closes the database, and exits 1 when a line threw", async () => {
    const { cli, pg, db } = await freshDatabase();
    await pg.query(`INSERT INTO company (name) VALUES ('Acme'), ('Globex'), ('Initech')`);
    const script = [
      // Each line waits for the one before: `n` is set when the next line reads it.
      "const n = await companyRepo.count()",
      'console.log("companies: " + n)',
      "const page = await listCompanies(em, { first: 2, orderBy: 'NAME_DESC' })",
      'console.log(page.nodes.map((c) => c.name).join(", "))',
      "function twice(x) {",
      "  return 2 * x",
      "}",
      'console.log("twice: " + twice(n))',
      "await em.query('SELECT nope')",
      'console.log("still running after an error")',
      ".exit",
      'console.log("not evaluated after .exit")',
    ].join("\n");
    const result = await cli(["shell"], { input: script + "\n" });
    expect(result.code).toBe(1);
    expect(said(result.stderr)).toEqual(["dashql: a line of the script threw (see its error above)"]);
    // The uncaught error comes with its stack and fields; the lines the script printed are what matter.
    const printed = lines(result.stdout).filter((line) => /^(companies|Initech|twice|Uncaught|still|not evaluated)/.test(line));
    expect(printed).toEqual([
      "companies: 3",
      "Initech, Globex",
      "twice: 6",
      'Uncaught QueryFailedError: column "nope" does not exist',
      "still running after an error",
    ]);
    // Closed: no connection of the shell is left (a backend may take a moment to go once its client has left).
    const open = () => cliConnections(pg, db.name);
    const deadline = Date.now() + 3_000;
    while ((await open()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await open()).toBe(0);
  });

  it("ends at the end of input without .exit, after the last line has finished", async () => {
    const { cli } = await freshDatabase();
    const result = await cli(["shell"], { input: 'await new Promise((r) => setTimeout(r, 300))\n(await em.query("SELECT 6 * 7 AS answer"))[0].answer' });
    expect(result).toMatchObject({ code: 0, stdout: "42\n" });
  });
});
