import { randomBytes } from "node:crypto";
import { createApiKey } from "../src/domain/api-key/api-key.service";
import { generateToken } from "../src/domain/api-key/api-key.token";
import { ApiKeyAuthenticator } from "../src/domain/api-key/authenticator";
import { listenForInvalidations } from "../src/domain/api-key/revocations";
import { LISTENER_APPLICATION_NAME, NotificationHub } from "../src/db/notification-hub";
import { loadConfig } from "../src/config/config";
import { createLogger } from "../src/config/logger";
import { createUser } from "../src/domain/user/user.service";
import type { Role } from "../src/domain/user/user.entity";
import { CreateApiKeyDocument, MeDocument, RevokeApiKeyDocument } from "./generated/graphql";
import { runCli } from "./support/paths";
import { startServerProcess, stopAllProcesses, type ServerProcess } from "./support/processes";
import { errorCodes, startTestServer, type TestServer } from "./support/server";

/**
 * Keys, their cache and revocation across processes, and secrets in logs.
 * Two servers (A and B) run on ONE database, each with its own pool, key cache
 * and LISTEN connection, as two `dashql serve` processes would; one test also
 * runs a real `dashql serve` child process.
 */
let a: TestServer;
let b: TestServer;

// A long flush interval, so only an explicit flush (or stop) writes lastUsedAt. No fallback TTL: a
// lookup is cached only while the revocation listener is up, so a request answered from the cache
// (0 statements) proves the listener was in place, and a hit is always "past the fallback TTL"
// without waiting one out.
const ENV = { AUTH_FLUSH_INTERVAL_MS: "3600000", AUTH_FALLBACK_TTL_MS: "0" };
/** AUTH_CACHE_TTL_MS's default: a cached key refused sooner was dropped by a notification. */
const CACHE_TTL_MS = 60_000;

beforeAll(async () => {
  a = await startTestServer(ENV);
  b = await startTestServer(ENV, { database: a.db });
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

const sql = (text: string, params: unknown[] = []) => a.app.database.dataSource.query(text, params);

let users = 0;
/** A fresh user with one key, made through the domain (setup, not what is tested). */
async function freshKey(role: Role = "WRITER") {
  const em = a.app.database.dataSource.manager;
  const user = await createUser(em, { username: `sec-${role.toLowerCase()}-${++users}`, role });
  const { token, apiKey } = await createApiKey(em, user, { name: "security test" });
  return { user, token, keyId: apiKey.id };
}

/** `{ me }` on a server with a token: status, codes, and the statements it cost. */
async function me(server: TestServer, token: string) {
  const res = await server.request(MeDocument, {}, { token });
  return { status: res.status, codes: errorCodes(res), statements: res.statements, username: res.body.data?.me.username };
}

/** Uses the key on `server` until a request is served from its cache (0 statements). */
async function warm(server: TestServer, token: string) {
  const first = await me(server, token);
  expect(first.status).toBe(200);
  const second = await me(server, token);
  expect(second).toMatchObject({ status: 200, statements: 0 });
}

/**
 * Polls `server` with `token` until it answers 401; returns the ms since `since`. Gives up
 * at half the cache TTL: a refusal before the cached entry expires is what proves the
 * notification, however busy the machine.
 */
async function msUntilRefused(server: TestServer | string, token: string, since: number, limitMs = CACHE_TTL_MS / 2): Promise<number> {
  const url = typeof server === "string" ? server : server.url;
  for (;;) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: "{ me { id } }" }),
    });
    await res.arrayBuffer();
    const elapsed = performance.now() - since;
    if (res.status === 401) return elapsed;
    expect(res.status).toBe(200);
    if (elapsed > limitMs) return elapsed;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The listener backends of the shared database, found the way an operator would: by application_name. */
