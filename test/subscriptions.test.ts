/**
 * Live updates as a client sees them: graphql-ws over the server's own port and
 * path, events from PostgreSQL triggers, filters, authentication, limits, the
 * LISTEN connection lost, and a slow consumer.
 */
import { Client } from "pg";
import WebSocket from "ws";
import { liveClient, rawSocket, until, wsUrl, type LiveClient } from "./support/live";
import { startTestServer, useTestServer } from "./support/server";

const server = useTestServer({ SUBSCRIPTION_MAX_BUFFER_BYTES: "262144" });
const clients: LiveClient[] = [];
let pg: Client;

beforeAll(async () => {
  pg = new Client({ connectionString: server.db.url });
  // The database is dropped WITH (FORCE) when the server stops, which may come first.
  pg.on("error", () => undefined);
  await pg.connect();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  // The next test counts subscriptions from zero.
  await until("the server to hold no subscription", () => server.app.live.stats().subscriptions === 0);
});
afterAll(async () => {
  await pg?.end();
});

function connect(role: "READER" | "WRITER" | "ADMIN" = "READER", options: { retryAttempts?: number } = {}): LiveClient {
  const client = liveClient(server.url, server.tokens[role], options);
  clients.push(client);
  return client;
}

/** Waits until the server holds `n` subscriptions (a subscribe message is asynchronous). */
const subscribed = (n: number) => until(`${n} subscriptions on the server`, () => server.app.live.stats().subscriptions === n);

async function gql(query: string, variables?: Record<string, unknown>, role: "READER" | "WRITER" | "ADMIN" = "ADMIN") {
  const response = await server.raw(query, variables, { role });
  if (response.body.errors) throw new Error(JSON.stringify(response.body.errors));
  return response.body.data;
}

const QUEUE_CHANGED = `subscription($filter: QueueFilter) { queueChanged(filter: $filter) { kind id at item { id status owner runTag summary { tests failures } } } }`;
const ITEM_CHANGED = `subscription($id: ID!) { queueItemChanged(id: $id) { kind id item { status } } }`;
const COMPANIES_CHANGED = `subscription { companiesChanged { kind id company { name ceo finances { year totalEarnings } } } }`;
const FILES_REGISTERED = `subscription($host: String, $runDir: String) { filesRegistered(host: $host, runDir: $runDir) { host runDir created updated at } }`;

const enqueue = (runs: Record<string, unknown>[]) =>
  gql(`mutation($runs: [EnqueueRunInput!]!) { enqueueRuns(runs: $runs) { id } }`, { runs }).then((d) => d.enqueueRuns as { id: string }[]);

