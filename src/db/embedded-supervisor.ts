/**
 * Runs an embedded PostgreSQL for another process (the test runner) and stops
 * it when that process goes away: on SIGTERM/SIGINT, or when stdin closes (the
 * parent exited or was killed), so no postgres outlives its parent.
 *
 *   node dist/db/embedded-supervisor.js <dataDir> [port]
 * prints one JSON line {"url": "...", "port": N} once the cluster accepts connections.
 * `port` (a free one when absent) lets a test restart a stopped cluster where its
 * clients expect it, as a real database server comes back on its own address.
 */
import { startEmbeddedPostgres } from "./embedded";

async function run(dataDir: string, port: number | undefined): Promise<void> {
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

if (require.main === module) {
  const [dataDir, portText] = process.argv.slice(2);
  const port = portText === undefined ? undefined : Number(portText);
  if (!dataDir || (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))) {
    console.error("usage: embedded-supervisor <dataDir> [port]");
    process.exit(2);
  }
  run(dataDir, port).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
