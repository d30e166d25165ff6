#!/usr/bin/env node
/**
 * What metrics, tracing and trusted documents cost (issue 13's targets), measured
 * on `dashql serve` child processes of the same build, in one run, rounds
 * alternating between the configurations compared so background load hits both:
 *
 *   1. metrics on vs METRICS=false (tracing off): server CPU ms/request and req/s;
 *   2. the same dashboard query sent by documentId vs as text;
 *   3. a burst of 10,000 distinct untrusted query texts under TRUSTED_DOCUMENTS_ONLY:
 *      server CPU per refused request;
 *   4. tracing on (OTLP/HTTP to a local sink that discards) vs off.
 *
 * Server CPU is read from /proc/<pid>/stat around each round: steadier than req/s
 * on a shared machine. Plain CommonJS on purpose (no bench/ build step):
 *
 *   npm run build && node bench/ops-cost.cjs [--seconds 5] [--rounds 6] [--only metrics,documentId,refusals,tracing]
 *   BENCH_CPU_PROF=dir node bench/ops-cost.cjs ...   # the servers run with node --cpu-prof, profiles in dir
 *   DATABASE_URL=postgres://... node bench/ops-cost.cjs   # an existing (scratch) database instead of an embedded one
 */
"use strict";
const { spawn, execFileSync } = require("node:child_process");
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");
const { createInterface } = require("node:readline");
const autocannon = require("autocannon");

const ROOT = path.resolve(__dirname, "..");
const CLI = path.join(ROOT, "bin/dashql.js");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg("seconds", 5);
const ROUNDS = arg("rounds", 6);
const ONLY = (process.argv.find((a) => a.startsWith("--only="))?.slice(7) ?? "metrics,documentId,refusals,tracing").split(",");
const CONNECTIONS = 8;
const ADMIN_TOKEN = "dq_bench-ops-admin-token-0123456789abcdef";
const METRICS_TOKEN = "bench-ops-metrics-token";
const TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
const children = [];

function track(child, label) {
  children.push(child);
  let out = "";
  const lines = [];
  const waiters = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      out = (out + line + "\n").slice(-4000);
      lines.push(line);
      for (const w of waiters) w(line);
    });
  }
  const waitForLine = (pattern, ms = 120_000) =>
    new Promise((resolve, reject) => {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`${label}: no ${pattern} in ${ms} ms\n${out}`)), ms);
      child.once("exit", (code) => reject(new Error(`${label} exited ${code}\n${out}`)));
      waiters.push((line) => pattern.test(line) && (clearTimeout(timer), resolve(line)));
    });
  return { child, waitForLine };
}

function cli(args, env) {
  return execFileSync(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "warn", ...env }, encoding: "utf8" });
}