describe("queue subscriptions", () => {
  test("queueChanged applies its filter after the change (before it for DELETED), queueItemChanged follows one item", async () => {
    const live = connect();
    const all = live.subscribe(QUEUE_CHANGED);
    const alice = live.subscribe(QUEUE_CHANGED, { filter: { owner: "alice-q" } });
    const cancelled = live.subscribe(QUEUE_CHANGED, { filter: { status: "CANCELLED" } });
    await subscribed(3);

    const [a1, b1] = await enqueue([
      { runDir: "/runs/q1", owner: "alice-q", host: "h1" },
      { runDir: "/runs/q2", owner: "bob-q", host: "h1" },
    ]);
    const one = live.subscribe(ITEM_CHANGED, { id: a1.id });
    await subscribed(4);
    await gql(`mutation($id: ID!) { cancelQueueItem(id: $id) { id } }`, { id: a1.id });
    // bob's item is purged (DELETED): the filter on owner applies to the item before deletion.
    await gql(`mutation { purgeQueue(timeToLiveAfter: "2000-01-01T00:00:00Z") }`);

    await all.until((e) => e.length >= 4);
    expect(all.events.map((e) => [e.queueChanged.kind, e.queueChanged.id])).toEqual([
      ["CREATED", a1.id],
      ["CREATED", b1.id],
      ["UPDATED", a1.id],
      ["DELETED", b1.id],
    ]);
    const deleted = all.events.find((e) => e.queueChanged.kind === "DELETED")!.queueChanged;
    expect(deleted).toMatchObject({ id: b1.id, item: null });
    expect(typeof deleted.at).toBe("string");

    await alice.until((e) => e.length >= 2);
    expect(alice.events.map((e) => [e.queueChanged.kind, e.queueChanged.item?.status])).toEqual([
      ["CREATED", "QUEUED"],
      ["UPDATED", "CANCELLED"],
    ]);
    await cancelled.until((e) => e.length >= 1);
    expect(cancelled.events.map((e) => e.queueChanged.id)).toEqual([a1.id]);
    // Subscribed after the enqueue: whether the CREATED is still on its way then is a race; the cancel is not.
    await one.until((e) => e.some((x) => x.queueItemChanged.kind === "UPDATED"));
    expect(one.events.at(-1)).toEqual({ queueItemChanged: { kind: "UPDATED", id: a1.id, item: { status: "CANCELLED" } } });
    expect(one.events.every((x) => x.queueItemChanged.id === a1.id)).toBe(true);
    const seenByOne = one.events.length;

    // Nothing more arrives for the filtered ones: a later change that matches none of their filters.
    await enqueue([{ runDir: "/runs/q3", owner: "carol-q" }]);
    await all.until((e) => e.some((x) => x.queueChanged.item?.owner === "carol-q"));
    expect(alice.events).toHaveLength(2);
    expect(one.events).toHaveLength(seenByOne);
  });

  test("a change made with plain SQL (as in dashql shell) is sent; a rolled-back one is not", async () => {
    const live = connect();
    const all = live.subscribe(QUEUE_CHANGED, { filter: { owner: "sql-user" } });
    await subscribed(1);
    await pg.query("BEGIN");
    await pg.query(`INSERT INTO queue_item (run_dir, owner, time_to_live) VALUES ('/runs/rolled-back', 'sql-user', now() + interval '1 day')`);
    await pg.query("ROLLBACK");
    const {
      rows: [row],
    } = await pg.query(`INSERT INTO queue_item (run_dir, owner, time_to_live) VALUES ('/runs/committed', 'sql-user', now() + interval '1 day') RETURNING id`);
    await all.until((e) => e.length >= 1);
    // A lease heartbeat changes nothing a client sees: no event.
    await pg.query(`UPDATE queue_item SET lease_expires_at = now() WHERE id = $1`, [row.id]);
    await pg.query(`UPDATE queue_item SET user_tag = 'seen' WHERE id = $1`, [row.id]);
    await all.until((e) => e.length >= 2);
    expect(all.events.map((e) => [e.queueChanged.kind, e.queueChanged.id])).toEqual([
      ["CREATED", String(row.id)],
      ["UPDATED", String(row.id)],
    ]);
  });

  test("200 changes in quick succession reach a subscriber each exactly once, in order", async () => {
    const live = connect();
    const all = live.subscribe(QUEUE_CHANGED, { filter: { owner: "burst" } });
    await subscribed(1);
    const ids: string[] = [];
    for (let i = 0; i < 200; i += 1) {
      const { rows } = await pg.query(`INSERT INTO queue_item (run_dir, owner, time_to_live) VALUES ($1, 'burst', now() + interval '1 day') RETURNING id`, [
        `/runs/burst-${i}`,
      ]);
      ids.push(String(rows[0].id));
    }
    // And one statement changing 1,500 rows: its ids are split over notifications under 8,000 bytes.
    const { rows: bulk } = await pg.query(
      `INSERT INTO queue_item (run_dir, owner, time_to_live) SELECT '/runs/bulk-' || g, 'burst', now() + interval '1 day' FROM generate_series(1, 1500) g RETURNING id`,
    );
    ids.push(...bulk.map((r: { id: number }) => String(r.id)));
    await all.until((e) => e.length >= ids.length, 30_000);
    expect(all.events.map((e) => e.queueChanged.id)).toEqual(ids);
  });
});

