/**
 * dashql as the operator runs it: `dashql serve` and `dashql work` as child
 * processes, and a private PostgreSQL a test may stop and start again (the
 * shared one from global-setup must never go down under other test files).
 *
 * Every process started here is registered; `stopAllProcesses()` (call it in
 * afterAll) kills whatever a failed test left running.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { print } from "graphql";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { CLI, ROOT } from "./paths";
import type { ResponseError } from "./response-error";

/** An ADMIN token for servers started with ADMIN_TOKEN (at least 24 characters). */
export const ADMIN_TOKEN = "dq_processes-test-admin-token-0123456789";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildHandle {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything written to stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited and its output is closed. */
  readonly exited: Promise<Exit>;
  alive(): boolean;
  /** Resident set size in MB (Linux /proc), NaN when gone. */
  rssMb(): number;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit. */
  stop(timeoutMs?: number): Promise<Exit>;
  /** Resolves with the first output line (stdout or stderr) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

const running = new Set<ChildHandle>();

/** Registers a spawned process (see stopAllProcesses) and gives the handle the helpers here use. */
export function trackProcess(child: ChildProcess, label: string): ChildHandle {
  return track(child, label);
}

function track(child: ChildProcess, label: string): ChildHandle {
  let stdout = "";
  let stderr = "";
  const listeners = new Set<(line: string) => void>();
  const feed = (stream: NodeJS.ReadableStream | null, append: (text: string) => void) => {
    if (!stream) return;
    createInterface({ input: stream }).on("line", (line) => {
      append(line + "\n");
      for (const listener of listeners) listener(line);
    });
  };
  feed(child.stdout, (t) => (stdout += t));
  feed(child.stderr, (t) => (stderr += t));
  const exited = once(child, "close").then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const handle: ChildHandle = {
    child,
    pid: child.pid!,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    alive,
    rssMb: () => {
      try {
        const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        return match ? Number(match[1]) / 1024 : NaN;
      } catch {
        return NaN;
      }
    },
    stop: async (timeoutMs = 15_000) => {
      if (alive()) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
    waitForLine: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const seen = (stdout + stderr).split("\n").find((line) => pattern.test(line));
        if (seen !== undefined) return resolve(seen);
        const done = (error?: Error, line?: string) => {
          clearTimeout(timer);
          listeners.delete(listener);
          if (error) reject(error);
          else resolve(line!);
        };
        const listener = (line: string) => pattern.test(line) && done(undefined, line);
        const timer = setTimeout(() => done(new Error(`${label}: no line matching ${pattern} within ${timeoutMs} ms\n${stderr.slice(-2000)}`)), timeoutMs);
        listeners.add(listener);
        void exited.then((exit) => done(new Error(`${label} exited (${exit.code ?? exit.signal}) before printing ${pattern}\n${stderr.slice(-2000)}`)));
      }),
  };
  running.add(handle);
  void exited.then(() => running.delete(handle));
  return handle;
}

/** Kills (SIGKILL) every process this module started that is still running. */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all(
    [...running].map((handle) => {
      if (handle.alive()) handle.child.kill("SIGKILL");
      return handle.exited;
    }),
  );
}

