import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { once } from "node:events";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { CLI, ROOT } from "../../support/paths";
import { processesUsing } from "../../support/processes";

/** Screenshots and the server's log of the e2e run (test/artifacts/ is git-ignored). */
export const ARTIFACTS = path.join(ROOT, "test/artifacts/e2e");

/** How long `dashql serve` may take to initialise and start its embedded PostgreSQL on a busy two-core machine. */
const START_TIMEOUT_MS = 120_000;

export interface E2EServer {
  /** The dashboard's origin, e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  /** DATA_DIR of the server: its embedded PostgreSQL cluster lives in DATA_DIR/pg. */
  dataDir: string;
  /** The development demo key (ADMIN), read from DATA_DIR/demo-api-key as a user would find it. */
  demoToken: string;
  child: ChildProcess;
}

/**
 * The environment of every dashql process of the run (server and workers): the same
 * DATA_DIR makes `dashql work` attach to the server's embedded PostgreSQL. A
 * DATABASE_URL or ADMIN_TOKEN from the developer's shell would point elsewhere.
 */
export function dashqlEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "development", DATA_DIR: dataDir, LOG_LEVEL: "warn" };
  delete env.DATABASE_URL;
  delete env.ADMIN_TOKEN;
  delete env.PORT;
  return env;
}

/**
 * Starts `node bin/dashql.js serve` as a user would (NODE_ENV=development: demo
 * companies and the demo key) on a free port of 127.0.0.1 with a fresh DATA_DIR.
 * Its output goes to test/artifacts/e2e/server.log.
 */
export async function startServer(): Promise<E2EServer> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "dashql-e2e-"));
  const log = createWriteStream(path.join(ARTIFACTS, "server.log"));
  const child = spawn(process.execPath, [CLI, "serve"], {
    cwd: ROOT,
    // Trusted documents only: the dashboard must work on what its build trusts (it sends documentIds).
    env: { ...dashqlEnv(dataDir), PORT: "0", HOST: "127.0.0.1", TRUSTED_DOCUMENTS_ONLY: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr!.pipe(log);
  let stderrTail = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString()).slice(-4000)));

  try {
    const lines = createInterface({ input: child.stdout! });
    const ready = new Promise<string>((resolve) => {
      lines.on("line", (line) => {
        log.write(line + "\n");
        const match = /GraphiQL at (\S+)/.exec(line);
        if (match) resolve(match[1]);
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const graphqlUrl = await Promise.race([
      ready,
      once(child, "exit").then(([code]) => {
        throw new Error(`dashql serve exited with ${code} before it was ready:\n${stderrTail}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`dashql serve was not ready within ${START_TIMEOUT_MS} ms:\n${stderrTail}`)), START_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    const demoToken = readFileSync(path.join(dataDir, "demo-api-key"), "utf8").trim();
    return { baseUrl: new URL(graphqlUrl).origin, dataDir, demoToken, child };
  } catch (error) {
    await stopServer({ child, dataDir }).catch(() => undefined);
    throw error;
  }
}

/**
 * SIGTERM is the server's graceful stop, which also stops the PostgreSQL it started.
 * Throws when a process of the run outlives it: that would be a real bug (a leaked
 * cluster on every `npm start` stop), so it fails the run after cleaning up.
 */
export async function stopServer(server: Pick<E2EServer, "child" | "dataDir">): Promise<void> {
  const { child, dataDir } = server;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(killer);
  }
  // The postmaster's children exit a moment after it reports the stop.
  let left = processesUsing(dataDir);
  for (let i = 0; i < 50 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = processesUsing(dataDir);
  }
  if (left.length > 0) {
    for (const pid of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone meanwhile */
      }
    }
    throw new Error(`processes still used ${dataDir} after dashql serve stopped (killed): ${left.join(", ")}`);
  }
}