async function listenerPids(): Promise<number[]> {
  const rows: { pid: number }[] = await sql(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 ORDER BY pid`,
    [LISTENER_APPLICATION_NAME],
  );
  return rows.map((r) => r.pid);
}

async function waitFor(condition: () => Promise<boolean> | boolean, limitMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > limitMs) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const delays: Record<string, number> = {};
afterAll(() => {
  // The measured figures, for the closing note.
  if (Object.keys(delays).length > 0) console.log(`revocation delays (ms): ${JSON.stringify(delays)}`);
});

describe("API key tokens", () => {
  it("are dq_ + 32 random bytes (43 base64url characters), and 1,000 generated tokens are distinct", () => {
    const tokens = Array.from({ length: 1000 }, () => generateToken());
    expect(new Set(tokens).size).toBe(1000);
    for (const token of tokens) {
      expect(token).toMatch(/^dq_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token.slice(3), "base64url")).toHaveLength(32);
    }
  });

  it("keeps neither ADMIN_TOKEN nor a created token anywhere in the database", async () => {
    const adminToken = `admin-${randomBytes(24).toString("hex")}`;
    const c = await startTestServer({ ...ENV, ADMIN_TOKEN: adminToken });
    try {
      const created = await c.request(CreateApiKeyDocument, { name: "at rest" }, { token: adminToken });
      expect(created.body.errors).toBeUndefined();
      const token = created.body.data!.createApiKey.token;
      expect((await me(c, token)).status).toBe(200);
      await c.app.authenticator.flush();
      const tables: { table_name: string }[] = await c.app.database.dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
      );
      for (const secret of [adminToken, token.slice(3)]) {
        for (const { table_name } of tables) {
          const [{ n }] = await c.app.database.dataSource.query(
            `SELECT count(*)::int AS n FROM "${table_name}" r WHERE strpos(r::text, $1) > 0`,
            [secret],
          );
          expect({ table_name, n }).toEqual({ table_name, n: 0 });
        }
      }
    } finally {
      await c.stop();
    }
  });
});

describe("the key cache", () => {
  it("costs no statement for a key used again, even past the fallback TTL, and writes lastUsedAt only in the batch", async () => {
    const { token, keyId } = await freshKey();
    const first = await me(a, token);
    expect(first).toMatchObject({ status: 200, statements: 1 });
    const again = [];
    for (let i = 0; i < 20; i++) again.push((await me(a, token)).statements);
    expect(again).toEqual(Array(20).fill(0));
    // Past AUTH_FALLBACK_TTL_MS (0 here): with the listener in place the long TTL applies.
    expect(a.app.listener.listening).toBe(true);
    expect((await me(a, token)).statements).toBe(0);

    const [before] = await sql(`SELECT last_used_at FROM api_key WHERE id = $1`, [keyId]);
    expect(before.last_used_at).toBeNull();
    await a.app.authenticator.flush();
    const [after] = await sql(`SELECT last_used_at FROM api_key WHERE id = $1`, [keyId]);
    expect(after.last_used_at).toBeInstanceOf(Date);
    expect(Date.now() - after.last_used_at.getTime()).toBeLessThan(60_000);
  });

  it("writes lastUsedAt of every key used since, in one statement, when the server stops", async () => {
    const c = await startTestServer(ENV, { database: a.db });
    const keys = [await freshKey("READER"), await freshKey("ADMIN")];
    for (const k of keys) expect((await me(c, k.token)).status).toBe(200);
    await c.stop();
    const rows: { last_used_at: Date | null }[] = await sql(`SELECT last_used_at FROM api_key WHERE id = ANY($1::int[])`, [
      keys.map((k) => k.keyId),
    ]);
    expect(rows.map((r) => r.last_used_at instanceof Date)).toEqual([true, true]);
  });
});

describe("revocation", () => {
  it("is effective at once in the revoking server, and in another server on the same database by notification, before its cache expires", async () => {
    const { token, keyId } = await freshKey();
    await warm(a, token);
    await warm(b, token);
    const revoked = await a.request(RevokeApiKeyDocument, { id: String(keyId) }, { token });
    expect(revoked.body.data?.revokeApiKey).toBe(true);
    const since = performance.now();
    const onA = await me(a, token);
    expect(onA).toMatchObject({ status: 401, codes: ["UNAUTHENTICATED"] });
    delays.otherServer = Math.round(await msUntilRefused(b, token, since));
    expect(delays.otherServer).toBeLessThan(CACHE_TTL_MS);
  });

  it("reaches every server when `dashql keys revoke` runs in another process", async () => {
    const { token, keyId } = await freshKey();
    await warm(a, token);
    await warm(b, token);
    const cli = await runCli(["keys", "revoke", String(keyId)], { env: { DATABASE_URL: a.db.url } });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(`revoked key ${keyId}`);
    const since = performance.now();
    delays.cliToA = Math.round(await msUntilRefused(a, token, since));
    delays.cliToB = Math.round(await msUntilRefused(b, token, since));
    expect(delays.cliToA).toBeLessThan(CACHE_TTL_MS);
    expect(delays.cliToB).toBeLessThan(CACHE_TTL_MS);
  });

  it("reaches every server when a user's role changes (ADMIN_TOKEN restoring its ADMIN at another server's start)", async () => {
    const token = `restore-${randomBytes(24).toString("hex")}`;
    const em = a.app.database.dataSource.manager;
    const user = await createUser(em, { username: `demoted-${++users}`, role: "READER" });
    await createApiKey(em, user, { name: "will be ADMIN_TOKEN", token });
    const before = await b.request(MeDocument, {}, { token });
    expect(before.body.data?.me.role).toBe("READER");
    expect((await b.request(MeDocument, {}, { token })).statements).toBe(0);
    // The upgrade commits (and notifies) during C's start; without the notification B would say READER for 60 s.
    const c = await startTestServer({ ...ENV, ADMIN_TOKEN: token }, { database: a.db });
    try {
      const since = performance.now();
      let role: string | undefined;
      do {
        role = (await b.request(MeDocument, {}, { token })).body.data?.me.role;
        if (role !== "ADMIN") await new Promise((resolve) => setTimeout(resolve, 5));
      } while (role !== "ADMIN" && performance.now() - since < CACHE_TTL_MS / 2);
      delays.roleChangeAfterStart = Math.round(performance.now() - since);
      // Before B's cached READER entry expired: the notification did it.
      expect(role).toBe("ADMIN");
    } finally {
      await c.stop();
    }
  });

  it("stays bounded while the listener's connection is gone, and flows again after it reconnects", async () => {
    const { token: early, keyId: earlyId } = await freshKey();
    await warm(b, early);
    const pids = await listenerPids();
    expect(pids).toHaveLength(2);
    expect(pids).toContain(b.app.listener.pid);
    // Kill both listeners and revoke at once: the notification may well be lost on B.
    await sql(`SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid`, [pids]);
    await a.request(RevokeApiKeyDocument, { id: String(earlyId) }, { role: "ADMIN" });
    const since = performance.now();
    delays.duringReconnect = Math.round(await msUntilRefused(b, early, since));
    expect(delays.duringReconnect).toBeLessThan(CACHE_TTL_MS);

    // Both servers reconnect by themselves, on new backends.
    await waitFor(async () => {
      const now = await listenerPids();
      return now.length === 2 && now.every((pid) => !pids.includes(pid)) && b.app.listener.listening && a.app.listener.listening;
    });
    const { token: late, keyId: lateId } = await freshKey();
    await warm(b, late);
    // The long TTL is back (a cached hit, which the fallback TTL of 0 allows only while listening),
    // so only the notification can revoke it in time.
    expect((await me(b, late)).statements).toBe(0);
    await a.request(RevokeApiKeyDocument, { id: String(lateId) }, { role: "ADMIN" });
    const after = performance.now();
    delays.afterReconnect = Math.round(await msUntilRefused(b, late, after));
    expect(delays.afterReconnect).toBeLessThan(CACHE_TTL_MS);
  });
});

describe("auth cache configuration", () => {
  it("defaults to 60 s while listening and 1 s without, and refuses a cache TTL below the fallback", () => {
    const config = loadConfig({});
    expect([config.authCacheTtlMs, config.authFallbackTtlMs, config.authFlushIntervalMs]).toEqual([60_000, 1_000, 10_000]);
    expect(() => loadConfig({ AUTH_CACHE_TTL_MS: "500" })).toThrow(/AUTH_CACHE_TTL_MS \(500\) must not be shorter than AUTH_FALLBACK_TTL_MS/);
    expect(() => loadConfig({ AUTH_FALLBACK_TTL_MS: "soon", AUTH_FLUSH_INTERVAL_MS: "0" })).toThrow(
      /AUTH_FALLBACK_TTL_MS must be an integer.*AUTH_FLUSH_INTERVAL_MS must be an integer/,
    );
  });
});

describe("without a listener", () => {
  it("bounds revocation by the fallback TTL, and an unreachable listener neither throws nor delays shutdown", async () => {
    const logger = createLogger({ logLevel: "silent" });
    const listener = new NotificationHub({
      connectionString: "postgres://dashql:x@127.0.0.1:1/nowhere",
      logger,
      lostMeans: "",
      initialBackoffMs: 50,
    });
    const auth = new ApiKeyAuthenticator(a.app.database.dataSource, { cacheTtlMs: 60_000, fallbackTtlMs: 300, flushIntervalMs: 0 });
    listenForInvalidations(listener, { logger, onInvalidate: (invalidation) => auth.invalidate(invalidation) });
    listener.onListening((up) => auth.setListening(up));
    try {
      await listener.start();
      expect(listener.listening).toBe(false);
      const { token, keyId } = await freshKey();
      expect((await auth.authenticate(token))?.apiKeyId).toBe(keyId);
      await a.request(RevokeApiKeyDocument, { id: String(keyId) }, { role: "ADMIN" });
      const since = performance.now();
      // Still cached: nothing told this authenticator.
      expect((await auth.authenticate(token))?.apiKeyId).toBe(keyId);
      while ((await auth.authenticate(token)) !== null) {
        expect(performance.now() - since).toBeLessThan(1000);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      delays.fallbackTtl300 = Math.round(performance.now() - since);
      expect(delays.fallbackTtl300).toBeLessThanOrEqual(400);
    } finally {
      const stopping = performance.now();
      await listener.stop();
      await auth.close();
      expect(performance.now() - stopping).toBeLessThan(1500);
    }
  });
});

describe("a `dashql serve` process", () => {
  let server: ServerProcess;
  let url = "";
  const adminToken = `adm-${randomBytes(24).toString("base64url")}`;

  beforeAll(async () => {
    server = await startServerProcess(a.db.url, { LOG_LEVEL: "debug", ADMIN_TOKEN: adminToken, ...ENV });
    url = server.url;
  });
  afterAll(stopAllProcesses);

  const post = async (token: string | undefined, query: string, variables?: unknown, body?: string) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ?? JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as any, statements: Number(res.headers.get("x-sql-statements")) };
  };

  it("sees a revocation made by another process by notification, before its cache expires", async () => {
    const { token, keyId } = await freshKey();
    expect((await post(token, "{ me { id } }")).status).toBe(200);
    expect(await post(token, "{ me { id } }")).toMatchObject({ status: 200, statements: 0 });
    await a.request(RevokeApiKeyDocument, { id: String(keyId) }, { role: "ADMIN" });
    const since = performance.now();
    delays.childProcess = Math.round(await msUntilRefused(url, token, since));
    expect(delays.childProcess).toBeLessThan(CACHE_TTL_MS);
  });

  it("never writes a token or ADMIN_TOKEN to its log, even at debug level", async () => {
    const created = await post(adminToken, `mutation { createApiKey(name: "log check") { token apiKey { id } } }`);
    expect(created.body.errors).toBeUndefined();
    const { token, apiKey } = created.body.data.createApiKey;
    expect((await post(token, "{ me { username } }")).status).toBe(200);
    // Errors of every kind, each carrying the key: validation, domain, bad JSON, unknown key after revocation.
    expect((await post(token, "{ nope }")).status).toBe(400);
    expect((await post(token, `{ company(id: "x") { id } }`)).body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect((await post(token, "", undefined, "{not json")).status).toBe(400);
    expect((await post(token, `mutation { revokeApiKey(id: "${apiKey.id}") }`)).body.data.revokeApiKey).toBe(true);
    expect((await post(token, "{ me { username } }")).status).toBe(401);
    expect((await post(adminToken, "{ users { id } }")).status).toBe(200);

    expect((await server.stop()).code).toBe(0);
    const stderr = server.stderr();
    // Debug lines were written (so the check below is not vacuous).
    expect(stderr).toMatch(/"level":20/);
    for (const secret of [adminToken, token, token.slice(3), ...Object.values(a.tokens)]) {
      expect(stderr.includes(secret)).toBe(false);
    }
    const password = new URL(a.db.url).password;
    if (password) expect(stderr.includes(password)).toBe(false);
  });
});
