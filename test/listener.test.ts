/**
 * A server process's one LISTEN connection (NotificationHub): key revocations,
 * user changes and row changes for live updates all arrive on it, so a server
 * costs its pool plus one connection, also after the connection was lost.
 */
import { Client } from "pg";
import { LISTENER_APPLICATION_NAME } from "../src/db/notification-hub";
import { KEY_REVOKED_CHANNEL, USER_CHANGED_CHANNEL } from "../src/domain/api-key/revocations";
import { CHANGES_CHANNEL } from "../src/domain/events/change-feed";
import { until } from "./support/live";
import { useTestServer } from "./support/server";

const server = useTestServer();
let pg: Client;

beforeAll(async () => {
  pg = new Client({ connectionString: server.db.url, application_name: "listener-test" });
  // The database is dropped WITH (FORCE) when the server stops, which may come first.
  pg.on("error", () => undefined);
  await pg.connect();
});
afterAll(async () => {
  await pg?.end();
});

/** The backends in the server's database by application_name, as an operator would count them (this test's own left out). */
async function backends(): Promise<Record<string, number[]>> {
  const { rows } = await pg.query<{ name: string; pids: number[] }>(
    `SELECT application_name AS name, array_agg(pid ORDER BY pid) AS pids FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY application_name`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.pids]));
}

/** Every connection that is not the pool's: there must be exactly one, the listener. */
async function expectOneListener(): Promise<number> {
  const byName = await backends();
  const { "dashql-server": _pool, ...others } = byName;
  expect(others).toEqual({ [LISTENER_APPLICATION_NAME]: [server.app.listener.pid] });
  return server.app.listener.pid!;
}

test("a server process holds exactly one LISTEN connection, for every channel", async () => {
  expect(server.app.listener.listening).toBe(true);
  expect(server.app.listener.channels).toEqual([CHANGES_CHANNEL, KEY_REVOKED_CHANNEL, USER_CHANGED_CHANNEL].sort());
  await expectOneListener();
});

test("killed with pg_terminate_backend, it comes back as exactly one connection that carries every channel", async () => {
  const before = await expectOneListener();
  const states: boolean[] = [];
  const offListening = server.app.listener.onListening((up) => states.push(up));
  const heard: Record<string, string[]> = {};
  const offChannels = [CHANGES_CHANNEL, KEY_REVOKED_CHANNEL, USER_CHANGED_CHANNEL].map((channel) =>
    server.app.listener.on(channel, (payload) => (heard[channel] ??= []).push(payload)),
  );
  try {
    await pg.query("SELECT pg_terminate_backend($1)", [before]);
    await until("the listener to reconnect", () => server.app.listener.listening && server.app.listener.pid !== before);
    // One loss, one return: every owner (key cache, live updates) was told both on the same connection.
    expect(states).toEqual([false, true]);
    const after = await expectOneListener();
    expect(after).not.toBe(before);
    // No second connection turns up late (a reconnect racing another).
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await expectOneListener()).toBe(after);

    // The new connection LISTENs on all three channels: a row change (a trigger), a revocation, a user change.
    const enqueued = await server.raw(`mutation { enqueueRuns(runs: [{ runDir: "/runs/listener", owner: "listener" }]) { id } }`, {}, { role: "ADMIN" });
    expect(enqueued.body.errors).toBeUndefined();
    await pg.query("SELECT pg_notify($1, '0'), pg_notify($2, '0')", [KEY_REVOKED_CHANNEL, USER_CHANGED_CHANNEL]);
    await until("a notification on every channel", () => Object.keys(heard).length === 3);
    expect(JSON.parse(heard[CHANGES_CHANNEL][0])).toMatchObject({ e: "queue", k: "CREATED" });
    expect([heard[KEY_REVOKED_CHANNEL], heard[USER_CHANGED_CHANNEL]]).toEqual([["0"], ["0"]]);
  } finally {
    offListening();
    offChannels.forEach((off) => off());
  }
});
