/**
 * Read replicas (DATABASE_READ_URLS) against a real streaming replica
 * (test/support/replica.ts): where statements run, read-your-writes with
 * X-Dashql-Lsn, and what clients see when the replica lags or goes away.
 * Statements are counted on each server with pg_stat_statements.
 */
import { print } from "graphql";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { ConfigError, loadConfig } from "../src/config/config";
import { formatLsn, parseLsn } from "../src/db/replicas";
import {
  ApiKeysDocument,
  CompaniesDocument,
  CompaniesWithFinancesDocument,
  CompanyDocument,
  CreateCompanyDocument,
  DeleteCompanyDocument,
  EnqueueRunsDocument,
  FileAggregatesDocument,
  FilesDocument,
  FinanceAggregatesDocument,
  QueueWithFilesDocument,
  RegisterFilesDocument,
  RunAggregatesDocument,
  UpdateCompanyDocument,
  UpsertFinancesDocument,
  UsersDocument,
} from "./generated/graphql";
import { startReplicatedPostgres, sql, waitForReplay, type ReplicatedPostgres } from "./support/replica";
import { startTestServer, type TestServer } from "./support/server";
import { waitFor } from "./support/processes";

const DB = "dashql_replicas";
const WAIT_MS = 300;
const MAX_LAG_MS = 2000;

let cluster: ReplicatedPostgres;
let server: TestServer;
let primaryUrl: string;
let replicaUrl: string;

interface Reply<T> {
  status: number;
  body: { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };
  headers: Headers;
  statements: number;
  ms: number;
}