async function startPostgres() {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => undefined };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "dashql-bench-ops-pg-"));
  const child = spawn(process.execPath, [path.join(ROOT, "dist/db/embedded-supervisor.js"), dataDir], { stdio: ["pipe", "pipe", "pipe"] });
  const handle = track(child, "embedded PostgreSQL");
  const { url } = JSON.parse(await handle.waitForLine(/^\{"url"/));
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startServer(databaseUrl, env) {
  const prof = process.env.BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", path.resolve(process.env.BENCH_CPU_PROF)] : [];
  const child = spawn(process.execPath, [...prof, CLI, "serve"], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "warn", DATABASE_URL: databaseUrl, ADMIN_TOKEN, METRICS_TOKEN, HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const handle = track(child, "dashql serve");
  const line = await handle.waitForLine(/dashql is ready: GraphiQL at /);
  return { pid: child.pid, url: /(http:\/\/\S+\/graphql)/.exec(line)[1], child };
}

/** utime + stime of a process, in ms. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}

/** One load round against `server`; body(n) gives the n-th request body. */
async function round(server, token, body, options = {}) {
  let n = 0;
  const before = cpuMs(server.pid);
  const result = await autocannon({
    url: server.url,
    connections: options.connections ?? CONNECTIONS,
    ...(options.amount ? { amount: options.amount } : { duration: SECONDS }),
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        setupRequest: (req) => ({ ...req, body: body(n++) }),
      },
    ],
  });
  const cpu = cpuMs(server.pid) - before;
  const requests = result.requests.total;
  const expected = options.expectStatus ?? 200;
  const wrong = expected === 200 ? result.non2xx + result.errors : requests - (result.statusCodeStats?.[expected]?.count ?? 0);
  return { requests, rps: requests / (result.duration || SECONDS), cpuPerRequest: cpu / requests, wrong };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Alternates rounds of the named variants; returns median CPU ms/request and req/s per variant. */
async function compare(label, variants) {
  const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  // Warm-up: compiled queries, caches, V8's optimiser; two rounds each, or the first variant measured pays for it.
  for (let i = 0; i < 2; i++) for (const run of Object.values(variants)) await run();
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 === 0 ? Object.keys(variants) : Object.keys(variants).reverse();
    for (const name of order) results[name].push(await variants[name]());
  }
  const summary = {};
  for (const [name, rs] of Object.entries(results)) {
    summary[name] = {
      cpuMsPerRequest: Number(median(rs.map((r) => r.cpuPerRequest)).toFixed(3)),
      requestsPerSec: Math.round(median(rs.map((r) => r.rps))),
      wrongAnswers: rs.reduce((s, r) => s + r.wrong, 0),
      rounds: rs.map((r) => r.cpuPerRequest.toFixed(2)).join(" "),
    };
  }
  console.log(`\n${label}`);
  console.table(summary);
  return summary;
}