/** PIDs of processes whose command line names `dataDir` (an embedded PostgreSQL runs with -D <dataDir>/pg), other than this one. */
export function processesUsing(dataDir: string): number[] {
  const result = spawnSync("pgrep", ["-f", dataDir], { encoding: "utf8" });
  return result.stdout
    .split("\n")
    .map((line) => Number(line.trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid);
}

export interface PrivatePostgres {
  /** URL of the `postgres` database; the same before and after a restart. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  running(): boolean;
  /** Fast shutdown (open connections are terminated); resolves once the cluster is down. */
  stop(): Promise<void>;
  /** Starts the stopped cluster again on the same data dir and port. */
  start(): Promise<void>;
  /** Stops the cluster and deletes its data dir. */
  dispose(): Promise<void>;
}

/** A PostgreSQL cluster of the calling test's own (embedded-supervisor in a temp dir). */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "dashql-private-pg-"));
  let supervisor: ChildHandle | undefined;
  let port: number | undefined;
  let url = "";
  const start = async () => {
    // From ROOT, not __dirname: the bench runs this file compiled into dist-bench/, where the .cjs is not copied.
    const args = [path.join(ROOT, "test/support/embedded-supervisor.cjs"), dataDir, ...(port ? [String(port)] : [])];
    // stdin is a pipe on purpose: the supervisor stops the cluster when it closes (this process died).
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] });
    const handle = track(child, "embedded PostgreSQL");
    const line = await handle.waitForLine(/^\{"url"/, 60_000);
    const info = JSON.parse(line) as { url: string; port: number };
    port = info.port;
    url = info.url;
    supervisor = handle;
  };
  const stop = async () => {
    const handle = supervisor;
    supervisor = undefined;
    if (handle) await handle.stop(30_000);
  };
  await start();
  return {
    get url() {
      return url;
    },
    get port() {
      return port!;
    },
    dataDir,
    running: () => supervisor?.alive() ?? false,
    stop,
    start,
    dispose: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ServerProcess extends ChildHandle {
  /** The GraphQL endpoint, http://127.0.0.1:<port>/graphql. */
  readonly url: string;
  /** http://127.0.0.1:<port> */
  readonly origin: string;
}

/**
 * `dashql serve` on a free port against `databaseUrl`, NODE_ENV=test, with
 * ADMIN_TOKEN set; resolves once it prints that it is ready. `env` overrides
 * any of these; an undefined value leaves the variable unset (no DATABASE_URL:
 * the server starts its embedded PostgreSQL in DATA_DIR).
 */
export async function startServerProcess(
  databaseUrl: string | undefined,
  env: Record<string, string | undefined> = {},
  options: {
    /** Node flags before the script (e.g. --cpu-prof). */
    nodeArgs?: string[];
    /** Another build's bin/dashql.js (the bench's A/B runs). */
    cli?: string;
    cwd?: string;
    label?: string;
  } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.cli ?? CLI, "serve"], {
    cwd: options.cwd ?? ROOT,
    env: {
      ...process.env,
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
      DATABASE_URL: databaseUrl,
      ADMIN_TOKEN,
      HOST: "127.0.0.1",
      PORT: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const handle = track(child, options.label ?? "dashql serve");
  const line = await handle.waitForLine(/dashql is ready: GraphiQL at /, 60_000);
  const url = /(http:\/\/\S+\/graphql)/.exec(line)![1];
  return Object.assign(handle, { url, origin: new URL(url).origin });
}

/** `dashql work <args>` against `databaseUrl` (NODE_ENV=test); does not wait for anything. */
export function startWorkerProcess(databaseUrl: string, args: string[], env: Record<string, string> = {}): ChildHandle {
  const child = spawn(process.execPath, [CLI, "--database-url", databaseUrl, "work", ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "test", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return track(child, "dashql work");
}

export interface Reply<T = any> {
  /** HTTP status, or 0 when the request got no HTTP answer (refused, reset). */
  status: number;
  body: { data?: T | null; errors?: ResponseError[] };
  /** Milliseconds from sending to the complete answer (or the failure). */
  ms: number;
  /** The network failure when there was no HTTP answer. */
  failure?: string;
}

/**
 * One GraphQL POST over its own TCP connection (no keep-alive), so a refused or
 * cut connection shows up as `status: 0` instead of a retry on a pooled socket.
 */
export async function graphql<TResult, TVars>(
  url: string,
  document: TypedDocumentNode<TResult, TVars> | string,
  variables?: TVars,
  token: string | null = ADMIN_TOKEN,
): Promise<Reply<TResult>> {
  return postGraphQL<TResult>(url, JSON.stringify({ query: typeof document === "string" ? document : print(document), variables }), token);
}

/**
 * graphql() with a request body the caller serialized (operationName, prepared
 * variables); also returns the X-SQL-Statements header (NaN without) and the raw text.
 */
export async function postGraphQL<TResult = any>(
  url: string,
  body: string,
  token: string | null = ADMIN_TOKEN,
): Promise<Reply<TResult> & { statements: number; text: string }> {
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        connection: "close",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body,
    });
    const text = await res.text();
    let parsed: Reply<TResult>["body"];
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { errors: [{ message: `not JSON: ${text.slice(0, 200)}` }] };
    }
    return { status: res.status, body: parsed, ms: performance.now() - started, statements: Number(res.headers.get("x-sql-statements") ?? NaN), text };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const failure = cause?.code ?? cause?.message ?? String(error);
    return { status: 0, body: {}, ms: performance.now() - started, failure, statements: NaN, text: failure };
  }
}

/** GET `origin + path` and its status (0 when there is no answer). */
export async function httpStatus(origin: string, pathname: string): Promise<number> {
  try {
    const res = await fetch(origin + pathname, { headers: { connection: "close" } });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** Polls `probe` every 100 ms until it returns something truthy. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false | null>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The error codes of a reply, in order. */
export function codesOf(reply: Reply): (string | undefined)[] {
  return (reply.body.errors ?? []).map((e) => e.extensions?.code);
}
