import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { loadConfig } from "../src/config/config";
import { createLogger } from "../src/config/logger";
import { openDatabase, type Database } from "../src/db/data-source";
import { enqueueRuns } from "../src/domain/queue/queue.service";
import { claimRuns, completeRun, failRun, releaseRun, renewLease, TTL_PASSED_ERROR } from "../src/domain/queue/run-claim.service";
import { ProcessedRunDocument } from "./generated/graphql";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { runCli, type CliResult } from "./support/paths";
import { startWorkerProcess, stopAllProcesses, waitFor, type ChildHandle } from "./support/processes";
import { useTestServer } from "./support/server";

const PASSING = `<testsuite name="ok" tests="2" failures="0" errors="0" skipped="0" time="0.5"><testcase name="a"/><testcase name="b"/></testsuite>`;
const FAILING = `<testsuite name="bad" tests="3" failures="2" errors="0" time="1.25"><testcase name="a"/><testcase name="b"><failure/></testcase><testcase name="c"><failure/></testcase></testsuite>`;
const SKIPPED = `<testsuite name="skips"><testcase name="a" time="0.1"/><testcase name="b"><skipped/></testcase><testcase name="c"><skipped message="later"/></testcase></testsuite>`;
const ERRORS = `<testsuite name="errs" tests="2" errors="2" failures="0" time="2"><testcase name="a"><error/></testcase><testcase name="b"><error/></testcase></testsuite>`;
const NESTED = `<?xml version="1.0"?><testsuites><testsuite name="outer"><testsuite name="in1"><testcase name="a" time="1"/></testsuite><testsuite name="in2"><testcase name="b" time="1"><failure/></testcase></testsuite></testsuite></testsuites>`;
const NOT_JUNIT = `<?xml version="1.0"?><project><modelVersion>4.0.0</modelVersion></project>`;

