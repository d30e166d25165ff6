import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { Pool } from "pg";
import type { PostgresDriver } from "typeorm/driver/postgres/PostgresDriver";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { errorCodes, startTestServer, type TestServer } from "./support/server";

/**
 * A TCP relay between the server and PostgreSQL. Cutting it is what a database
 * outage looks like to dashql (connections dropped, new ones reset at once),
 * without touching the PostgreSQL the other test files share. The relay keeps its
 * listening port while "down": giving the port back would let another process's
 * outgoing connection take it before the relay comes back.
 */
class TcpRelay {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private down = false;
  /** Accepts connections and never answers: a database that hangs rather than refuses. */
  private hanging = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async listen(): Promise<void> {
    const server = net.createServer((client) => {
      if (this.down) {
        client.on("error", () => undefined);
        client.destroy();
        return;
      }
      if (this.hanging) {
        this.sockets.add(client);
        client.on("close", () => this.sockets.delete(client));
        client.on("error", () => undefined);
        return;
      }
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** The database "comes back". */
  async open(): Promise<void> {
    this.down = false;
    this.hanging = false;
  }

  /**
   * The database "hangs": every connection is cut and new ones are accepted but never
   * answered. Resolves once `dropped()` says the client has seen its cut connections
   * and dropped them, so its next query opens a new (hanging) one.
   */
  async hang(dropped: () => boolean): Promise<void> {
    this.hanging = true;
    for (const socket of this.sockets) socket.destroy();
    while (!dropped()) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /** The database "goes away": every connection is cut and new ones are dropped. */
  async close(): Promise<void> {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }

  async shutdown(): Promise<void> {
    await this.close();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

let t: TestServer;
let db: TestDatabase;
/** The test server's connection pool (TypeORM's driver exposes it as `master`). */
const serverPool = () => (t.app.database.dataSource.driver as PostgresDriver).master as Pool;
let relay: TcpRelay;

beforeAll(async () => {
  db = await createTestDatabase();
  const target = new URL(db.url);
  relay = new TcpRelay(target.hostname, Number(target.port));
  await relay.listen();
  const viaRelay = new URL(db.url);
  viaRelay.port = String(relay.port);
  t = await startTestServer({ DATABASE_URL: viaRelay.toString(), DB_CONNECT_TIMEOUT_MS: "1000" });
});
afterAll(async () => {
  await relay?.open();
  await t?.stop();
  await relay?.shutdown();
  await db?.drop();
});

const base = () => `http://127.0.0.1:${t.app.server.port}`;

async function getJson(pathname: string, headers: Record<string, string> = {}) {
  const res = await fetch(base() + pathname, { headers });
  return { status: res.status, contentType: res.headers.get("content-type"), body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

describe("health endpoints", () => {
  it("answers /healthz with 200", async () => {
    const res = await getJson("/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  it("answers /readyz with 200 while the database answers", async () => {
    const res = await getJson("/readyz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ready" });
  });

  it("answers /readyz with 503 while the database is unreachable, and recovers when it is back", async () => {
    await relay.close();
    try {
      const down = await getJson("/readyz");
      expect(down.status).toBe(503);
      expect(down.body).toEqual({ status: "database unavailable" });
      // Liveness does not depend on the database: restarting the process would not help.
      expect((await getJson("/healthz")).status).toBe(200);
      // A GraphQL request with a key the server has not seen yet needs the database to authenticate.
      const query = await fetch(t.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer dq_${"B".repeat(43)}` },
        body: JSON.stringify({ query: "{ me { id } }" }),
      });
      expect(query.status).toBe(503);
      expect(((await query.json()) as { errors: { extensions: { code: string } }[] }).errors.map((e) => e.extensions.code)).toEqual([
        "SERVICE_UNAVAILABLE",
      ]);
    } finally {
      await relay.open();
    }
    let ready = 0;
    for (let i = 0; i < 50 && ready !== 200; i++) {
      ready = (await getJson("/readyz")).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready).toBe(200);
    const res = await t.raw("{ me { username } }", {}, { role: "READER" });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.me.username).toBe("test-reader");
  });

  it("waits DB_CONNECT_TIMEOUT_MS once, not twice, to authenticate an unseen key while the database hangs", async () => {
    await relay.hang(() => serverPool().totalCount === 0);
    try {
      const started = performance.now();
      const res = await fetch(t.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer dq_${"C".repeat(43)}` },
        body: JSON.stringify({ query: "{ me { id } }" }),
      });
      const ms = performance.now() - started;
      expect(res.status).toBe(503);
      expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors.map((e) => e.extensions.code)).toEqual([
        "SERVICE_UNAVAILABLE",
      ]);
      // One wait of 1000 ms for a connection; a second authentication attempt (the lean path's, then Apollo's) took 2000.
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(2000);
    } finally {
      await relay.open();
    }
  });

  it("answers a query whose key is known with SERVICE_UNAVAILABLE while the database is unreachable", async () => {
    expect((await t.raw("{ companies { totalCount } }", {}, { role: "READER" })).body.errors).toBeUndefined();
    await relay.close();
    try {
      const res = await t.raw("{ companies { totalCount } }", {}, { role: "READER" });
      expect(errorCodes(res)).toEqual(["SERVICE_UNAVAILABLE"]);
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/);
    } finally {
      await relay.open();
    }
  });
});

describe("GraphiQL", () => {
  async function graphiqlHtml(url: string): Promise<{ status: number; type: string | null; html: string }> {
    const res = await fetch(url, { headers: { accept: "text/html,application/xhtml+xml" } });
    return { status: res.status, type: res.headers.get("content-type"), html: await res.text() };
  }

  it("serves GraphiQL to a browser at GET /graphql, with every script and style from this server", async () => {
    const page = await graphiqlHtml(t.url);
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.html).toMatch(/GraphiQL/);
    expect(page.html).not.toMatch(/https?:\/\//);
    const assets = [...page.html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/[^/]/);
      const res = await fetch(base() + asset);
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
      const body = await res.text();
      expect(body.length).toBeGreaterThan(1000);
      if (asset.endsWith(".css")) {
        expect(res.headers.get("content-type")).toMatch(/^text\/css/);
        // Fonts are inlined as data: URLs; nothing is fetched from elsewhere.
        expect(body).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//);
      } else {
        expect(res.headers.get("content-type")).toMatch(/^text\/javascript|^application\/javascript/);
      }
    }
  });

  it("prefills no key outside development", async () => {
    const page = await graphiqlHtml(t.url);
    // The page's script reads an Authorization header from the headers editor for subscriptions; none is prefilled.
    expect(page.html).not.toMatch(/Bearer\s+dq_|defaultHeaders|headers:\s*"/i);
  });

  it("prefills the demo key in development, and that key works", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "dashql-http-dev-"));
    const dev = await startTestServer({ NODE_ENV: "development", DATA_DIR: dataDir });
    try {
      const token = dev.app.demoToken!;
      expect(token).toMatch(/^dq_/);
      const page = await graphiqlHtml(dev.url);
      expect(page.html).toContain(`Bearer ${token}`);
      const me = await dev.raw("{ me { username role } }", {}, { token });
      expect(me.body.data.me).toEqual({ username: "demo", role: "ADMIN" });
    } finally {
      await dev.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("answers a query over GET as JSON when the client does not ask for HTML", async () => {
    const res = await fetch(`${t.url}?query=${encodeURIComponent("{ me { username } }")}`, {
      headers: { accept: "application/json", "apollo-require-preflight": "true", authorization: `Bearer ${t.tokens.WRITER}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { me: { username: "test-writer" } } });
  });
});

describe("other paths", () => {
  it.each([
    ["GET", "/no/such/path"],
    ["POST", "/graphql/extra"],
    ["GET", "/graphiql/missing.js"],
  ])("answers %s %s with 404 and a JSON error", async (method, pathname) => {
    const res = await fetch(base() + pathname, { method, headers: { accept: "application/json" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(["NOT_FOUND"]);
  });

  it.each([
    ["application/graphql-response+json, application/json", /^application\/graphql-response\+json/],
    ["application/graphql-response+json", /^application\/graphql-response\+json/],
    ["application/json", /^application\/json/],
  ])("answers a query sent with Accept: %s in the type the client prefers", async (accept, type) => {
    for (const query of ["{ me { username } }", '{ company(id: "abc") { id } }', "{ me { nope } }"]) {
      const res = await fetch(t.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept, authorization: `Bearer ${t.tokens.READER}` },
        body: JSON.stringify({ query }),
      });
      expect({ query, type: res.headers.get("content-type") }).toEqual({ query, type: expect.stringMatching(type) });
      const body = (await res.json()) as { data?: unknown; errors?: unknown[] };
      if (query.includes("username")) expect(body).toEqual({ data: { me: { username: "test-reader" } } });
      else expect(body.errors?.length ?? 0).toBeGreaterThan(0);
    }
  });

  it("tags GraphQL responses with a request id, keeping the client's own", async () => {
    const generated = await t.raw("{ me { id } }");
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const res = await fetch(t.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "trace-42", authorization: `Bearer ${t.tokens.READER}` },
      body: JSON.stringify({ query: "{ me { id } }" }),
    });
    expect(res.headers.get("x-request-id")).toBe("trace-42");
  });
});
