/**
 * Several dashql processes on one PostgreSQL, as a deployment behind a load
 * balancer runs them: two `dashql serve` and three `dashql work`, each its own
 * child process. Nothing is shared between them but the database.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { CompaniesDocument, CompanyDocument, CreateCompanyDocument, EnqueueRunsDocument } from "./generated/graphql";
import { createTestDatabase, type TestDatabase } from "./support/database";
import {
  codesOf,
  graphql,
  startServerProcess,
  startWorkerProcess,
  stopAllProcesses,
  waitFor,
  type ServerProcess,
} from "./support/processes";

let db: TestDatabase;
let pg: Client;
let servers: ServerProcess[];
let tmp: string;

beforeAll(async () => {
  db = await createTestDatabase();
  pg = new Client({ connectionString: db.url });
  await pg.connect();
  tmp = mkdtempSync(path.join(os.tmpdir(), "dashql-scale-out-"));
  // Started together: migrations and the ADMIN_TOKEN key are provisioned under advisory locks, once.
  servers = await Promise.all([startServerProcess(db.url), startServerProcess(db.url)]);
}, 90_000);

afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.stop()));
  await stopAllProcesses();
  await pg?.end();
  await db?.drop();
  rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe("two servers on one database", () => {
  it("started together, applied the migrations once and provisioned one ADMIN_TOKEN key", async () => {
    const { rows } = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM api_key WHERE name = 'ADMIN_TOKEN'`);
    expect(Number(rows[0].n)).toBe(1);
    const migrations = await pg.query<{ name: string }>(`SELECT name FROM migrations`);
    expect(new Set(migrations.rows.map((r) => r.name)).size).toBe(migrations.rows.length);
  });

  it("serves a write made through one server to reads through the other", async () => {
    const [one, two] = servers;
    const created = await graphql(one.url, CreateCompanyDocument, {
      input: { name: "Scale Out Ltd", ceo: "Ada", finances: [{ year: 2024, q1Earnings: 1, q2Earnings: 2, q3Earnings: 3, q4Earnings: 4 }] },
    });
    expect(created.body.errors).toBeUndefined();
    const id = created.body.data!.createCompany.id;

    const read = await graphql(two.url, CompanyDocument, { id });
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data!.company).toMatchObject({ id, name: "Scale Out Ltd", ceo: "Ada", finances: [{ year: 2024, totalEarnings: 10 }] });
    const listed = await graphql(two.url, CompaniesDocument, { first: 10, filter: { nameContains: "scale out" } });
    expect(listed.body.data!.companies.nodes.map((c) => c.id)).toEqual([id]);
  });

  it("turns 20 concurrent identical creates spread over both servers into one row and 19 CONFLICTs", async () => {
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => graphql(servers[i % 2].url, CreateCompanyDocument, { input: { name: "Twin Peaks Corp" } })),
    );
    const winners = replies.filter((r) => r.body.data?.createCompany);
    expect(winners).toHaveLength(1);
    expect(replies.filter((r) => !r.body.data?.createCompany).map((r) => codesOf(r))).toEqual(Array(19).fill(["CONFLICT"]));
    const { rows } = await pg.query<{ id: number }>(`SELECT id FROM company WHERE lower(name) = 'twin peaks corp'`);
    expect(rows.map((r) => String(r.id))).toEqual([winners[0].body.data!.createCompany.id]);
  });
});

describe("three workers on one queue", () => {
  it("process 60 runs enqueued through both servers exactly once between them", async () => {
    const runs = Array.from({ length: 60 }, (_, i) => {
      const dir = path.join(tmp, `run-${i}`);
      mkdirSync(dir, { recursive: true });
      const tests = (i % 5) + 1;
      const cases = Array.from({ length: tests }, (_, k) => `<testcase name="t${k}"${k === 0 && i % 3 === 0 ? "><failure/></testcase>" : "/>"}`).join("");
      writeFileSync(path.join(dir, "TEST-suite.xml"), `<testsuite name="s${i}" tests="${tests}" time="0.5">${cases}</testsuite>`);
      return { dir, tests, failures: i % 3 === 0 ? 1 : 0 };
    });
    // A little time per run, so all three workers are busy at once however unevenly they start.
    const workers = [1, 2, 3].map(() => startWorkerProcess(db.url, ["--poll", "200ms", "--concurrency", "2"], { WORKER_DELAY_MS: "50", LOG_LEVEL: "info" }));
    await Promise.all(workers.map((w) => w.waitForLine(/worker started/, 30_000)));

    const enqueued = await Promise.all(
      [0, 1].map((half) =>
        graphql(servers[half].url, EnqueueRunsDocument, {
          runs: runs.slice(half * 30, half * 30 + 30).map((r) => ({ runDir: r.dir, owner: "scale-out" })),
        }),
      ),
    );
    for (const e of enqueued) expect(e.body.errors).toBeUndefined();
    const ids = enqueued.flatMap((e) => e.body.data!.enqueueRuns.map((item) => item.id));
    expect(new Set(ids).size).toBe(60);

    await waitFor(
      "60 runs finished",
      async () => Number((await pg.query<{ n: string }>(`SELECT count(*) AS n FROM queue_item WHERE status IN ('SUCCEEDED', 'FAILED')`)).rows[0].n) === 60,
      45_000,
    );
    const exits = await Promise.all(workers.map((w) => w.stop()));
    expect(exits).toEqual(Array(3).fill({ code: 0, signal: null }));

    // Each worker prints one line per run it finished: together, every run once.
    const done = workers.flatMap((w) => [...w.stdout().matchAll(/^run (\d+) (SUCCEEDED|FAILED) /gm)].map((m) => m[1]));
    expect(done.sort()).toEqual([...ids].sort());
    const items = (
      await pg.query<{ id: number; run_dir: string; status: string; attempts: number; summary: { tests: number; failures: number } }>(
        `SELECT id, run_dir, status, attempts, summary FROM queue_item`,
      )
    ).rows;
    expect(items.filter((i) => i.status !== "SUCCEEDED" || i.attempts !== 1)).toEqual([]);
    for (const run of runs) {
      expect(items.find((i) => i.run_dir === run.dir)?.summary).toMatchObject({ tests: run.tests, failures: run.failures });
    }
    const files = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM tracked_file WHERE file_name = 'TEST-suite.xml'`);
    expect(Number(files.rows[0].n)).toBe(60);
  }, 90_000);
});
