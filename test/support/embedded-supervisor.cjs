/**
 * Runs an embedded PostgreSQL for another process (the test runner) and stops
 * it when that process goes away: on SIGTERM/SIGINT, or when stdin closes (the
 * parent exited or was killed), so no postgres outlives its parent.
 *
 *   node test/support/embedded-supervisor.cjs <dataDir> [port]
 * prints one JSON line {"url": "...", "port": N} once the cluster accepts connections.
 * `port` (a free one when absent) lets a test restart a stopped cluster where its
 * clients expect it, as a real database server comes back on its own address.
 *
 * Plain CommonJS over the built `dist/` (as the CLI the tests spawn): it runs in
 * its own node process, outside jest's TypeScript transform.
 */
"use strict";
const path = require("node:path");
const { startEmbeddedPostgres } = require(path.join(__dirname, "../../dist/db/embedded.js"));

async function run(dataDir, port) {
  const pg = await startEmbeddedPostgres({ dataDir, port });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await pg.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  process.stdin.resume();
  process.stdout.write(JSON.stringify({ url: pg.url, port: pg.port }) + "\n");
}

const [dataDir, portText] = process.argv.slice(2);
const port = portText === undefined ? undefined : Number(portText);
if (!dataDir || (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))) {
  console.error("usage: embedded-supervisor.cjs <dataDir> [port]");
  process.exit(2);
}
run(dataDir, port).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
