import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { freePort } from "../src/db/embedded";
import { CompaniesDocument, CompaniesWithFinancesDocument, MeDocument } from "./generated/graphql";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { CLI, ROOT, runCli } from "./support/paths";

/**
 * `dashql serve` as an operator runs it: a real child process, configured only
 * through the environment, stopped with SIGTERM.
 */

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dashql-lifecycle-"));
  tempDirs.push(dir);
  return dir;
}

const running = new Set<ChildProcessWithoutNullStreams>();

interface Served {
  child: ChildProcessWithoutNullStreams;
  port: number;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** The environment of a child, without anything that would point it at the test cluster by accident. */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ["DATABASE_URL", "DATA_DIR", "ADMIN_TOKEN", "PORT", "HOST", "LOG_LEVEL", "NODE_ENV"]) delete base[name];
  return { ...base, NODE_ENV: "test", LOG_LEVEL: "warn", HOST: "127.0.0.1", ...env };
}

/** Starts `dashql serve` on a free port and resolves once it prints that it is ready. */
async function serve(env: Record<string, string | undefined>): Promise<Served> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, "serve"], { cwd: ROOT, env: childEnv({ PORT: String(port), ...env }) });
  running.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const ready = new Promise<void>((resolve) => {
    const check = () => {
      if (stdout.includes("dashql is ready")) {
        child.stdout.off("data", check);
        resolve();
      }
    };
    child.stdout.on("data", check);
  });
  const outcome = await Promise.race([
    ready.then(() => "ready" as const),
    exited.then((code) => `exited with ${code}` as const),
    new Promise<string>((resolve) => setTimeout(() => resolve("timed out"), 45_000).unref()),
  ]);
  if (outcome !== "ready") {
    child.kill("SIGKILL");
    throw new Error(`dashql serve did not start (${outcome})\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }
  return { child, port, url: `http://127.0.0.1:${port}/graphql`, stdout: () => stdout, stderr: () => stderr, exited };
}

/** SIGTERM, then the exit code (SIGKILL after 20 s so a hang fails the test instead of the run). */
async function terminate(served: Served): Promise<number | null> {
  served.child.kill("SIGTERM");
  const timer = setTimeout(() => served.child.kill("SIGKILL"), 20_000);
  const code = await served.exited;
  clearTimeout(timer);
  return code;
}

interface GraphQLBody<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** Sends a typed document (from test/generated) to a served process, as a client would. */
async function post<TResult, TVars>(
  url: string,
  document: TypedDocumentNode<TResult, TVars>,
  token?: string,
  variables?: TVars,
): Promise<{ status: number; body: GraphQLBody<TResult> }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return { status: res.status, body: (await res.json()) as GraphQLBody<TResult> };
}

const ME = print(MeDocument);

