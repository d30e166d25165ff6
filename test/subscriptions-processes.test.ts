/**
 * Live updates across real processes: two `dashql serve` on one database, a
 * `dashql work --once` finishing a run, and SIGTERM on a server with live
 * connections.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { liveClient, type LiveClient } from "./support/live";
import { runCli } from "./support/paths";
import { ADMIN_TOKEN, graphql, startServerProcess, stopAllProcesses, type ServerProcess } from "./support/processes";

let db: TestDatabase;
let servers: ServerProcess[];
let tmp: string;
const clients: LiveClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  tmp = mkdtempSync(path.join(os.tmpdir(), "dashql-live-"));
  servers = await Promise.all([startServerProcess(db.url), startServerProcess(db.url)]);
}, 90_000);

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});

afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.stop()));
  await stopAllProcesses();
  await db?.drop();
  rmSync(tmp, { recursive: true, force: true });
});

function connect(url: string, options: { retryAttempts?: number } = {}): LiveClient {
  const client = liveClient(url, ADMIN_TOKEN, options);
  clients.push(client);
  return client;
}

const ITEM_CHANGED = `subscription($id: ID!) { queueItemChanged(id: $id) { kind id item { status summary { tests failures errors skipped } files { fileName } } } }`;

async function enqueue(url: string, runDir: string, host = "live-worker"): Promise<string> {
  const reply = await graphql<{ enqueueRuns: { id: string }[] }, unknown>(url, `mutation($runs: [EnqueueRunInput!]!) { enqueueRuns(runs: $runs) { id } }`, {
    runs: [{ runDir, owner: "live", host }],
  });
  if (!reply.body.data) throw new Error(JSON.stringify(reply.body));
  return reply.body.data.enqueueRuns[0].id;
}

test("an event made on one server reaches the subscribers of the other", async () => {
  const [a, b] = servers;
  const onB = connect(b.url);
  const companies = onB.subscribe(`subscription { companiesChanged { kind company { name } } }`);
  const onA = connect(a.url);
  const alsoA = onA.subscribe(`subscription { companiesChanged { kind company { name } } }`);
  // A subscription is in place once the server acknowledged it; a probe change shows both are.
  await graphql(a.url, `mutation { createCompany(input: { name: "Probe" }) { id } }`);
  await companies.until((e) => e.length >= 1);
  await alsoA.until((e) => e.length >= 1);
  await graphql(a.url, `mutation { createCompany(input: { name: "Made on A" }) { id } }`);
  await companies.until((e) => e.some((x) => x.companiesChanged.company?.name === "Made on A"));
  await alsoA.until((e) => e.some((x) => x.companiesChanged.company?.name === "Made on A"));
  expect(companies.events.map((e) => e.companiesChanged.company.name)).toEqual(["Probe", "Made on A"]);
});

test("dashql work --once in another process finishes a run; a subscriber sees it RUNNING, then SUCCEEDED with its summary", async () => {
  const [a, b] = servers;
  const runDir = path.join(tmp, "run-1");
  mkdirSync(runDir, { recursive: true });
  writeFileSync(
    path.join(runDir, "results.xml"),
    `<testsuite name="ok" tests="3" failures="1" errors="0" skipped="1" time="0.5"><testcase name="a"/><testcase name="b"><failure/></testcase><testcase name="c"><skipped/></testcase></testsuite>`,
  );
  const id = await enqueue(a.url, runDir);
  const live = connect(b.url);
  const item = live.subscribe(ITEM_CHANGED, { id });
  const files = live.subscribe(`subscription($runDir: String) { filesRegistered(runDir: $runDir) { host runDir created updated } }`, { runDir });
  // Wait until B holds both subscriptions: a no-op change to the item would be invisible, so ask the server.
  await waitForSubscriptions(b);

  const worked = await runCli(["--database-url", db.url, "work", "--once", "--host", "live-worker"]);
  expect(worked.code).toBe(0);
  const events = await item.until((e) => e.some((x) => x.queueItemChanged.item?.status === "SUCCEEDED"), 20_000);
  const statuses = events.map((e) => e.queueItemChanged.item.status);
  expect(statuses[0]).toBe("RUNNING");
  expect(statuses.at(-1)).toBe("SUCCEEDED");
  const done = events.at(-1)!.queueItemChanged;
  expect(done).toMatchObject({ kind: "UPDATED", id, item: { summary: { tests: 3, failures: 1, errors: 0, skipped: 1 } } });
  await files.until((e) => e.length >= 1);
  expect(files.events[0].filesRegistered).toMatchObject({ runDir, created: 1, updated: 0 });
});

/**
 * Resolves once `server` serves subscriptions sent before this call: graphql-transport-ws has no
 * "subscribed" acknowledgement, so a probe subscription (sent after them) is fed harmless changes
 * until it sees one.
 */
async function waitForSubscriptions(server: ServerProcess): Promise<void> {
  const probe = connect(server.url);
  const sub = probe.subscribe(`subscription { companiesChanged { id } }`);
  let n = 0;
  let writing: Promise<unknown> = Promise.resolve();
  await probe.waitFor(
    "a probe change to arrive",
    () => {
      if (sub.events.length > 0) return true;
      n += 1;
      if (n % 25 === 1) writing = writing.then(() => graphql(server.url, `mutation { createCompany(input: { name: "probe-${server.pid}-${n}" }) { id } }`));
      return false;
    },
    30_000,
  );
  await writing;
  sub.unsubscribe();
}

test("SIGTERM: events committed before it are delivered, then sockets close with 1001 and the process exits 0", async () => {
  const extra = await startServerProcess(db.url);
  try {
    const live = connect(extra.url);
    const sub = live.subscribe(`subscription { queueChanged(filter: { owner: "live" }) { kind id } }`);
    await waitForSubscriptions(extra);
    const id = await enqueue(servers[0].url, path.join(tmp, "before-sigterm"));
    extra.child.kill("SIGTERM");
    const exit = await extra.exited;
    expect(exit.code).toBe(0);
    await live.waitFor("the close", () => live.closes.length > 0);
    expect(live.closes[0].code).toBe(1001);
    expect(sub.events.map((e) => e.queueChanged.id)).toContain(id);
  } finally {
    await extra.stop();
  }
});