async function main() {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, "web/src/generated/persisted-documents.json"), "utf8"));
  const [listId, listText] = Object.entries(manifest).find(([, text]) => /query CompanyList\b/.test(text));
  const variables = { first: 20 };

  const sink = http.createServer((req, res) => req.resume().on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}")));
  await new Promise((r) => sink.listen(0, "127.0.0.1", r));
  const sinkUrl = `http://127.0.0.1:${sink.address().port}`;

  const pg = await startPostgres();
  try {
    cli(["migrate"], { DATABASE_URL: pg.url });
    const dir = mkdtempSync(path.join(os.tmpdir(), "dashql-bench-ops-"));
    const companies = Array.from({ length: 300 }, (_, i) => ({
      COMPANY: `Bench Company ${String(i).padStart(4, "0")}`,
      COMPANY_CEO: `CEO ${i}`,
      BUSINESS_TYPE: ["Aerospace", "Retail", "Software"][i % 3],
      FINANCE: [2020, 2021, 2022, 2023].map((YEAR) => ({ YEAR, Q1_EARNINGS: i + 1, Q2_EARNINGS: i + 2, Q3_EARNINGS: i + 3, Q4_EARNINGS: i + 4 })),
    }));
    writeFileSync(path.join(dir, "companies.json"), JSON.stringify({ DATA: companies }));
    cli(["import", path.join(dir, "companies.json")], { DATABASE_URL: pg.url });
    cli(["users", "create", "bench-reader", "--role", "READER"], { DATABASE_URL: pg.url });
    const reader = cli(["keys", "create", "bench-reader", "--name", "bench"], { DATABASE_URL: pg.url }).trim().split("\n").pop();
    rmSync(dir, { recursive: true, force: true });

    const withMetrics = await startServer(pg.url, {});
    const withoutMetrics = await startServer(pg.url, { METRICS: "false" });
    const trustedOnly = await startServer(pg.url, { TRUSTED_DOCUMENTS_ONLY: "true" });
    const traced = await startServer(pg.url, { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" });

    const byText = () => JSON.stringify({ query: listText, variables });
    const byId = () => JSON.stringify({ documentId: listId, operationName: "CompanyList", variables });
    const figures = {};

    if (ONLY.includes("metrics")) figures.metrics = await compare("1. CompanyList(first: 20) as text: metrics on vs METRICS=false (tracing off)", {
      "metrics on": () => round(withMetrics, reader, byText),
      "metrics off": () => round(withoutMetrics, reader, byText),
    });
    if (ONLY.includes("documentId")) figures.documentId = await compare("2. CompanyList(first: 20): by documentId vs as text (metrics on)", {
      documentId: () => round(withMetrics, reader, byId),
      text: () => round(withMetrics, reader, byText),
    });
    if (ONLY.includes("tracing")) figures.tracing = await compare("4. CompanyList(first: 20) as text: tracing on (OTLP/HTTP JSON to a local sink) vs off", {
      "tracing on": () => round(traced, reader, byText),
      "tracing off": () => round(withMetrics, reader, byText),
    });

    // Distinct texts, so nothing is answered from a cache: each is a new document of the dashboard's size.
    const smallest = () => JSON.stringify({ query: "{ __typename }" });
    if (ONLY.includes("refusals")) {
    const untrusted = (n) => JSON.stringify({ query: `query Probe${n} { companies(first: ${(n % 50) + 1}) { nodes { id name ceo } } }` });
    await round(trustedOnly, reader, untrusted, { amount: 1000, expectStatus: 403 });
    const burst = await round(trustedOnly, reader, (n) => untrusted(n + 1000), { amount: 10_000, expectStatus: 403 });
    figures.refusals = { requests: burst.requests, cpuMsPerRequest: Number(burst.cpuPerRequest.toFixed(3)), requestsPerSec: Math.round(burst.rps), notRefused: burst.wrong };
    console.log("\n3. burst of 10,000 distinct untrusted texts, TRUSTED_DOCUMENTS_ONLY=true, READER key");
    // For scale: the cheapest request the same stack answers (metrics on, no SQL).
    await round(withMetrics, reader, smallest, { amount: 2000 });
    const floor = await round(withMetrics, reader, smallest, { amount: 10_000 });
    figures.smallest = { requests: floor.requests, cpuMsPerRequest: Number(floor.cpuPerRequest.toFixed(3)), requestsPerSec: Math.round(floor.rps), notRefused: floor.wrong };
    console.table({ refused: figures.refusals, "{ __typename } answered": figures.smallest });
    }

    const m = figures.metrics;
    console.log("\nsummary");
    if (m) console.log(`  metrics: CPU/request ${(m["metrics on"].cpuMsPerRequest / m["metrics off"].cpuMsPerRequest).toFixed(3)} x, req/s ${(m["metrics on"].requestsPerSec / m["metrics off"].requestsPerSec).toFixed(3)} x (target: within 5%)`);
    const d = figures.documentId;
    if (d) console.log(`  documentId vs text: CPU/request ${(d.documentId.cpuMsPerRequest / d.text.cpuMsPerRequest).toFixed(3)} x (target: <= 1)`);
    if (figures.refusals) console.log(`  untrusted refusal: ${figures.refusals.cpuMsPerRequest} ms CPU each (target: < 0.2 ms)`);
    const t = figures.tracing;
    if (t) console.log(`  tracing on: CPU/request ${(t["tracing on"].cpuMsPerRequest / t["tracing off"].cpuMsPerRequest).toFixed(3)} x, req/s ${(t["tracing on"].requestsPerSec / t["tracing off"].requestsPerSec).toFixed(3)} x`);
    console.log(`  machine: ${os.cpus().length} x ${os.cpus()[0]?.model}, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  } finally {
    for (const child of children.filter((c) => c.exitCode === null && c.spawnfile === process.execPath && c.spawnargs.includes("serve"))) {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
    }
    await pg.stop();
    sink.close();
  }
}

main().catch((error) => {
  console.error(error);
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  process.exitCode = 1;
});
