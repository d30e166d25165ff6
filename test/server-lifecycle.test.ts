import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { print } from "graphql";
import { freePort } from "../src/db/embedded";
import { CompaniesDocument, CompaniesWithFinancesDocument, MeDocument } from "./generated/graphql";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { runCli } from "./support/paths";
import { graphql, processesUsing, startServerProcess, stopAllProcesses, waitFor, type ServerProcess } from "./support/processes";

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

/** `dashql serve` (startServerProcess) on a free port picked here, with no DATABASE_URL, DATA_DIR or ADMIN_TOKEN unless `env` gives one. */
async function serve(env: Record<string, string | undefined>): Promise<ServerProcess & { port: number }> {
  const port = await freePort();
  const scrubbed = Object.fromEntries(["DATABASE_URL", "DATA_DIR", "ADMIN_TOKEN"].map((name) => [name, undefined]));
  return Object.assign(await startServerProcess(undefined, { ...scrubbed, PORT: String(port), ...env }), { port });
}

/** SIGTERM, then the exit code (SIGKILL after 20 s so a hang fails the test instead of the run). */
async function terminate(served: ServerProcess): Promise<number | null> {
  return (await served.stop(20_000)).code;
}

const ME = print(MeDocument);

afterAll(async () => {
  await stopAllProcesses();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe("configuration errors", () => {
  it.each([
    ["PORT", "abc"],
    ["LOG_LEVEL", "loud"],
  ])("%s=%s stops start-up with one line naming the variable", async (name, value) => {
    const result = await runCli(["serve"], { env: { HOST: "127.0.0.1", [name]: value, DATA_DIR: tempDir() }, timeoutMs: 20_000 });
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
      const res = await graphql(served.url, MeDocument, undefined, adminToken);
      expect({ start, status: res.status, errors: res.body.errors }).toEqual({ start, status: 200, errors: undefined });
      expect(res.body.data!.me.role).toBe("ADMIN");
      expect(await terminate(served)).toBe(0);
    }
  });

  it("SERVER_PROCESSES=2 serves one port from two processes sharing the default pool, and SIGTERM stops them all with exit 0", async () => {
    const served = await serve({ DATABASE_URL: db.url, DATA_DIR: tempDir(), ADMIN_TOKEN: adminToken, SERVER_PROCESSES: "2", DB_POOL_SIZE: undefined, LOG_LEVEL: "info" });
    // Each server process reports the pool size it read: the default 10 connections split between the two.
    expect(served.stdout()).toContain("Serving from 2 processes (SERVER_PROCESSES), 5 database connections each (DB_POOL_SIZE)");
    const serverProcesses = () =>
      spawnSync("pgrep", ["-P", String(served.child.pid)], { encoding: "utf8" }).stdout.split("\n").filter((line) => line.trim() !== "");
    expect(serverProcesses()).toHaveLength(2);
    const answers = await Promise.all(Array.from({ length: 40 }, () => graphql(served.url, MeDocument, undefined, adminToken)));
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    expect((await served.stop(20_000)).code).toBe(0);
    expect(serverProcesses()).toHaveLength(0);
  });

  it("SERVER_PROCESSES=2 with DB_POOL_SIZE set gives each process that many connections", async () => {
    const served = await serve({ DATABASE_URL: db.url, DATA_DIR: tempDir(), ADMIN_TOKEN: adminToken, SERVER_PROCESSES: "2", DB_POOL_SIZE: "7", LOG_LEVEL: "info" });
    expect(served.stdout()).toContain("Serving from 2 processes (SERVER_PROCESSES), 7 database connections each (DB_POOL_SIZE)");
    expect((await served.stop(20_000)).code).toBe(0);
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
        await waitFor("100 Continue", async () => received.includes("100 Continue"));
        socket.write(body.subarray(0, half));
        return { socket, closed, received: () => received };
      }),
    );

    served.child.kill("SIGTERM");
    await waitFor("the shutdown log line", async () => served.stderr().includes("shutting down"));
    // http-server.ts closes the listening socket first: a new client is refused, not queued.
    await waitFor("new connections to be refused", async () => (await connectOutcome(served.port)) === "refused");
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
    // SIGTERM was sent above: wait for the exit without sending a second one.
    const timer = setTimeout(() => served.child.kill("SIGKILL"), 20_000);
    expect((await served.exited).code).toBe(0);
    clearTimeout(timer);
  });

  it("NODE_ENV=development loads the demo companies once and prints a working key at every start", async () => {
    // DATA_DIR does not exist yet: with DATABASE_URL nothing else creates it, yet the demo key is kept there.
    const dataDir = path.join(tempDir(), "data");
    const keys: string[] = [];
    for (let start = 1; start <= 2; start++) {
      const served = await serve({ NODE_ENV: "development", DATABASE_URL: db.url, DATA_DIR: dataDir, LOG_LEVEL: "warn" });
      // The key lines follow the ready line, possibly in a later chunk of output.
      await waitFor("the demo key on stdout", async () => /Authorization: Bearer \S+\n/.test(served.stdout()));
      const key = /Authorization: Bearer (\S+)\n/.exec(served.stdout())?.[1];
      expect(served.stdout()).toContain(`GraphiQL at http://127.0.0.1:${served.port}/graphql`);
      keys.push(key!);

      const me = await graphql(served.url, MeDocument, undefined, key ?? null);
      expect(me.body.errors).toBeUndefined();
      expect(me.body.data!.me.role).toBe("ADMIN");

      const listed = await graphql(served.url, CompaniesDocument, { orderBy: "NAME_ASC" }, key ?? null);
      expect(listed.body.errors).toBeUndefined();
      expect({ start, companies: listed.body.data!.companies.nodes.map(({ name, ceo, businessType }) => ({ name, ceo, businessType })) }).toEqual({
        start,
        companies: [
          { name: "Stark Industries", ceo: "Pepper Potts", businessType: "Manufacturing" },
          { name: "WayneCorp", ceo: "Bruce Wayne", businessType: "Multinational Conglomerate" },
        ],
      });
      const withFinances = await graphql(served.url, CompaniesWithFinancesDocument, { first: 10 }, key ?? null);
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
    expect(processesUsing(dataDir)).not.toEqual([]);
    const res = await graphql(served.url, MeDocument, undefined, adminToken);
    expect(res.status).toBe(200);
    expect(res.body.data!.me.role).toBe("ADMIN");
    expect(await terminate(served)).toBe(0);
    expect(processesUsing(dataDir)).toEqual([]);
  });
});

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