describe("companies and files", () => {
  test("companiesChanged: created, finances upserted, deleted (DELETED carries only the id)", async () => {
    const live = connect();
    const sub = live.subscribe(COMPANIES_CHANGED);
    await subscribed(1);
    const created = await gql(`mutation { createCompany(input: { name: "Live Co", ceo: "Ada" }) { id } }`);
    const id = created.createCompany.id as string;
    await sub.until((e) => e.length >= 1);
    expect(sub.events[0]).toEqual({ companiesChanged: { kind: "CREATED", id, company: { name: "Live Co", ceo: "Ada", finances: [] } } });

    await gql(`mutation($id: ID!) { upsertFinances(companyId: $id, finances: [{ year: 2024, q1Earnings: 1.5, q2Earnings: 2 }]) { id } }`, { id });
    await sub.until((e) => e.length >= 2);
    expect(sub.events[1].companiesChanged).toEqual({ kind: "UPDATED", id, company: { name: "Live Co", ceo: "Ada", finances: [{ year: 2024, totalEarnings: 3.5 }] } });

    await gql(`mutation($id: ID!) { deleteCompany(id: $id) }`, { id });
    await sub.until((e) => e.length >= 3);
    expect(sub.events[2]).toEqual({ companiesChanged: { kind: "DELETED", id, company: null } });
    // The finances deleted by the cascade add nothing: one more change shows the stream is past it.
    await gql(`mutation { createCompany(input: { name: "Live Co 2" }) { id } }`);
    await sub.until((e) => e.length >= 4);
    expect(sub.events[3].companiesChanged.kind).toBe("CREATED");
  });

  test("filesRegistered: one event per batch and run directory, created and updated counted together, filtered by host and runDir", async () => {
    const live = connect();
    const mine = live.subscribe(FILES_REGISTERED, { host: "live-host", runDir: "/runs/f1" });
    const anyHost = live.subscribe(FILES_REGISTERED);
    await subscribed(2);
    const file = (host: string, runDir: string, name: string, size = 10) => ({ host, runDir, fullName: `${runDir}/${name}`, fileSize: size });
    const register = (files: unknown[]) => gql(`mutation($files: [FileInput!]!) { registerFiles(files: $files) { created updated } }`, { files });
    await register([file("live-host", "/runs/f1", "a.xml"), file("live-host", "/runs/f1", "b.xml"), file("other-host", "/runs/f1", "c.xml")]);
    await register([file("live-host", "/runs/f1", "a.xml", 20), file("live-host", "/runs/f1", "d.xml")]);
    await mine.until((e) => e.length >= 2);
    expect(mine.events.map((e) => [e.filesRegistered.created, e.filesRegistered.updated])).toEqual([
      [2, 0],
      [1, 1],
    ]);
    await anyHost.until((e) => e.length >= 3);
    expect(anyHost.events.map((e) => e.filesRegistered.host).sort()).toEqual(["live-host", "live-host", "other-host"]);
  });

  test("SQL statements per change do not grow with the number of subscribers", async () => {
    const measure = async (subscribers: number, name: string) => {
      const live = connect();
      const subs = Array.from({ length: subscribers }, () => live.subscribe(COMPANIES_CHANGED));
      await subscribed(subscribers);
      const before = server.app.live.stats().statements;
      await gql(`mutation($name: String!) { createCompany(input: { name: $name, finances: [{ year: 2020, q1Earnings: 1 }] }) { id } }`, { name });
      await Promise.all(subs.map((s) => s.until((e) => e.length >= 2)));
      const spent = server.app.live.stats().statements - before;
      await live.dispose();
      await subscribed(0);
      return spent;
    };
    const one = await measure(1, "Count One");
    const many = await measure(40, "Count Forty");
    expect(many).toBe(one);
    // CREATED and the finances' UPDATED: a company load and a finances load each.
    expect(one).toBeLessThanOrEqual(4);
  });
});

describe("authentication", () => {
  test("no key, a malformed or an unknown key: closed with 4401", async () => {
    for (const payload of [undefined, {}, { authorization: "nonsense" }, { authorization: "Bearer dq_unknown-key-0000000000" }]) {
      const raw = rawSocket(server.url, payload);
      const closed = await raw.closed;
      expect(closed.code).toBe(4401);
    }
  });

  test("a key revoked while its socket is open closes that socket within a second; other sockets stay", async () => {
    const created = await gql(`mutation { createApiKey(name: "live-revoke") { token apiKey { id } } }`, undefined, "READER");
    const doomed = liveClient(server.url, created.createApiKey.token);
    clients.push(doomed);
    const other = connect();
    doomed.subscribe(COMPANIES_CHANGED);
    other.subscribe(COMPANIES_CHANGED);
    await subscribed(2);
    const revokedAt = Date.now();
    await gql(`mutation($id: ID!) { revokeApiKey(id: $id) }`, { id: created.createApiKey.apiKey.id }, "READER");
    await doomed.waitFor("the revoked key's socket to close", () => doomed.closes.length > 0, 5_000);
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
    expect(doomed.closes[0].code).toBe(4401);
    expect(other.closes).toEqual([]);
    expect(server.app.live.stats().subscriptions).toBe(1);
  });
});