let tmp: string;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "dashql-worker-test-"));
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Writes a run directory with the given files (path relative to the run dir -> content). */
function makeRun(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  for (const [relative, content] of Object.entries(files)) {
    const full = path.join(dir, relative);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A fresh database and a pg client on it, both dropped after the test. */
async function freshDatabase(): Promise<{ db: TestDatabase; pg: Client; cli: (args: string[], env?: NodeJS.ProcessEnv) => Promise<CliResult> }> {
  const db = await createTestDatabase();
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  cleanups.push(() => db.drop(), () => pg.end());
  return { db, pg, cli: (args, env) => runCli(["--database-url", db.url, ...args], { env }) };
}

function writeSchedule(runs: Record<string, unknown>[]): string {
  const file = path.join(mkdtempSync(path.join(tmp, "schedule-")), "schedule.json");
  writeFileSync(file, JSON.stringify(runs));
  return file;
}

/** `dashql work <args>` as a long-running child process (these are signalled; runCli waits for the exit), killed after the test. */
function startWorker(db: TestDatabase, args: string[], env: Record<string, string> = {}): ChildHandle {
  cleanups.push(stopAllProcesses);
  return startWorkerProcess(db.url, args, env);
}

interface ItemRow {
  id: number;
  run_dir: string;
  status: string;
  attempts: number;
  last_error: string | null;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  summary: unknown;
}
const items = async (pg: Client): Promise<ItemRow[]> => (await pg.query<ItemRow>(`SELECT * FROM queue_item ORDER BY id`)).rows;

describe("enqueue, then work --once", () => {
  const t = useTestServer();

  it("leaves every run SUCCEEDED with its summary and files, visible through GraphQL", async () => {
    const runs = {
      passing: makeRun("e2e-passing", { "results/TEST-ok.xml": PASSING, "build.log": "compiled\n", "pom.xml": NOT_JUNIT }),
      failing: makeRun("e2e-failing", { "TEST-bad.xml": FAILING }),
      skipped: makeRun("e2e-skipped", { "TEST-skips.XML": SKIPPED }),
      errors: makeRun("e2e-errors", { "deep/er/TEST-errs.xml": ERRORS }),
      nested: makeRun("e2e-nested", { "TEST-nested.xml": NESTED, "TEST-ok.xml": PASSING }),
      empty: makeRun("e2e-empty", {}),
    };
    const schedule = writeSchedule([
      { RUN_DIR: runs.passing, OWNER: "ci", SITE: "lab-1", HOST_MACHINE: "build-07", run_tag: "Nightly", user_tag: "first" },
      ...Object.entries(runs)
        .filter(([name]) => name !== "passing")
        .map(([, dir]) => ({ RUN_DIR: dir, OWNER: "ci" })),
    ]);
    const cli = (args: string[]) => runCli(["--database-url", t.db.url, ...args]);

    const enqueued = await cli(["enqueue", "--schedule-file", schedule]);
    expect(enqueued.stderr).toBe("");
    expect(enqueued.code).toBe(0);
    expect(enqueued.stdout).toMatch(/^enqueued 6 runs \(6 new, 0 already queued or running\)/m);
    const again = await cli(["enqueue", "--schedule-file", schedule]);
    expect(again.stdout).toMatch(/^enqueued 6 runs \(0 new, 6 already queued or running\)/m);

    const worked = await cli(["work", "--once", "--concurrency", "3"]);
    expect(worked.code).toBe(0);
    expect(worked.stdout).toMatch(/^processed 6 runs \(6 succeeded, 0 failed\)/m);

    const ids = new Map(
      enqueued.stdout
        .split("\n")
        .filter((line) => /^\d+\t/.test(line))
        .map((line) => {
          const [id, , , dir] = line.split("\t");
          return [dir, id];
        }),
    );
    const fetchRun = async (dir: string) => {
      const res = await t.request(ProcessedRunDocument, { id: ids.get(dir)!, filesFirst: 100 }, { role: "READER" });
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.queueItem!;
    };

    const passing = await fetchRun(runs.passing);
    expect(passing).toMatchObject({ status: "SUCCEEDED", attempts: 1, lastError: null, host: "build-07" });
    expect(passing.summary).toEqual({ tests: 2, failures: 0, errors: 0, skipped: 0, durationSeconds: 0.5 });
    expect(new Date(passing.finishedAt!).getTime()).toBeGreaterThanOrEqual(new Date(passing.startedAt!).getTime());
    // Every file is registered and linked, the non-JUnit pom.xml included; the item's host is the files' host.
    expect(passing.files.map((f) => f.fullName).sort()).toEqual(
      ["build.log", "pom.xml", "results/TEST-ok.xml"].map((f) => path.join(runs.passing, f)).sort(),
    );
    for (const file of passing.files) {
      expect(file).toMatchObject({ host: "build-07", runDir: runs.passing, queueItem: { id: passing.id } });
    }
    expect(passing.files.find((f) => f.fileName === "build.log")).toMatchObject({ fileType: "log", fileSize: 9 });

    expect((await fetchRun(runs.failing)).summary).toEqual({ tests: 3, failures: 2, errors: 0, skipped: 0, durationSeconds: 1.25 });
    expect((await fetchRun(runs.skipped)).summary).toEqual({ tests: 3, failures: 0, errors: 0, skipped: 2, durationSeconds: 0.1 });
    const errors = await fetchRun(runs.errors);
    expect(errors.summary).toEqual({ tests: 2, failures: 0, errors: 2, skipped: 0, durationSeconds: 2 });
    expect(errors.files.map((f) => f.fullName)).toEqual([path.join(runs.errors, "deep/er/TEST-errs.xml")]);
    // Two reports summed: the nested one (2 tests, 1 failure, 2 s) and a passing one.
    expect((await fetchRun(runs.nested)).summary).toEqual({ tests: 4, failures: 1, errors: 0, skipped: 0, durationSeconds: 2.5 });
    const empty = await fetchRun(runs.empty);
    expect(empty).toMatchObject({ status: "SUCCEEDED", files: [] });
    expect(empty.summary).toEqual({ tests: 0, failures: 0, errors: 0, skipped: 0, durationSeconds: 0 });
    // A run without HOST_MACHINE: its files get the worker's hostname.
    expect((await fetchRun(runs.failing)).files[0].host).toBe(os.hostname());
  });
});

describe("failed runs", () => {
  it("fails a run with a malformed report, naming the file and the reason, and still registers its files", async () => {
    const { pg, cli } = await freshDatabase();
    const dir = makeRun("malformed", { "TEST-ok.xml": PASSING, "TEST-broken.xml": `<testsuite tests="1">\n<testcase name="a">\n</testsuite>`, "x.log": "" });
    const missing = path.join(tmp, "never-created");
    const notDir = makeRun("plain-file-parent", { "file.txt": "x" });
    await cli(["enqueue", "--schedule-file", writeSchedule([{ RUN_DIR: dir, OWNER: "o" }, { RUN_DIR: missing, OWNER: "o" }, { RUN_DIR: path.join(notDir, "file.txt"), OWNER: "o" }])]);

    const worked = await cli(["work", "--once"]);
    expect(worked.code).toBe(0);
    expect(worked.stdout).toMatch(/^processed 3 runs \(0 succeeded, 3 failed\)/m);

    const byDir = new Map((await items(pg)).map((row) => [row.run_dir, row]));
    const malformed = byDir.get(dir)!;
    expect(malformed.status).toBe("FAILED");
    expect(malformed.summary).toBeNull();
    expect(malformed.last_error).toBe(
      `malformed JUnit report ${path.join(dir, "TEST-broken.xml")}: malformed XML at line 3, column 1: ` +
        `Expected closing tag 'testcase' (opened in line 2, col 1) instead of closing tag 'testsuite'.`,
    );
    const files = await pg.query(`SELECT file_name FROM tracked_file WHERE queue_item_id = $1 ORDER BY file_name`, [malformed.id]);
    expect(files.rows.map((r) => r.file_name)).toEqual(["TEST-broken.xml", "TEST-ok.xml", "x.log"]);

    expect(byDir.get(missing)).toMatchObject({ status: "FAILED", last_error: `run directory ${missing} does not exist` });
    expect(byDir.get(path.join(notDir, "file.txt"))).toMatchObject({
      status: "FAILED",
      last_error: `run directory ${path.join(notDir, "file.txt")} is not a directory`,
    });
  });

  it("fails a run whose time to live passed before a worker got to it, without processing it", async () => {
    const { pg, cli } = await freshDatabase();
    const dir = makeRun("ttl", { "TEST-ok.xml": PASSING });
    const enqueued = await cli(["enqueue", "--schedule-file", writeSchedule([{ RUN_DIR: dir, OWNER: "o" }])]);
    expect(enqueued.code).toBe(0);
    // The time to live has passed: set in the past rather than waited out (a 1 s --ttl could pass
    // before a loaded machine's enqueue even reached the database).
    await pg.query(`UPDATE queue_item SET time_to_live = now() - interval '1 second'`);
    const worked = await cli(["work", "--once"]);
    expect(worked.code).toBe(0);
    expect(worked.stdout).toMatch(/^processed 0 runs/m);
    expect(await items(pg)).toEqual([expect.objectContaining({ status: "FAILED", last_error: TTL_PASSED_ERROR, attempts: 0 })]);
    expect((await pg.query(`SELECT count(*)::int AS n FROM tracked_file`)).rows[0].n).toBe(0);
  });

  it("fails a run whose lease expired on its last allowed attempt instead of claiming it again", async () => {
    const { pg, cli } = await freshDatabase();
    const dir = makeRun("exhausted", { "TEST-ok.xml": PASSING });
    await cli(["enqueue", "--schedule-file", writeSchedule([{ RUN_DIR: dir, OWNER: "o" }])]);
    // As three dead workers would leave it: claimed three times, lease long gone.
    await pg.query(`UPDATE queue_item SET status = 'RUNNING', attempts = 3, lease_owner = 'dead:1:x', lease_expires_at = now() - interval '1 minute'`);
    const worked = await cli(["work", "--once", "--max-attempts", "3"]);
    expect(worked.code).toBe(0);
    expect(await items(pg)).toEqual([expect.objectContaining({ status: "FAILED", last_error: "lease expired 3 times", attempts: 3 })]);
  });
});

describe("several workers", () => {
  it("three worker processes over 200 queued runs process each exactly once", async () => {
    const { pg, cli } = await freshDatabase();
    const dirs = Array.from({ length: 200 }, (_, i) => makeRun(`many/run-${String(i).padStart(3, "0")}`, { "TEST-ok.xml": PASSING, "out.log": `run ${i}` }));
    const enqueued = await cli(["enqueue", "--schedule-file", writeSchedule(dirs.map((d) => ({ RUN_DIR: d, OWNER: "load" })))]);
    expect(enqueued.code).toBe(0);

    // 40 ms per run: one worker alone would need 4 s, so the three overlap however unevenly they start.
    const env = { WORKER_DELAY_MS: "40", DB_POOL_SIZE: "4" };
    const results = await Promise.all([1, 2, 3].map(() => cli(["work", "--once", "--concurrency", "2"], env)));
    for (const r of results) expect(r.code).toBe(0);
    const processed = results.map((r) => Number(/^processed (\d+) runs \((\d+) succeeded/m.exec(r.stdout)?.[1] ?? NaN));
    expect(processed.reduce((a, b) => a + b, 0)).toBe(200);

    const rows = await items(pg);
    expect(rows).toHaveLength(200);
    expect(rows.filter((r) => r.status !== "SUCCEEDED" || r.attempts !== 1)).toEqual([]);
    expect(new Set(rows.map((r) => r.lease_owner)).size).toBeGreaterThanOrEqual(2);
    // Each run's two files are linked to that run's item, and none was written twice (updated_at moves on a second upsert).
    const files = await pg.query<{ run_dir: string; n: number; linked_elsewhere: number; rewritten: number }>(
      `SELECT f.run_dir, count(*)::int AS n,
              count(*) FILTER (WHERE q.run_dir IS DISTINCT FROM f.run_dir)::int AS linked_elsewhere,
              count(*) FILTER (WHERE f.updated_at <> f.created_at)::int AS rewritten
       FROM tracked_file f LEFT JOIN queue_item q ON q.id = f.queue_item_id GROUP BY f.run_dir`,
    );
    expect(files.rows).toHaveLength(200);
    expect(files.rows.filter((r) => r.n !== 2 || r.linked_elsewhere !== 0 || r.rewritten !== 0)).toEqual([]);
  });

  it("a worker killed with SIGKILL mid-run has its run reclaimed after the lease expires and finished by another", async () => {
    const { db, pg, cli } = await freshDatabase();
    const dir = makeRun("killed", { "TEST-ok.xml": PASSING, "a.log": "a" });
    await cli(["enqueue", "--schedule-file", writeSchedule([{ RUN_DIR: dir, OWNER: "o" }])]);

    // A 10 s lease: long enough for the "too early" worker below to start and find nothing to claim.
    const doomed = startWorker(db, ["--once", "--lease", "10s"], { WORKER_DELAY_MS: "60000" });
    const held = await waitFor("the first worker to claim the run", async () => {
      const [row] = await items(pg);
      return row.status === "RUNNING" && row;
    });
    doomed.child.kill("SIGKILL");
    expect((await doomed.exited).code).toBeNull();

    // Until the lease runs out the run belongs to the dead worker: nobody else may take it.
    const early = await cli(["work", "--once", "--lease", "2s"]);
    expect(early.stdout).toMatch(/^processed 0 runs/m);
    await waitFor("the lease to expire", async () => (await pg.query(`SELECT lease_expires_at < now() AS expired FROM queue_item`)).rows[0].expired);

    const rescuer = await cli(["work", "--once", "--lease", "2s"]);
    expect(rescuer.code).toBe(0);
    expect(rescuer.stdout).toMatch(/^processed 1 runs \(1 succeeded, 0 failed\)/m);
    expect(rescuer.stderr).toMatch(/reclaimed a run whose previous lease expired/);
    const [row] = await items(pg);
    expect(row).toMatchObject({ status: "SUCCEEDED", attempts: 2, summary: { tests: 2, failures: 0, errors: 0, skipped: 0, durationSeconds: 0.5 } });
    expect(row.lease_owner).not.toBe(held.lease_owner);
    expect((await pg.query(`SELECT count(*)::int AS n FROM tracked_file WHERE queue_item_id = $1`, [row.id])).rows[0].n).toBe(2);
  });

  it("SIGTERM releases the run in progress back to the queue and exits 0", async () => {
    const { db, pg } = await freshDatabase();
    const dir = makeRun("terminated", { "TEST-ok.xml": PASSING });
    await runCli(["--database-url", db.url, "enqueue", "--schedule-file", writeSchedule([{ RUN_DIR: dir, OWNER: "o" }])]);
    const worker = startWorker(db, ["--poll", "1s"], { WORKER_DELAY_MS: "60000" });
    await waitFor("the worker to claim the run", async () => (await items(pg))[0].status === "RUNNING");
    worker.child.kill("SIGTERM");
    expect((await worker.exited).code).toBe(0);
    expect(worker.stdout()).toMatch(/^processed 0 runs \(0 succeeded, 0 failed, 1 released\)/m);
    expect(await items(pg)).toEqual([expect.objectContaining({ status: "QUEUED", attempts: 0, lease_owner: null, lease_expires_at: null })]);
  });
});

describe("leases (domain functions on a real database)", () => {
  let database: Database;
  beforeEach(async () => {
    const { db } = await freshDatabase();
    const config = loadConfig({ NODE_ENV: "test", DATABASE_URL: db.url, LOG_LEVEL: "silent", DB_POOL_SIZE: "4" });
    database = await openDatabase(config, createLogger(config), { migrate: false });
    cleanups.push(() => database.close());
  });

  it("fences every write by lease owner and attempt: a stale claim cannot finish a reclaimed run", async () => {
    const em = database.dataSource.manager;
    await enqueueRuns(em, [{ runDir: "/runs/a", owner: "o" }, { runDir: "/runs/b", owner: "o" }]);
    const first = await claimRuns(em, { workerId: "w1", limit: 1, leaseMs: 60_000, maxAttempts: 3 });
    expect(first.claimed.map((i) => [i.runDir, i.status, i.attempts, i.leaseOwner])).toEqual([["/runs/a", "RUNNING", 1, "w1"]]);
    const [stale] = first.claimed;

    // The same owner id again (a process reclaiming its own expired run): only the attempt tells the claims apart.
    await em.query(`UPDATE queue_item SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [stale.id]);
    const second = await claimRuns(em, { workerId: "w1", limit: 5, leaseMs: 60_000, maxAttempts: 3 });
    expect(second.claimed.map((i) => [i.runDir, i.attempts])).toEqual([["/runs/a", 2], ["/runs/b", 1]]);
    const fresh = second.claimed[0];

    const summary = { tests: 1, failures: 0, errors: 0, skipped: 0, durationSeconds: 1 };
    expect(await renewLease(em, stale, 60_000)).toBe(false);
    expect(await completeRun(em, stale, summary)).toBe(false);
    expect(await failRun(em, stale, "stale")).toBe(false);
    expect(await releaseRun(em, stale)).toBe(false);
    expect(await renewLease(em, fresh, 60_000)).toBe(true);
    expect(await completeRun(em, fresh, summary)).toBe(true);
    expect(await completeRun(em, fresh, summary)).toBe(false);
    const [row] = await em.query(`SELECT status, attempts, summary, last_error FROM queue_item WHERE id = $1`, [fresh.id]);
    expect(row).toEqual({ status: "SUCCEEDED", attempts: 2, summary, last_error: null });
  });

  it("claims nothing while a live lease is held, and never the same run twice across concurrent claims", async () => {
    const em = database.dataSource.manager;
    await enqueueRuns(em, Array.from({ length: 30 }, (_, i) => ({ runDir: `/runs/${i}`, owner: "o" })));
    const claims = await Promise.all(
      ["w1", "w2", "w3", "w4"].map((workerId) => claimRuns(em, { workerId, limit: 10, leaseMs: 60_000, maxAttempts: 3 })),
    );
    const ids = claims.flatMap((c) => c.claimed.map((i) => i.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeLessThanOrEqual(30);
    const rest = await claimRuns(em, { workerId: "w5", limit: 100, leaseMs: 60_000, maxAttempts: 3 });
    expect(ids.length + rest.claimed.length).toBe(30);
    expect((await claimRuns(em, { workerId: "w6", limit: 100, leaseMs: 60_000, maxAttempts: 3 })).claimed).toEqual([]);
  });
});
