/**
 * Runs an embedded PostgreSQL for another process (the test runner) and stops
 * it when that process goes away: on SIGTERM/SIGINT, or when stdin closes (the
 * parent exited or was killed), so no postgres outlives its parent.
 *
 *   node dist/db/embedded-supervisor.js <dataDir>
 * prints one JSON line {"url": "...", "port": N} once the cluster accepts connections.
 */
import { startEmbeddedPostgres } from "./embedded";

async function run(dataDir: string): Promise<void> {
  const pg = await startEmbeddedPostgres({ dataDir });
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
  const dataDir = process.argv[2];
  if (!dataDir) {
    console.error("usage: embedded-supervisor <dataDir>");
    process.exit(2);
  }
  run(dataDir).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