describe("limits and errors", () => {
  test("subscription documents pass the same parsing, validation and depth limits as queries", async () => {
    const live = connect();
    const codeOf = async (query: string, variables?: Record<string, unknown>) => {
      const sub = live.subscribe(query, variables);
      await sub.ended();
      return sub.errors.map((e) => e.extensions?.code);
    };
    expect(await codeOf(`subscription { companiesChanged { `)).toEqual(["GRAPHQL_PARSE_FAILED"]);
    expect(await codeOf(`subscription { companiesChanged { nope } }`)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    const deep = `subscription { companiesChanged { company { finances { company { finances { company { finances { company { finances { company { finances { company { name } } } } } } } } } } } } }`;
    expect(await codeOf(deep)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(await codeOf(`{ me { username } }`)).toEqual(["BAD_USER_INPUT"]);
    expect(await codeOf(ITEM_CHANGED, { id: "x" })).toEqual(["BAD_USER_INPUT"]);
    expect(live.closes).toEqual([]);
  });

  test("a subscription sent over HTTP gets BAD_USER_INPUT naming the WebSocket", async () => {
    const response = await server.raw(COMPANIES_CHANGED);
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(response.body.errors?.[0].message).toMatch(/WebSocket/);
  });

  test("at most 100 subscriptions per connection: the 101st gets BAD_USER_INPUT, the others keep working", async () => {
    const live = connect();
    const subs = Array.from({ length: 100 }, () => live.subscribe(COMPANIES_CHANGED));
    await subscribed(100);
    const extra = live.subscribe(COMPANIES_CHANGED);
    await extra.ended();
    expect(extra.errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "TOO_MANY_SUBSCRIPTIONS" });
    await gql(`mutation { createCompany(input: { name: "Hundred" }) { id } }`);
    await Promise.all(subs.map((s) => s.until((e) => e.length >= 1)));
  });

  test("MAX_SUBSCRIPTIONS per server: past it, SERVICE_UNAVAILABLE", async () => {
    const small = await startTestServer({ MAX_SUBSCRIPTIONS: "2" });
    try {
      const live = liveClient(small.url, small.tokens.READER);
      clients.push(live);
      live.subscribe(COMPANIES_CHANGED);
      live.subscribe(COMPANIES_CHANGED);
      await until("2 subscriptions", () => small.app.live.stats().subscriptions === 2);
      const third = live.subscribe(COMPANIES_CHANGED);
      await third.ended();
      expect(third.errors[0].extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", reason: "TOO_MANY_SUBSCRIPTIONS" });
      await live.dispose();
    } finally {
      await small.stop();
    }
  });
});

describe("bounded resources", () => {
  test("the LISTEN connection killed: clients closed with 1012, they reconnect, and events flow again", async () => {
    const live = connect("READER", { retryAttempts: 20 });
    const sub = live.subscribe(QUEUE_CHANGED, { filter: { owner: "after-restart" } });
    await subscribed(1);
    const pid = server.app.listener.pid;
    expect(pid).toBeDefined();
    await pg.query("SELECT pg_terminate_backend($1)", [pid]);
    await live.waitFor("a close with 1012", () => live.closes.some((c) => c.code === 1012));
    await live.waitFor("the client to reconnect", () => live.connected() >= 2 && server.app.live.stats().subscriptions === 1);
    await enqueue([{ runDir: "/runs/after-restart", owner: "after-restart" }]);
    await sub.until((e) => e.length >= 1);
    expect(server.app.listener.pid).not.toBe(pid);
  });

  test("a slow consumer (one that stops reading) is closed instead of buffered without bound", async () => {
    // 60 subscriptions with finances on a socket whose reading is paused.
    const socket = new WebSocket(wsUrl(server.url), "graphql-transport-ws");
    await new Promise((resolve) => socket.once("open", resolve));
    let acked = false;
    socket.on("message", (data) => {
      if (JSON.parse(String(data)).type === "connection_ack") acked = true;
    });
    const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
    socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${server.tokens.READER}` } }));
    await until("connection_ack", () => acked);
    for (let i = 0; i < 60; i += 1) socket.send(JSON.stringify({ id: `s${i}`, type: "subscribe", payload: { query: COMPANIES_CHANGED } }));
    await subscribed(60);
    // A well-behaved client on the same server keeps receiving.
    const healthy = connect();
    const fine = healthy.subscribe(`subscription { companiesChanged { id } }`);
    await subscribed(61);
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();

    const long = "x".repeat(190);
    const { rows } = await pg.query(`INSERT INTO company (name, ceo, business_type) SELECT 'Slow ' || g, $1, $1 FROM generate_series(1, 50) g RETURNING id`, [long]);
    const ids = rows.map((r: { id: number }) => r.id);
    // One update of the 50 companies at a time (60 events of ~1 kB each per company), until the server gives up on the reader.
    let round = 0;
    let updating: Promise<unknown> = Promise.resolve();
    let busy = false;
    await until(
      "the slow consumer to be closed",
      () => {
        if (server.app.live.stats().slowConsumersClosed > 0) return true;
        if (!busy && round < 400) {
          round += 1;
          busy = true;
          updating = pg.query(`UPDATE company SET ceo = $2 WHERE id = ANY($1::int[])`, [ids, `${long}${round}`]).finally(() => (busy = false));
        }
        return false;
      },
      45_000,
    );
    await updating;
    await subscribed(1);
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const code = await closed;
    expect([1013, 1006]).toContain(code);
    await fine.until((e) => e.length >= 50);
    expect(healthy.closes).toEqual([]);
  });
});