/** A GraphQL POST as the dashboard sends it, with optional extra headers (X-Dashql-Lsn). */
async function post<T, V>(document: TypedDocumentNode<T, V>, variables: V, headers: Record<string, string> = {}): Promise<Reply<T>> {
  const started = performance.now();
  const res = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${server.tokens.ADMIN}`, ...headers },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await res.json()) as Reply<T>["body"];
  return { status: res.status, body, headers: res.headers, statements: Number(res.headers.get("x-sql-statements")), ms: performance.now() - started };
}

const stats = () => server.app.replicas!.stats();

/** Statement executions by kind in database DB on one server, from pg_stat_statements; only statements on dashql's tables. */
async function tableStatements(url: string): Promise<{ selects: number; writes: number }> {
  const rows = await sql<{ kind: string; calls: string }>(
    url,
    `SELECT CASE WHEN query ~* '^\\s*(WITH\\M.*)?SELECT' AND query !~* '\\m(INSERT|UPDATE|DELETE)\\M' THEN 'select' ELSE 'write' END AS kind, sum(calls)::text AS calls
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = $1 AND query ~* '\\m(company|finance|tracked_file|queue_item|app_user|api_key|analytics_file_group|analytics_finance_group)\\M'
        AND query !~* '^\\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)'
      GROUP BY 1`,
    [DB],
  );
  const calls = (kind: string) => Number(rows.find((r) => r.kind === kind)?.calls ?? 0);
  return { selects: calls("select"), writes: calls("write") };
}

async function pauseReplay(): Promise<void> {
  await sql(replicaUrl, "SELECT pg_wal_replay_pause()");
  await waitFor("replay paused", async () => (await sql<{ s: string }>(replicaUrl, "SELECT pg_get_wal_replay_pause_state() AS s"))[0].s === "paused");
}

async function resumeReplay(): Promise<void> {
  await sql(replicaUrl, "SELECT pg_wal_replay_resume()");
  await waitForReplay(primaryUrl, replicaUrl);
}

async function readyz(): Promise<{ status: number; body: { status: string; replicas?: { name: string; state: string; lagMs: number | null; reads: number }[] } }> {
  const res = await fetch(new URL("/readyz", server.url));
  return { status: res.status, body: (await res.json()) as Awaited<ReturnType<typeof readyz>>["body"] };
}

/** Waits until the server's own health check reports the replica in `state`. */
const replicaState = (state: string, timeoutMs = 30_000) => waitFor(`replica ${state}`, async () => stats().replicas[0].state === state, timeoutMs);

let seq = 0;
const companyInput = (prefix: string) => ({ name: `${prefix} ${process.pid}-${++seq}`, ceo: "Ada", finances: [{ year: 2024, q1Earnings: 10 }] });

const METRICS_TOKEN = "replica-metrics-token-0123456789";

beforeAll(async () => {
  cluster = await startReplicatedPostgres();
  await sql(cluster.primary.url(), `CREATE DATABASE ${DB}`);
  primaryUrl = cluster.primary.url(DB);
  replicaUrl = cluster.replicas[0].url(DB);
  await sql(primaryUrl, "CREATE EXTENSION pg_stat_statements");
  server = await startTestServer(
    {
      DATABASE_READ_URLS: replicaUrl,
      REPLICA_WAIT_MS: String(WAIT_MS),
      REPLICA_MAX_LAG_MS: String(MAX_LAG_MS),
      SQL_STATEMENT_HEADER: "true",
      METRICS_TOKEN: METRICS_TOKEN,
    },
    { database: { url: primaryUrl, name: DB, drop: async () => undefined } },
  );
  // The users and keys startTestServer made must be on the replica before a query reads them there.
  await waitForReplay(primaryUrl, replicaUrl);
  await replicaState("healthy");
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await cluster?.dispose();
}, 120_000);

describe("configuration", () => {
  test("DATABASE_READ_URLS needs DATABASE_URL and postgres URLs; REPLICA_* have defaults", () => {
    const base = { NODE_ENV: "test", DATABASE_URL: "postgres://u:p@db:5432/x" };
    const config = loadConfig({ ...base, DATABASE_READ_URLS: " postgres://u:p@r1/x , postgres://u:p@r2/x," });
    expect(config.databaseReadUrls).toEqual(["postgres://u:p@r1/x", "postgres://u:p@r2/x"]);
    expect(config.replicaWaitMs).toBe(500);
    expect(config.replicaMaxLagMs).toBe(5000);
    expect(loadConfig(base).databaseReadUrls).toEqual([]);
    expect(() => loadConfig({ NODE_ENV: "test", DATABASE_READ_URLS: "postgres://u:p@r1/x" })).toThrow(/DATABASE_READ_URLS needs DATABASE_URL/);
    expect(() => loadConfig({ ...base, DATABASE_READ_URLS: "mysql://r1/x", REPLICA_WAIT_MS: "-1" })).toThrow(ConfigError);
  });

  test("WAL positions parse and print as PostgreSQL writes them", () => {
    expect(parseLsn("16/B374D848")).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatLsn(parseLsn("0/3000060")!)).toBe("0/3000060");
    expect(parseLsn("0/1")! < parseLsn("1/0")!).toBe(true);
    expect(parseLsn("nonsense")).toBeUndefined();
  });
});

describe("with a streaming replica", () => {
  test("metrics report the replica's lag, the reads it served and its pool", async () => {
    await post(CompaniesDocument, { first: 5 });
    const res = await fetch(new URL("/metrics", server.url), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const text = await res.text();
    const name = `127.0.0.1:${cluster.replicas[0].port}/${DB}`;
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
    expect(value(new RegExp(`^dashql_replica_reads_total\\{replica="${name}"\\} (\\S+)$`, "m"))).toBeGreaterThanOrEqual(1);
    expect(value(new RegExp(`^dashql_replica_lag_seconds\\{replica="${name}",state="healthy"\\} (\\S+)$`, "m"))).toBeGreaterThanOrEqual(0);
    expect(value(new RegExp(`^dashql_db_pool_connections\\{pool="${name}",state="total"\\} (\\S+)$`, "m"))).toBeGreaterThanOrEqual(1);
  });

  test("/readyz is ready and reports the replica, without credentials", async () => {
    const { status, body } = await readyz();
    expect(status).toBe(200);
    expect(body.status).toBe("ready");
    expect(body.replicas).toEqual([expect.objectContaining({ name: `127.0.0.1:${cluster.replicas[0].port}/${DB}`, state: "healthy" })]);
    expect(JSON.stringify(body)).not.toContain(new URL(replicaUrl).password);
  });

  test("every SELECT of a query operation (aggregates too) runs on the replica; every write on the primary", async () => {
    // Writes through mutations, then let the replica catch up so the queries below find rows.
    const created = await post(CreateCompanyDocument, { input: companyInput("Stmt") });
    const id = created.body.data!.createCompany.id;
    const mutations = [
      await post(UpdateCompanyDocument, { id, input: { ceo: "Grace" } }),
      await post(UpsertFinancesDocument, { companyId: id, finances: [{ year: 2023, q1Earnings: 5 }] }),
      await post(RegisterFilesDocument, { files: [{ host: "h1", runDir: `/runs/${seq}`, fullName: `/runs/${seq}/a.xml`, fileSize: 10 }] }),
      await post(EnqueueRunsDocument, { runs: [{ runDir: `/runs/q${seq}`, host: "h1", owner: "ada" }] }),
    ];
    for (const reply of [created, ...mutations]) expect(reply.body.errors).toBeUndefined();
    await waitForReplay(primaryUrl, replicaUrl);

    const primaryBefore = await tableStatements(primaryUrl);
    const replicaBefore = await tableStatements(replicaUrl);
    const one = await post(CompanyDocument, { id });
    const replies = [
      one,
      await post(CompaniesDocument, { first: 10, filter: { nameContains: "Stmt" } }),
      await post(CompaniesWithFinancesDocument, { first: 50 }),
      await post(FilesDocument, { first: 20 }),
      await post(QueueWithFilesDocument, { first: 10, filesFirst: 5 }),
      await post(UsersDocument, {}),
      await post(ApiKeysDocument, {}),
      // Aggregates are query operations too.
      await post(FinanceAggregatesDocument, { groupBy: ["YEAR"] }),
      await post(RunAggregatesDocument, { groupBy: ["STATUS"] }),
      await post(FileAggregatesDocument, { groupBy: ["HOST"] }),
    ];
    for (const reply of replies) expect(reply.body.errors).toBeUndefined();
    expect(one.body.data!.company).toMatchObject({ id, ceo: "Grace" });
    const issued = replies.reduce((n, r) => n + r.statements, 0);
    expect(issued).toBeGreaterThanOrEqual(replies.length);
    const primaryAfter = await tableStatements(primaryUrl);
    const replicaAfter = await tableStatements(replicaUrl);
    // 100% of the queries' statements on the replica, none on the primary.
    expect(replicaAfter.selects - replicaBefore.selects).toBe(issued);
    expect(primaryAfter.selects - primaryBefore.selects).toBe(0);

    // And the other way round: mutations write on the primary only (a standby could not write anyway), and read there too.
    const writesBefore = { primary: primaryAfter.writes, replica: replicaAfter.writes, replicaSelects: replicaAfter.selects };
    const more = await post(CreateCompanyDocument, { input: companyInput("Stmt") });
    await post(DeleteCompanyDocument, { id: more.body.data!.createCompany.id });
    const primaryEnd = await tableStatements(primaryUrl);
    const replicaEnd = await tableStatements(replicaUrl);
    expect(primaryEnd.writes).toBeGreaterThan(writesBefore.primary);
    expect(replicaEnd.writes).toBe(writesBefore.replica);
    expect(replicaEnd.selects).toBe(writesBefore.replicaSelects);
  });

  test("a mutation's X-Dashql-Lsn sent back with the next query makes that query see the write", async () => {
    const readsBefore = stats().replicas[0].reads;
    for (let i = 0; i < 10; i++) {
      const created = await post(CreateCompanyDocument, { input: companyInput("RYW") });
      const lsn = created.headers.get("x-dashql-lsn");
      expect(lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      const read = await post(CompanyDocument, { id: created.body.data!.createCompany.id }, { "x-dashql-lsn": lsn! });
      expect(read.body.errors).toBeUndefined();
      expect(read.body.data!.company?.name).toBe(created.body.data!.createCompany.name);
    }
    // Served by the replica (it replays within milliseconds here), not by falling back.
    expect(stats().replicas[0].reads - readsBefore).toBeGreaterThanOrEqual(1);
    // Queries carry no position of their own.
    expect((await post(CompanyDocument, { id: "1" })).headers.get("x-dashql-lsn")).toBeNull();
  });

  test("a malformed X-Dashql-Lsn is refused with BAD_USER_INPUT", async () => {
    const reply = await post(CompanyDocument, { id: "1" }, { "x-dashql-lsn": "yesterday" });
    expect(reply.status).toBe(400);
    expect(reply.body.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });

  test("with replay paused, a read with the position waits REPLICA_WAIT_MS, then reads the primary and sees the write", async () => {
    await pauseReplay();
    try {
      const before = stats();
      const created = await post(CreateCompanyDocument, { input: companyInput("Paused") });
      const lsn = created.headers.get("x-dashql-lsn")!;
      const read = await post(CompanyDocument, { id: created.body.data!.createCompany.id }, { "x-dashql-lsn": lsn });
      expect(read.body.errors).toBeUndefined();
      expect(read.body.data!.company?.name).toBe(created.body.data!.createCompany.name);
      const after = stats();
      expect(after.primaryReads.waitTimeout).toBe(before.primaryReads.waitTimeout + 1);
      expect(after.replicas[0].reads).toBe(before.replicas[0].reads);
      expect(read.ms).toBeGreaterThanOrEqual(WAIT_MS);
    } finally {
      await resumeReplay();
    }
  });

  test("a replica further behind than REPLICA_MAX_LAG_MS is skipped without errors, and used again once caught up", async () => {
    await pauseReplay();
    let name: string;
    try {
      const created = await post(CreateCompanyDocument, { input: companyInput("Lagging") });
      name = created.body.data!.createCompany.name;
      await replicaState("lagging");
      expect((await readyz()).body).toMatchObject({ status: "ready", replicas: [{ state: "lagging" }] });
      const before = stats();
      // No position sent: with the replica skipped, the read is the primary's and has the new row.
      const read = await post(CompaniesDocument, { first: 5, filter: { nameContains: name } });
      expect(read.body.errors).toBeUndefined();
      expect(read.body.data!.companies.nodes.map((c) => c.name)).toEqual([name]);
      expect(stats().primaryReads.noHealthyReplica).toBe(before.primaryReads.noHealthyReplica + 1);
      expect(stats().replicas[0].reads).toBe(before.replicas[0].reads);
    } finally {
      await resumeReplay();
    }
    await replicaState("healthy");
    const readsBefore = stats().replicas[0].reads;
    const read = await post(CompaniesDocument, { first: 5, filter: { nameContains: name } });
    expect(read.body.data!.companies.nodes.map((c) => c.name)).toEqual([name]);
    expect(stats().replicas[0].reads).toBe(readsBefore + 1);
  });

  test("the replica stopped and restarted under read load: no client errors, reads move to the primary and back", async () => {
    const failures: string[] = [];
    let requests = 0;
    let running = true;
    const client = async () => {
      while (running) {
        const reply = await post(CompaniesWithFinancesDocument, { first: 20 }).catch((error: Error) => ({ status: 0, body: { errors: [{ message: error.message }] } }));
        requests += 1;
        if (reply.status !== 200 || reply.body.errors) failures.push(`${reply.status} ${JSON.stringify(reply.body.errors)}`);
      }
    };
    const clients = Array.from({ length: 4 }, client);
    try {
      const replicaReads = () => stats().replicas[0].reads;
      const primaryReads = () => stats().primaryReads.failover + stats().primaryReads.noHealthyReplica;
      const startReads = replicaReads();
      await waitFor("reads on the replica", async () => replicaReads() > startReads + 20);

      await cluster.replicas[0].stop();
      const primaryAtStop = primaryReads();
      await replicaState("unreachable");
      expect((await readyz()).status).toBe(200);
      await waitFor("reads on the primary", async () => primaryReads() > primaryAtStop + 20);

      await cluster.replicas[0].start();
      await replicaState("healthy");
      const readsAtReturn = replicaReads();
      await waitFor("reads back on the replica", async () => replicaReads() > readsAtReturn + 20);
    } finally {
      running = false;
      await Promise.all(clients);
    }
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(60);
  }, 120_000);
});
