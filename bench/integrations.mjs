#!/usr/bin/env node
// `npm run bench:integrations`: the same dashql GraphQL pipeline (startDashqlApollo: Apollo Server 5,
// the graphql-jit executor, limits, error formatting) mounted on Fastify 5 through
// @as-integrations/fastify (the real server, src/server/http-server.ts) and on Express 5 through
// @as-integrations/express5, in ONE process on one database, measured alternately with Q1/Q2 from a
// separate autocannon process. Prints medians of the rounds and the Express/Fastify ratio.
// This is how the HTTP framework was chosen (README, "Performance"); it is not part of npm test.
// Env: ROUNDS (3), DURATION (8 s), CONNECTIONS (16).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
require("reflect-metadata");
const dist = (m) => require(path.join(ROOT, "dist", m));
const { loadConfig } = dist("config/config.js");
const { createLogger } = dist("config/logger.js");
const { openDatabase } = dist("db/data-source.js");
const { ApiKeyAuthenticator } = dist("domain/api-key/authenticator.js");
const { createApiKey } = dist("domain/api-key/api-key.service.js");
const { createUser } = dist("domain/user/user.service.js");
const { importCompanies } = dist("domain/company/company.service.js");
const { startHttpServer } = dist("server/http-server.js");
const { startDashqlApollo } = dist("server/apollo.js");
const express = require("express");
const { expressMiddleware } = require("@as-integrations/express5");

const ROUNDS = Number(process.env.ROUNDS) || 3;
const DURATION = Number(process.env.DURATION) || 8;
const CONNECTIONS = Number(process.env.CONNECTIONS) || 16;
const Q1 = "query Companies100 { companies(first: 100) { nodes { id name ceo businessType finances { year q1Earnings q2Earnings q3Earnings q4Earnings } } } }";
const Q2 = "query CompanyById($id: ID!) { company(id: $id) { id name ceo businessType finances { year q1Earnings q2Earnings q3Earnings q4Earnings } } }";
const say = (...m) => console.error("[integrations]", ...m);

const dataDir = mkdtempSync(path.join(os.tmpdir(), "dashql-integrations-"));
const config = loadConfig({ ...process.env, NODE_ENV: "production", DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", DATABASE_URL: process.env.DATABASE_URL ?? "" });
const logger = createLogger(config, "bench-integrations");
const database = await openDatabase(config, logger, { migrate: true });
const stops = [];
try {
  const em = database.dataSource.manager;
  const years = [2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023];
  await importCompanies(em, Array.from({ length: 1000 }, (_, i) => ({
    name: `Company ${String(i).padStart(4, "0")}`, ceo: `CEO ${i}`, businessType: `Type ${i % 7}`,
    finances: years.map((year) => ({ year, q1Earnings: 1000 + i + 0.25, q2Earnings: 2000 + year, q3Earnings: i % 3 ? 3000.5 : null, q4Earnings: 4000 })),
  })));
  const ids = (await em.query("SELECT id FROM company ORDER BY id")).map((r) => String(r.id));
  const admin = await createUser(em, { username: "bench-admin", role: "ADMIN" });
  const { token } = await createApiKey(em, admin, { name: "bench" });
  const authenticator = new ApiKeyAuthenticator(database.dataSource, { cacheTtlMs: config.authCacheTtlMs, fallbackTtlMs: config.authFallbackTtlMs, flushIntervalMs: config.authFlushIntervalMs });
  stops.push(() => authenticator.close());
  const deps = { config, logger, dataSource: database.dataSource, authenticator };

  const fastifyServer = await startHttpServer(deps);
  stops.push(() => fastifyServer.close());

  const { apollo, contextFor } = await startDashqlApollo(deps);
  const app = express();
  app.use("/graphql", express.json({ limit: config.maxBodyBytes, type: ["application/json", "application/graphql-response+json"] }), (req, res, next) => {
    const requestId = crypto.randomUUID();
    res.setHeader("x-request-id", requestId);
    res.setHeader("cache-control", "no-store");
    req.scope = { statements: 0, requestId };
    middleware(req, res, next);
  });
  const middleware = expressMiddleware(apollo, { context: async ({ req }) => contextFor(req.headers.authorization, req.scope) });
  const expressHttp = await new Promise((resolve) => { const s = app.listen(0, "127.0.0.1", () => resolve(s)); });
  stops.push(async () => { await new Promise((r) => expressHttp.close(r)); await apollo.stop(); });

  const servers = { fastify: `http://127.0.0.1:${fastifyServer.port}/graphql`, express: `http://127.0.0.1:${expressHttp.address().port}/graphql` };
  // One answer checked per server and query before measuring.
  for (const [name, url] of Object.entries(servers)) {
    for (const [q, v] of [[Q1, {}], [Q2, { id: ids[0] }]]) {
      const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query: q, variables: v }) });
      const body = await r.json();
      if (r.status !== 200 || body.errors) throw new Error(`${name}: ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
    }
  }

  const autocannon = (url, requests, seconds) => new Promise((resolve, reject) => {
    // A separate process, so the load generator does not share the servers' event loop.
    const script = `const ac=require("autocannon");ac({url:${JSON.stringify(url)},connections:${CONNECTIONS},duration:${seconds},requests:${JSON.stringify(requests)}},(e,r)=>{if(e)throw e;process.stdout.write(JSON.stringify({rps:r.requests.average,p50:r.latency.p50,p99:r.latency.p99,errors:r.errors+r.non2xx}))})`;
    const child = spawn(process.execPath, ["-e", script], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`autocannon exited ${code}`))));
  });
  const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
  const requestsFor = (op) => op === "Q1"
    ? [{ method: "POST", headers, body: JSON.stringify({ query: Q1 }) }]
    : ids.slice(0, 200).map((id) => ({ method: "POST", headers, body: JSON.stringify({ query: Q2, variables: { id } }) }));

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const results = {};
  for (const op of ["Q1", "Q2"]) {
    for (const [name, url] of Object.entries(servers)) await autocannon(url, requestsFor(op), 2); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which framework goes first, so drifting background load hits both alike.
      const order = round % 2 === 0 ? ["fastify", "express"] : ["express", "fastify"];
      for (const name of order) {
        const r = await autocannon(servers[name], requestsFor(op), DURATION);
        ((results[op] ??= {})[name] ??= []).push(r);
        say(`${op} ${name} round ${round + 1}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.errors} errors`);
      }
    }
  }
  console.log(`\n| op | Fastify req/s | Express req/s | Express / Fastify | Fastify p50/p99 ms | Express p50/p99 ms |`);
  console.log(`|----|----:|----:|----:|----|----|`);
  for (const [op, byServer] of Object.entries(results)) {
    const f = byServer.fastify, e = byServer.express;
    const fr = median(f.map((r) => r.rps)), er = median(e.map((r) => r.rps));
    console.log(`| ${op} | ${fr.toFixed(0)} | ${er.toFixed(0)} | ${(er / fr).toFixed(2)} | ${median(f.map((r) => r.p50))} / ${median(f.map((r) => r.p99))} | ${median(e.map((r) => r.p50))} / ${median(e.map((r) => r.p99))} |`);
  }
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}
