import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { MAX_OPERATION_NAMES } from "../src/server/metrics";
import { createTestDatabase } from "./support/database";
import { runCli } from "./support/paths";
import { startWorkerProcess, stopAllProcesses } from "./support/processes";
import { metricValue, scrape, type Sample } from "./support/prometheus";
import { errorCodes, startTestServer, type TestServer } from "./support/server";

const METRICS_TOKEN = "metrics-test-token-0123456789";

/** The change of every counter between two scrapes, for samples matching `labels`. */
const delta = (before: Sample[], after: Sample[], name: string, labels: Record<string, string> = {}) =>
  metricValue(after, name, labels) - metricValue(before, name, labels);

describe("Prometheus metrics at /metrics", () => {
  let t: TestServer;
  let metricsUrl: string;
  const read = () => scrape(metricsUrl, METRICS_TOKEN);

  beforeAll(async () => {
    t = await startTestServer(
      { METRICS_TOKEN, MAX_CONCURRENT_REQUESTS: "2", AUTH_FALLBACK_TTL_MS: "0" },
      { app: { queueMetricsRefreshMs: 1500 } },
    );
    metricsUrl = new URL("/metrics", t.url).href;
  });
  afterAll(() => t.stop());

  it("counts GraphQL requests by operation type, name and code, whichever layer answered them", async () => {
    const before = await read();
    expect((await t.raw("query Dashboard { companies(first: 5) { nodes { name } } }")).status).toBe(200);
    expect((await t.raw("query Dashboard { companies(first: 5) { nodes { name } } }")).status).toBe(200);
    expect((await t.raw("{ me { username } }")).status).toBe(200);
    expect(errorCodes(await t.raw('mutation Create { createCompany(input: { name: "" }) { id } }', {}, { role: "WRITER" }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await t.raw("query Users { users { id } }", {}, { role: "READER" }))).toEqual(["FORBIDDEN"]);
    // Refused while Apollo builds the context: no operation is known yet.
    expect(errorCodes(await t.raw("query Me { me { id } }", {}, { token: "dq_not-a-real-key" }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await t.raw("query Broken { companies { nope } }"))).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    // Refused by Fastify before Apollo: not JSON (400) and the wrong content type (415).
    const notJson = await fetch(t.url, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(notJson.status).toBe(400);
    const text = await fetch(t.url, { method: "POST", headers: { "content-type": "text/plain" }, body: "{ me { id } }" });
    expect(text.status).toBe(415);
    const after = await read();

    const requests = "dashql_graphql_requests_total";
    expect(delta(before, after, requests, { operation_type: "query", operation_name: "Dashboard", code: "OK" })).toBe(2);
    expect(delta(before, after, requests, { operation_type: "query", operation_name: "anonymous", code: "OK" })).toBe(1);
    expect(delta(before, after, requests, { operation_type: "mutation", operation_name: "Create", code: "BAD_USER_INPUT" })).toBe(1);
    expect(delta(before, after, requests, { operation_type: "query", operation_name: "Users", code: "FORBIDDEN" })).toBe(1);
    expect(delta(before, after, requests, { operation_type: "unknown", code: "UNAUTHENTICATED" })).toBe(1);
    expect(delta(before, after, requests, { operation_type: "unknown", code: "GRAPHQL_VALIDATION_FAILED" })).toBe(1);
    expect(delta(before, after, requests, { operation_type: "unknown", code: "BAD_USER_INPUT" })).toBe(2);
    expect(delta(before, after, requests)).toBe(9);

    // HTTP responses by status, every route (the scrape itself is a 200 too).
    expect(delta(before, after, "dashql_http_responses_total", { status: "401" })).toBe(1);
    expect(delta(before, after, "dashql_http_responses_total", { status: "415" })).toBe(1);
    // The validation failure and the body that is not JSON (the refused createCompany is a 200 with errors).
    expect(delta(before, after, "dashql_http_responses_total", { status: "400" })).toBe(2);
  });

  it("times operations in a histogram and counts their SQL statements", async () => {
    const before = await read();
    for (let i = 0; i < 3; i++) await t.raw("query Timed($id: ID!) { company(id: $id) { name } }", { id: "1" });
    const after = await read();
    const labels = { operation_type: "query", operation_name: "Timed" };
    expect(delta(before, after, "dashql_graphql_request_duration_seconds_count", labels)).toBe(3);
    expect(delta(before, after, "dashql_graphql_request_duration_seconds_sum", labels)).toBeGreaterThan(0);
    // Cumulative buckets: +Inf holds all three, and no bucket holds more than the next one.
    expect(delta(before, after, "dashql_graphql_request_duration_seconds_bucket", { ...labels, le: "+Inf" })).toBe(3);
    const buckets = after.filter((s) => s.name === "dashql_graphql_request_duration_seconds_bucket" && s.labels.operation_name === "Timed");
    expect(buckets.length).toBeGreaterThan(5);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i].value).toBeGreaterThanOrEqual(buckets[i - 1].value);
    // company(id) is one statement (the key is cached after the first request of the file).
    expect(delta(before, after, "dashql_graphql_sql_statements_count")).toBe(3);
    expect(delta(before, after, "dashql_graphql_sql_statements_bucket", { le: "1" })).toBe(3);
    expect(delta(before, after, "dashql_graphql_sql_statements_bucket", { le: "0" })).toBe(0);
  });

  it("counts API-key cache hits and misses", async () => {
    const before = await read();
    await t.raw("{ me { id } }", {}, { role: "WRITER" });
    await t.raw("{ me { id } }", {}, { token: "dq_unknown-key-for-the-miss-counter" });
    const after = await read();
    // AUTH_FALLBACK_TTL_MS=0: an unknown key is never cached, so it is a miss every time.
    expect(delta(before, after, "dashql_api_key_cache_lookups_total", { result: "miss" })).toBeGreaterThanOrEqual(1);
    expect(delta(before, after, "dashql_api_key_cache_lookups_total")).toBe(2);
  });

  it("shows pool connections in use and counts requests refused at MAX_CONCURRENT_REQUESTS", async () => {
    // Two requests held inside PostgreSQL by a lock fill MAX_CONCURRENT_REQUESTS=2.
    const pg = new Client({ connectionString: t.db.url });
    await pg.connect();
    try {
      const before = await read();
      await pg.query("BEGIN");
      await pg.query("LOCK TABLE company IN ACCESS EXCLUSIVE MODE");
      const held = [t.raw("query Held { companies { totalCount } }"), t.raw("query Held { companies { totalCount } }")];
      const during = await waitForSamples(read, (s) => metricValue(s, "dashql_db_pool_connections", { pool: "primary", state: "total" }) - metricValue(s, "dashql_db_pool_connections", { pool: "primary", state: "idle" }) >= 2);
      expect(metricValue(during, "dashql_db_pool_connections", { pool: "primary", state: "waiting" })).toBe(0);
      expect(metricValue(during, "dashql_db_pool_connections", { pool: "primary", state: "total" })).toBeLessThanOrEqual(5);
      const refused = await t.raw("query Refused { me { id } }");
      expect(refused.status).toBe(503);
      await pg.query("COMMIT");
      for (const r of await Promise.all(held)) expect(r.status).toBe(200);
      const after = await read();
      expect(delta(before, after, "dashql_http_requests_refused_overload_total")).toBe(1);
      expect(delta(before, after, "dashql_graphql_requests_total", { operation_type: "unknown", code: "SERVICE_UNAVAILABLE" })).toBe(1);
      expect(delta(before, after, "dashql_graphql_requests_total", { operation_name: "Held", code: "OK" })).toBe(2);
      expect(metricValue(after, "dashql_db_pool_connections", { pool: "primary", state: "idle" })).toBe(metricValue(after, "dashql_db_pool_connections", { pool: "primary", state: "total" }));
    } finally {
      await pg.query("ROLLBACK").catch(() => undefined);
      await pg.end();
    }
  });

  it("shows queue items by status from a count refreshed at most every interval", async () => {
    const first = await read();
    const queuedBefore = metricValue(first, "dashql_queue_items", { status: "QUEUED" });
    expect(first.filter((s) => s.name === "dashql_queue_items").map((s) => s.labels.status).sort()).toEqual(["CANCELLED", "FAILED", "QUEUED", "RUNNING", "SUCCEEDED"]);
    const enqueue = await t.raw(
      "mutation Enqueue($runs: [EnqueueRunInput!]!) { enqueueRuns(runs: $runs) { id } }",
      { runs: [{ runDir: "/runs/metrics-a", owner: "ci" }, { runDir: "/runs/metrics-b", owner: "ci" }] },
      { role: "WRITER" },
    );
    expect(enqueue.body.errors).toBeUndefined();
    // Within the refresh interval the gauge is not queried again.
    expect(metricValue(await read(), "dashql_queue_items", { status: "QUEUED" })).toBe(queuedBefore);
    const later = await waitForSamples(read, (s) => metricValue(s, "dashql_queue_items", { status: "QUEUED" }) === queuedBefore + 2);
    expect(metricValue(later, "dashql_queue_items", { status: "RUNNING" })).toBe(0);
  });

  it("serves Node's default process metrics", async () => {
    const samples = await read();
    expect(metricValue(samples, "process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(metricValue(samples, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
  });

  it(`keeps operation names bounded: past ${MAX_OPERATION_NAMES} distinct names the rest count as "other"`, async () => {
    for (let i = 0; i < MAX_OPERATION_NAMES + 10; i++) {
      expect((await t.raw(`query Generated${i} { me { id } }`)).status).toBe(200);
    }
    const samples = await read();
    const names = new Set(samples.filter((s) => s.name === "dashql_graphql_requests_total").map((s) => s.labels.operation_name));
    names.delete("unknown");
    names.delete("anonymous");
    names.delete("other");
    expect(names.size).toBe(MAX_OPERATION_NAMES);
    expect(metricValue(samples, "dashql_graphql_requests_total", { operation_name: "other", code: "OK" })).toBeGreaterThanOrEqual(10);
  });

  it("refuses /metrics without the right token outside development", async () => {
    expect((await fetch(metricsUrl)).status).toBe(401);
    expect((await fetch(metricsUrl, { headers: { authorization: "Bearer wrong-token-wrong-token" } })).status).toBe(401);
  });
});

/** Scrapes until `ok` holds (at most 10 s). */
async function waitForSamples(read: () => Promise<Sample[]>, ok: (samples: Sample[]) => boolean): Promise<Sample[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const samples = await read();
    if (ok(samples) || Date.now() > deadline) return samples;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("/metrics by NODE_ENV", () => {
  it("in production answers only the METRICS_TOKEN, and 404 when none is set", async () => {
    const unset = await startTestServer({ NODE_ENV: "production" });
    try {
      const url = new URL("/metrics", unset.url).href;
      const res = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe("NOT_FOUND");
    } finally {
      await unset.stop();
    }
    const set = await startTestServer({ NODE_ENV: "production", METRICS_TOKEN });
    try {
      const url = new URL("/metrics", set.url).href;
      const refused = await fetch(url);
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toMatch(/dashql_|process_/);
      expect(metricValue(await scrape(url, METRICS_TOKEN), "process_cpu_seconds_total")).toBeGreaterThan(0);
    } finally {
      await set.stop();
    }
  });

  it("in development is open", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "dashql-metrics-dev-"));
    const dev = await startTestServer({ NODE_ENV: "development", DATA_DIR: dataDir });
    try {
      const samples = await scrape(new URL("/metrics", dev.url).href);
      expect(metricValue(samples, "process_cpu_seconds_total")).toBeGreaterThan(0);
    } finally {
      await dev.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("is absent with METRICS=false", async () => {
    const off = await startTestServer({ METRICS: "false", METRICS_TOKEN });
    try {
      expect((await fetch(new URL("/metrics", off.url), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(404);
    } finally {
      await off.stop();
    }
  });
});

describe("dashql work --metrics-port", () => {
  afterAll(() => stopAllProcesses());

  it("serves the worker's runs processed and failed and their durations while it works", async () => {
    const db = await createTestDatabase();
    const tmp = mkdtempSync(path.join(os.tmpdir(), "dashql-worker-metrics-"));
    try {
      const run = (name: string) => {
        const dir = path.join(tmp, name);
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, "TEST-ok.xml"), `<testsuite name="ok" tests="1" failures="0" errors="0" time="0.1"><testcase name="a"/></testsuite>`);
        return dir;
      };
      const schedule = path.join(tmp, "schedule.json");
      // A run whose directory is missing fails, two succeed (named so that schedule and path order agree).
      writeFileSync(schedule, JSON.stringify([{ RUN_DIR: path.join(tmp, "a-missing"), OWNER: "ci" }, { RUN_DIR: run("b-first"), OWNER: "ci" }, { RUN_DIR: run("c-second"), OWNER: "ci" }]));
      expect((await runCli(["--database-url", db.url, "enqueue", "--schedule-file", schedule])).code).toBe(0);

      // WORKER_DELAY_MS keeps the last run in progress long enough to scrape the worker before `--once` ends it.
      const worker = startWorkerProcess(db.url, ["--once", "--metrics-port", "0"], { METRICS_TOKEN, WORKER_DELAY_MS: "3000" });
      const url = /metrics at (\S+)/.exec(await worker.waitForLine(/^metrics at http/))![1];
      await worker.waitForLine(/^run \d+ SUCCEEDED/, 30_000);
      // Two runs finished, the third is inside its WORKER_DELAY_MS.
      const samples = await waitForSamples(
        () => scrape(url, METRICS_TOKEN),
        (s) => metricValue(s, "dashql_worker_runs_total") === 2,
      );
      expect(metricValue(samples, "dashql_worker_runs_total", { result: "failed" })).toBe(1);
      expect(metricValue(samples, "dashql_worker_runs_total", { result: "succeeded" })).toBe(1);
      expect(metricValue(samples, "dashql_worker_run_duration_seconds_count")).toBe(2);
      // The succeeded run waited WORKER_DELAY_MS inside.
      expect(metricValue(samples, "dashql_worker_run_duration_seconds_sum")).toBeGreaterThanOrEqual(3);
      expect(metricValue(samples, "process_cpu_seconds_total")).toBeGreaterThan(0);
      expect((await fetch(url)).status).toBe(401);

      expect((await worker.exited).code).toBe(0);
      expect(worker.stdout()).toMatch(/^processed 3 runs \(2 succeeded, 1 failed\)/m);
    } finally {
      await stopAllProcesses();
      rmSync(tmp, { recursive: true, force: true });
      await db.drop();
    }
  });
});
