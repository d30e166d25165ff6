/**
 * PostgreSQL goes away under steady read/write load and comes back: what a
 * client of `dashql serve` sees, and what the database holds afterwards.
 *
 * The cluster is private to this file (stopping the shared one would fail every
 * other test file running at the same time); the server is a real child process.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { CompaniesDocument, CreateCompanyDocument, EnqueueRunsDocument } from "./generated/graphql";
import {
  codesOf,
  graphql,
  httpStatus,
  startPrivatePostgres,
  startServerProcess,
  startWorkerProcess,
  stopAllProcesses,
  waitFor,
  type PrivatePostgres,
  type Reply,
  type ServerProcess,
} from "./support/processes";

/** Short, so a request that waits for a connection fails long before PostgreSQL comes back. */
const CONNECT_TIMEOUT_MS = 1000;

type Phase = "up" | "down" | "back";

interface Outcome {
  op: "create" | "read";
  name?: string;
  /** Phase when the request was sent and when its answer arrived. */
  sent: Phase;
  answered: Phase;
  reply: Reply;
}

let pg: PrivatePostgres;
let server: ServerProcess;

beforeAll(async () => {
  pg = await startPrivatePostgres();
  server = await startServerProcess(pg.url, {
    DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
    DB_POOL_SIZE: "4",
    DB_STATEMENT_TIMEOUT_MS: "5000",
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await stopAllProcesses();
  await pg?.dispose();
}, 60_000);

describe("server connections killed under load", () => {
  it("answers the requests that lost their connection with SERVICE_UNAVAILABLE and carries on with fresh ones", async () => {
    let loading = true;
    const outcomes: { name?: string; reply: Reply }[] = [];
    const client = async (n: number) => {
      for (let i = 0; loading; i++) {
        const name = `killed ${n}-${i}`;
        outcomes.push({ name, reply: await graphql(server.url, CreateCompanyDocument, { input: { name } }) });
        outcomes.push({ reply: await graphql(server.url, CompaniesDocument, { first: 5 }) });
      }
    };
    const clients = Promise.all([1, 2, 3].map(client));
    const admin = new Client({ connectionString: pg.url });
    await admin.connect();
    let killed = 0;
    try {
      await waitFor("10 answers", async () => outcomes.length >= 10);
      // What an operator's pg_terminate_backend, a failover or a proxy restart does to pooled connections.
      for (let round = 0; round < 3; round++) {
        const { rows } = await admin.query<{ ok: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'dashql-server' AND pid <> pg_backend_pid()`,
        );
        killed += rows.filter((r) => r.ok).length;
        const seen = outcomes.length;
        await waitFor("10 more answers", async () => outcomes.length >= seen + 10);
      }
      const recovered = outcomes.length;
      await waitFor("10 answers after the last kill", async () => outcomes.length >= recovered + 10);
      loading = false;
      await clients;
      expect(killed).toBeGreaterThan(0);
      // Every answer is data or the retryable code; after the kills, everything works again.
      expect(outcomes.filter((o) => o.reply.body.errors && codesOf(o.reply).join() !== "SERVICE_UNAVAILABLE")).toEqual([]);
      expect(outcomes.slice(recovered + 2).filter((o) => o.reply.body.errors)).toEqual([]);
      const acked = outcomes.filter((o) => o.name && o.reply.body.data).map((o) => o.name!);
      const { rows } = await admin.query<{ name: string; n: string }>(`SELECT name, count(*) AS n FROM company WHERE name LIKE 'killed %' GROUP BY name`);
      expect(rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
      const stored = new Set(rows.map((r) => r.name));
      expect(acked.filter((name) => !stored.has(name))).toEqual([]);
    } finally {
      loading = false;
      await clients;
      await admin.end();
    }
    expect(server.alive()).toBe(true);
  }, 60_000);
});

describe("a worker through a database outage", () => {
  it("keeps running, and once PostgreSQL is back finishes every queued run", async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), "dashql-db-faults-runs-"));
    try {
      const dirs = Array.from({ length: 30 }, (_, i) => {
        const dir = path.join(tmp, `run-${i}`);
        mkdirSync(dir);
        writeFileSync(path.join(dir, "TEST-a.xml"), `<testsuite name="a" tests="1" time="0.1"><testcase name="x"/></testsuite>`);
        return dir;
      });
      const enqueued = await graphql(server.url, EnqueueRunsDocument, { runs: dirs.map((runDir) => ({ runDir, owner: "outage" })) });
      expect(enqueued.body.errors).toBeUndefined();
      // 200 ms per run and a short lease: the outage lands mid-run, and a run whose lease lapsed is reclaimed soon.
      const worker = startWorkerProcess(pg.url, ["--poll", "200ms", "--concurrency", "2", "--lease", "2s"], { WORKER_DELAY_MS: "200", DB_CONNECT_TIMEOUT_MS: "1000" });
      await worker.waitForLine(/^run \d+ SUCCEEDED/);

      await pg.stop();
      // The worker notices (a failed claim, lease renewal or finish) and keeps running.
      await worker.waitForLine(/claiming runs failed|renewal failed|processing failed|could not release/, 30_000);
      expect(worker.alive()).toBe(true);
      await pg.start();

      // A pg Client cannot retry a failed connect: a fresh one per attempt.
      const db = await waitFor("PostgreSQL to accept connections", async () => {
        const client = new Client({ connectionString: pg.url });
        return client.connect().then(
          () => client,
          () => undefined,
        );
      });
      try {
        await waitFor(
          "all 30 runs finished",
          async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM queue_item WHERE owner = 'outage' AND status = 'SUCCEEDED'`)).rows[0].n) === 30,
          45_000,
        );
        // At least once, never lost: a run cut off by the outage is reclaimed; its files are registered once.
        const files = await db.query<{ n: string }>(`SELECT count(*) AS n FROM tracked_file WHERE run_dir LIKE $1`, [`${tmp}%`]);
        expect(Number(files.rows[0].n)).toBe(30);
      } finally {
        await db.end();
      }
      expect(await worker.stop()).toEqual({ code: 0, signal: null });
      await waitFor("the server ready again", async () => (await httpStatus(server.origin, "/readyz")) === 200);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("PostgreSQL stopped and restarted under load", () => {
  it("fails fast with SERVICE_UNAVAILABLE, keeps /healthz up, recovers by itself and keeps every acknowledged write exactly once", async () => {
    let phase: Phase = "up";
    let loading = true;
    const outcomes: Outcome[] = [];
    const acknowledged = (since: Phase) => outcomes.filter((o) => o.op === "create" && o.sent === since && o.reply.body.data).length;

    // Four clients, each creating a company with a unique name and reading a page, without pause.
    const client = async (n: number) => {
      for (let i = 0; loading; i++) {
        const name = `fault ${n}-${i}`;
        let sent = phase;
        const created = await graphql(server.url, CreateCompanyDocument, { input: { name, ceo: "Load" } });
        outcomes.push({ op: "create", name, sent, answered: phase, reply: created });
        sent = phase;
        const read = await graphql(server.url, CompaniesDocument, { first: 5 });
        outcomes.push({ op: "read", sent, answered: phase, reply: read });
        // While the database is down answers come back in a millisecond; a short pause keeps the log readable.
        if (read.body.errors) await new Promise((r) => setTimeout(r, 20));
      }
    };
    const clients = Promise.all([1, 2, 3, 4].map(client));

    try {
      await waitFor("20 acknowledged writes", async () => acknowledged("up") >= 20);

      await pg.stop();
      phase = "down";
      const downSince = outcomes.length;
      await waitFor("40 answers while the database is down", async () => outcomes.slice(downSince).filter((o) => o.sent === "down").length >= 40);
      expect(await httpStatus(server.origin, "/healthz")).toBe(200);
      // Answered while PostgreSQL is still down: the probe does not wait for it to come back.
      expect(await httpStatus(server.origin, "/readyz")).toBe(503);

      await pg.start();
      phase = "back";
      // No restart of the server: the pool reconnects on its own.
      await waitFor("/readyz 200 after PostgreSQL is back", async () => (await httpStatus(server.origin, "/readyz")) === 200, 30_000);
      const readyAt = outcomes.length;
      await waitFor("20 acknowledged writes after recovery", async () => outcomes.slice(readyAt).filter((o) => o.op === "create" && o.reply.body.data).length >= 20);
      const afterReady = outcomes.slice(readyAt).filter((o) => o.sent === "back");
      loading = false;
      await clients;

      // While down: every request answered with the retryable code. Sent and answered before PostgreSQL came
      // back, 40 of them or more: they failed fast instead of waiting for it (an ordering and a count, which a
      // loaded machine cannot break the way it broke a per-request time bound).
      const down = outcomes.filter((o) => o.sent === "down" && o.answered === "down");
      expect(down.length).toBeGreaterThanOrEqual(40);
      for (const o of down) {
        expect({ op: o.op, status: o.reply.status, codes: codesOf(o.reply), data: o.reply.body.data ?? null }).toEqual({
          op: o.op,
          status: expect.any(Number),
          codes: ["SERVICE_UNAVAILABLE"],
          data: null,
        });
      }
      // Once ready again, everything works.
      expect(afterReady.filter((o) => o.reply.body.errors)).toEqual([]);
      // Across the whole run, including requests cut mid-flight: an HTTP answer every time, and no error but the retryable one.
      expect(outcomes.filter((o) => o.reply.status === 0 || o.reply.status >= 500 && o.reply.status !== 503)).toEqual([]);
      // (The server's log of anything unexpected is part of the failure message.)
      const unexpected = outcomes.filter((o) => codesOf(o.reply).some((code) => code !== "SERVICE_UNAVAILABLE"));
      expect({ unexpected, log: unexpected.length ? server.stderr().split("\n").filter((l) => /unexpected|request failed/.test(l)) : [] }).toEqual({
        unexpected: [],
        log: [],
      });
    } finally {
      loading = false;
      await clients;
    }

    // Every acknowledged write is there, once; writes that got an error may or may not be.
    const db = new Client({ connectionString: pg.url });
    await db.connect();
    try {
      const rows = (await db.query<{ name: string; n: string }>(`SELECT name, count(*) AS n FROM company WHERE name LIKE 'fault %' GROUP BY name`)).rows;
      expect(rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
      const stored = new Set(rows.map((r) => r.name));
      const acked = outcomes.filter((o) => o.op === "create" && o.reply.body.data).map((o) => o.name!);
      expect(acked.length).toBeGreaterThanOrEqual(40);
      expect(acked.filter((name) => !stored.has(name))).toEqual([]);
      // Ids the API returned match the stored rows.
      const ids = new Map(
        (await db.query<{ id: number; name: string }>(`SELECT id, name FROM company WHERE name = ANY($1)`, [acked])).rows.map((r) => [r.name, String(r.id)]),
      );
      for (const o of outcomes.filter((x) => x.op === "create" && x.reply.body.data)) {
        expect((o.reply.body.data as { createCompany: { id: string } }).createCompany.id).toBe(ids.get(o.name!));
      }
    } finally {
      await db.end();
    }

    expect(server.alive()).toBe(true);
    expect(server.stderr()).not.toMatch(/unexpected error|"level":(50|60)/);
    const exit = await server.stop();
    expect(exit).toEqual({ code: 0, signal: null });
  }, 120_000);
});