afterAll(async () => {
  for (const child of running) child.kill("SIGKILL");
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe("configuration errors", () => {
  it.each([
    ["PORT", "abc"],
    ["LOG_LEVEL", "loud"],
  ])("%s=%s stops start-up with one line naming the variable", async (name, value) => {
    const result = await runCli(["serve"], { env: childEnv({ [name]: value, DATA_DIR: tempDir() }), timeoutMs: 20_000 });
    expect(result.code).not.toBe(0);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(name);
    expect(lines[0]).toContain(`"${value}"`);
    expect(result.stdout).not.toContain("dashql is ready");
  });
});

describe("with DATABASE_URL", () => {
  let db: TestDatabase;
  const adminToken = "lifecycle-admin-token-0123456789abcdef";

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("ADMIN_TOKEN is an ADMIN key, and a second start with the same token still works", async () => {
    for (let start = 1; start <= 2; start++) {
      const served = await serve({ DATABASE_URL: db.url, DATA_DIR: tempDir(), ADMIN_TOKEN: adminToken });
      const res = await post(served.url, MeDocument, adminToken);
      expect({ start, status: res.status, errors: res.body.errors }).toEqual({ start, status: 200, errors: undefined });
      expect(res.body.data!.me.role).toBe("ADMIN");
      expect(await terminate(served)).toBe(0);
    }
  });

  it("SIGTERM: refuses new connections, answers every in-flight request with 200, then exits 0", async () => {
    const served = await serve({
      DATABASE_URL: db.url,
      DATA_DIR: tempDir(),
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: "info",
      // Far beyond what the test needs, so a slow machine cannot turn "drained" into "timed out".
      SHUTDOWN_TIMEOUT_MS: "60000",
    });
    const body = Buffer.from(JSON.stringify({ query: ME }));
    const half = Math.floor(body.length / 2);

    // Two requests whose headers the server has taken (it answered `100 Continue`, which
    // node:http writes right before it hands the request to dashql) but whose body is
    // only half sent: they are in flight, deterministically, when SIGTERM arrives.
    const inFlight = await Promise.all(
      [1, 2].map(async () => {
        const socket = net.connect(served.port, "127.0.0.1");
        let received = "";
        socket.on("data", (d) => (received += d));
        const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
        socket.on("error", () => undefined);
        socket.write(
          "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
            `Authorization: Bearer ${adminToken}\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
        );
        await waitFor(() => received.includes("100 Continue"), "100 Continue");
        socket.write(body.subarray(0, half));
        return { socket, closed, received: () => received };
      }),
    );

    served.child.kill("SIGTERM");
    await waitFor(() => served.stderr().includes("shutting down"), "the shutdown log line");
    // http-server.ts closes the listening socket first: a new client is refused, not queued.
    await waitFor(async () => (await connectOutcome(served.port)) === "refused", "new connections to be refused");
    expect(served.child.exitCode).toBeNull(); // still waiting for the two requests

    // write, not end: node:http drops the response of a client that half-closes its socket.
    for (const request of inFlight) request.socket.write(body.subarray(half));
    // Once both are answered the server closes the kept-alive connections itself.
    await Promise.all(inFlight.map((r) => r.closed));
    for (const request of inFlight) {
      const text = request.received().replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, "");
      expect(text.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
      const json = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4));
      expect(json).toEqual({ data: { me: expect.objectContaining({ role: "ADMIN" }) } });
    }
    const timer = setTimeout(() => served.child.kill("SIGKILL"), 20_000);
    expect(await served.exited).toBe(0);
    clearTimeout(timer);
  });

  it("NODE_ENV=development loads the demo companies once and prints a working key at every start", async () => {
    // DATA_DIR does not exist yet: with DATABASE_URL nothing else creates it, yet the demo key is kept there.
    const dataDir = path.join(tempDir(), "data");
    const keys: string[] = [];
    for (let start = 1; start <= 2; start++) {
      const served = await serve({ NODE_ENV: "development", DATABASE_URL: db.url, DATA_DIR: dataDir, LOG_LEVEL: "warn" });
      // The key lines follow the ready line, possibly in a later chunk of output.
      await waitFor(() => /Authorization: Bearer \S+\n/.test(served.stdout()), "the demo key on stdout");
      const key = /Authorization: Bearer (\S+)\n/.exec(served.stdout())?.[1];
      expect(served.stdout()).toContain(`GraphiQL at http://127.0.0.1:${served.port}/graphql`);
      keys.push(key!);

      const me = await post(served.url, MeDocument, key);
      expect(me.body.errors).toBeUndefined();
      expect(me.body.data!.me.role).toBe("ADMIN");

      const listed = await post(served.url, CompaniesDocument, key, { orderBy: "NAME_ASC" });
      expect(listed.body.errors).toBeUndefined();
      expect({ start, companies: listed.body.data!.companies.nodes.map(({ name, ceo, businessType }) => ({ name, ceo, businessType })) }).toEqual({
        start,
        companies: [
          { name: "Stark Industries", ceo: "Pepper Potts", businessType: "Manufacturing" },
          { name: "WayneCorp", ceo: "Bruce Wayne", businessType: "Multinational Conglomerate" },
        ],
      });
      const withFinances = await post(served.url, CompaniesWithFinancesDocument, key, { first: 10 });
      expect(withFinances.body.errors).toBeUndefined();
      for (const company of withFinances.body.data!.companies.nodes) {
        expect({ name: company.name, years: company.finances.map((f) => f.year) }).toEqual({ name: company.name, years: [2023, 2022, 2021] });
        expect(company.finances.every((f) => typeof f.totalEarnings === "number" && f.totalEarnings > 0)).toBe(true);
      }
      expect(await terminate(served)).toBe(0);
    }
    // Kept in DATA_DIR, so the second start prints the same key instead of minting another.
    expect(keys[1]).toBe(keys[0]);
  });
});

describe("embedded PostgreSQL", () => {
  it("with no DATABASE_URL starts its own PostgreSQL in DATA_DIR, answers, and leaves no postgres behind after SIGTERM", async () => {
    const dataDir = tempDir();
    const adminToken = "embedded-admin-token-0123456789abcdef";
    const served = await serve({ DATABASE_URL: undefined, DATA_DIR: dataDir, ADMIN_TOKEN: adminToken });
    expect(postgresFor(dataDir)).not.toEqual([]);
    const res = await post(served.url, MeDocument, adminToken);
    expect(res.status).toBe(200);
    expect(res.body.data!.me.role).toBe("ADMIN");
    expect(await terminate(served)).toBe(0);
    expect(postgresFor(dataDir)).toEqual([]);
  });
});

/** Pids of processes whose command line names `dataDir` (the embedded cluster's postgres). */
function postgresFor(dataDir: string): string[] {
  try {
    return execFileSync("pgrep", ["-f", dataDir], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function connectOutcome(port: number): Promise<"refused" | "accepted"> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("accepted");
    });
    socket.once("error", () => resolve("refused"));
  });
}
