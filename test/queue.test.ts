import { registerFiles } from "../src/domain/file/file.service";
import {
  CancelQueueItemDocument,
  EnqueueRunsDocument,
  FilesWithQueueItemDocument,
  PurgeQueueDocument,
  QueueDocument,
  QueueItemDocument,
  QueueWithFilesDocument,
  type EnqueueRunInput,
  type QueueFilter,
  type QueueQuery,
} from "./generated/graphql";
import { errorCodes, useTestServer, type GraphQLResponse } from "./support/server";

const t = useTestServer();

const HOUR = 3600_000;
const sql = (text: string, params: unknown[] = []) => t.app.database.dataSource.query(text, params);
const count = async (text: string, params: unknown[] = []) => Number((await sql(text, params))[0].n);

async function enqueue(runs: EnqueueRunInput[]) {
  const res = await t.request(EnqueueRunsDocument, { runs }, { role: "WRITER" });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.enqueueRuns;
}

describe("enqueueRuns", () => {
  it("applies the defaults: runTag Development, userTag empty, timeToLive 24 hours ahead, QUEUED", async () => {
    const before = Date.now();
    const [item] = await enqueue([{ runDir: "/runs/defaults", owner: "alice" }]);
    const after = Date.now();
    expect(item).toMatchObject({
      runDir: "/runs/defaults",
      owner: "alice",
      site: null,
      host: null,
      runTag: "Development",
      userTag: "",
      status: "QUEUED",
      attempts: 0,
      startedAt: null,
      finishedAt: null,
      lastError: null,
      summary: null,
    });
    const ttl = Date.parse(item.timeToLive);
    expect(ttl).toBeGreaterThanOrEqual(before + 24 * HOUR - 1000);
    expect(ttl).toBeLessThanOrEqual(after + 24 * HOUR + 1000);
  });

  it("keeps given site, host, tags and timeToLive", async () => {
    const timeToLive = new Date(Date.now() + 2 * HOUR).toISOString();
    const [item] = await enqueue([
      { runDir: "/runs/explicit", owner: "bob", site: "lab-1", host: "ci-7", runTag: "Nightly", userTag: "perf", timeToLive },
    ]);
    expect(item).toMatchObject({ site: "lab-1", host: "ci-7", runTag: "Nightly", userTag: "perf", timeToLive });
  });

  it("returns the existing item for a run that is already QUEUED or RUNNING (host null equals \"\")", async () => {
    const [first] = await enqueue([{ runDir: "/runs/cron", owner: "cron" }]);
    const [again] = await enqueue([{ runDir: "/runs/cron", owner: "someone else", host: "" }]);
    expect(again.id).toBe(first.id);
    expect(again.owner).toBe("cron");
    await sql(`UPDATE queue_item SET status = 'RUNNING' WHERE id = $1`, [Number(first.id)]);
    const [whileRunning] = await enqueue([{ runDir: "/runs/cron", owner: "cron" }]);
    expect(whileRunning).toMatchObject({ id: first.id, status: "RUNNING" });
    const [otherHost] = await enqueue([{ runDir: "/runs/cron", owner: "cron", host: "elsewhere" }]);
    expect(otherHost.id).not.toBe(first.id);
    // Once finished, the same run can be queued again as a new item.
    await sql(`UPDATE queue_item SET status = 'SUCCEEDED' WHERE id = $1`, [Number(first.id)]);
    const [rerun] = await enqueue([{ runDir: "/runs/cron", owner: "cron" }]);
    expect(rerun.id).not.toBe(first.id);
    expect(rerun.status).toBe("QUEUED");
    expect(await count(`SELECT count(*) AS n FROM queue_item WHERE run_dir = '/runs/cron'`)).toBe(3);
  });

  it("returns items in input order, sharing one item for a run repeated in the call", async () => {
    const [existing] = await enqueue([{ runDir: "/runs/order/b", owner: "o" }]);
    const items = await enqueue([
      { runDir: "/runs/order/c", owner: "o" },
      { runDir: "/runs/order/b", owner: "o" },
      { runDir: "/runs/order/a", owner: "o" },
      { runDir: "/runs/order/c", owner: "o" },
    ]);
    expect(items.map((i) => i.runDir)).toEqual(["/runs/order/c", "/runs/order/b", "/runs/order/a", "/runs/order/c"]);
    expect(items[1].id).toBe(existing.id);
    expect(items[3].id).toBe(items[0].id);
    expect(await count(`SELECT count(*) AS n FROM queue_item WHERE run_dir LIKE '/runs/order/%'`)).toBe(3);
  });

  it("creates one row per run when 10 identical 20-run enqueues race (half in reverse order)", async () => {
    const runs = Array.from({ length: 20 }, (_, i) => ({ runDir: `/runs/race/${i}`, owner: "racer", host: "h1" }));
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, k) => t.request(EnqueueRunsDocument, { runs: k % 2 ? [...runs].reverse() : runs })),
    );
    for (const r of results) expect(r.body.errors).toBeUndefined();
    const idsByDir = new Map<string, Set<string>>();
    for (const r of results) {
      for (const item of r.body.data!.enqueueRuns) idsByDir.set(item.runDir, (idsByDir.get(item.runDir) ?? new Set()).add(item.id));
    }
    expect(idsByDir.size).toBe(20);
    expect([...idsByDir.values()].every((s) => s.size === 1)).toBe(true);
    expect(await count(`SELECT count(*) AS n FROM queue_item WHERE run_dir LIKE '/runs/race/%'`)).toBe(20);
  });

  it.each([
    ["an empty runDir", { runDir: "" }, "runs[1].runDir"],
    ["a blank owner", { owner: "   " }, "runs[1].owner"],
    ["a 256-character owner", { owner: "o".repeat(256) }, "runs[1].owner"],
    ["a 256-character runTag", { runTag: "t".repeat(256) }, "runs[1].runTag"],
    ["a timeToLive in the past", { timeToLive: new Date(Date.now() - HOUR).toISOString() }, "runs[1].timeToLive"],
  ])("refuses %s with BAD_USER_INPUT naming the field, and enqueues nothing of the call", async (_label, bad, field) => {
    const res = await t.request(EnqueueRunsDocument, {
      runs: [
        { runDir: "/runs/invalid/ok", owner: "v" },
        { runDir: "/runs/invalid/bad", owner: "v", ...bad },
      ],
    });
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
    expect(res.body.errors![0].extensions!.field).toBe(field);
    expect(await count(`SELECT count(*) AS n FROM queue_item WHERE run_dir LIKE '/runs/invalid/%'`)).toBe(0);
  });

  it("refuses READER keys with FORBIDDEN and requests without a key with UNAUTHENTICATED", async () => {
    const runs = [{ runDir: "/runs/roles", owner: "r" }];
    expect(errorCodes(await t.request(EnqueueRunsDocument, { runs }, { role: "READER" }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await t.request(EnqueueRunsDocument, { runs }, { token: null }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await t.request(CancelQueueItemDocument, { id: "1" }, { role: "READER" }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await t.request(PurgeQueueDocument, { timeToLiveAfter: new Date().toISOString() }, { role: "READER" }))).toEqual([
      "FORBIDDEN",
    ]);
    expect(errorCodes(await t.request(QueueDocument, {}, { token: null }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await t.request(QueueItemDocument, { id: "1" }, { token: null }))).toEqual(["UNAUTHENTICATED"]);
    expect(await count(`SELECT count(*) AS n FROM queue_item WHERE run_dir = '/runs/roles'`)).toBe(0);
  });
});

describe("cancelQueueItem", () => {
  it("cancels a QUEUED item and stamps finishedAt", async () => {
    const [item] = await enqueue([{ runDir: "/runs/cancel/me", owner: "c" }]);
    const res = await t.request(CancelQueueItemDocument, { id: item.id });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.cancelQueueItem).toMatchObject({ id: item.id, status: "CANCELLED" });
    expect(res.body.data!.cancelQueueItem.finishedAt).not.toBeNull();
    const read = await t.request(QueueItemDocument, { id: item.id }, { role: "READER" });
    expect(read.body.data!.queueItem!.status).toBe("CANCELLED");
  });

  it.each(["RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"])("refuses a %s item with BAD_USER_INPUT naming the status", async (status) => {
    const [item] = await enqueue([{ runDir: `/runs/cancel/${status}`, owner: "c" }]);
    await sql(`UPDATE queue_item SET status = $2 WHERE id = $1`, [Number(item.id), status]);
    const res = await t.request(CancelQueueItemDocument, { id: item.id });
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
    expect(res.body.errors![0].message).toContain(status);
    expect((await sql(`SELECT status FROM queue_item WHERE id = $1`, [Number(item.id)]))[0].status).toBe(status);
  });

  it("answers NOT_FOUND for an unknown id and BAD_USER_INPUT for a malformed one", async () => {
    expect(errorCodes(await t.request(CancelQueueItemDocument, { id: "987654" }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await t.request(CancelQueueItemDocument, { id: "x1" }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("lets exactly one of 5 concurrent cancels succeed", async () => {
    const [item] = await enqueue([{ runDir: "/runs/cancel/race", owner: "c" }]);
    const results = await Promise.all(Array.from({ length: 5 }, () => t.request(CancelQueueItemDocument, { id: item.id })));
    const codes = results.map((r) => errorCodes(r)[0] ?? "OK").sort();
    expect(codes).toEqual(["BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "OK"]);
  });
});

describe("purgeQueue", () => {
  it("deletes only QUEUED items whose timeToLive is later than the given time, and returns the count", async () => {
    const at = (days: number) => new Date(Date.now() + days * 24 * HOUR).toISOString();
    const items = await enqueue([
      { runDir: "/runs/purge/queued-late-1", owner: "p", timeToLive: at(60) },
      { runDir: "/runs/purge/queued-late-2", owner: "p", timeToLive: at(90) },
      { runDir: "/runs/purge/queued-early", owner: "p", timeToLive: at(10) },
      { runDir: "/runs/purge/running-late", owner: "p", timeToLive: at(60) },
      { runDir: "/runs/purge/failed-late", owner: "p", timeToLive: at(60) },
    ]);
    await sql(`UPDATE queue_item SET status = 'RUNNING' WHERE id = $1`, [Number(items[3].id)]);
    await sql(`UPDATE queue_item SET status = 'FAILED' WHERE id = $1`, [Number(items[4].id)]);
    // A purged item's files stay tracked, detached from it.
    await registerFiles(t.app.database.dataSource.manager, [{ host: "purge", runDir: "/runs/purge/queued-late-1", fullName: "/runs/purge/a.xml", fileSize: 1 }], {
      queueItemId: Number(items[0].id),
    });

    const res = await t.request(PurgeQueueDocument, { timeToLiveAfter: at(30) });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.purgeQueue).toBe(2);
    const left: { run_dir: string }[] = await sql(`SELECT run_dir FROM queue_item WHERE run_dir LIKE '/runs/purge/%' ORDER BY run_dir`);
    expect(left.map((r) => r.run_dir)).toEqual(["/runs/purge/failed-late", "/runs/purge/queued-early", "/runs/purge/running-late"]);
    const files = await t.request(FilesWithQueueItemDocument, { filter: { host: "purge" } });
    expect(files.body.data!.files.nodes).toEqual([expect.objectContaining({ fullName: "/runs/purge/a.xml", queueItem: null })]);

    const again = await t.request(PurgeQueueDocument, { timeToLiveAfter: at(30) });
    expect(again.body.data!.purgeQueue).toBe(0);
  });

  it("refuses a timeToLiveAfter that is not a date-time", async () => {
    expect(errorCodes(await t.request(PurgeQueueDocument, { timeToLiveAfter: "yesterday" }))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("queue and queueItem", () => {
  let ids: string[];
  beforeAll(async () => {
    const runs: EnqueueRunInput[] = Array.from({ length: 30 }, (_, i) => ({
      runDir: `/runs/list/${String(i).padStart(2, "0")}`,
      owner: i % 3 === 0 ? "list-carol" : "list-dave",
      runTag: i % 2 === 0 ? "ListEven" : "ListOdd",
      host: i < 10 ? "list-host" : null,
    }));
    // One call per run, so ids ascend with i.
    ids = [];
    for (const run of runs) ids.push((await enqueue([run]))[0].id);
    await sql(`UPDATE queue_item SET status = 'SUCCEEDED' WHERE id = ANY($1::int[])`, [ids.slice(0, 5).map(Number)]);
  });

  const list = async (filter: QueueFilter, first = 500) => {
    const res = await t.request(QueueDocument, { first, filter }, { role: "READER" });
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.queue;
  };

  it("lists newest first and filters by status, owner, runTag and host", async () => {
    const carol = await list({ owner: "list-carol" });
    expect(carol.nodes.map((n) => n.id)).toEqual(ids.filter((_, i) => i % 3 === 0).reverse());
    expect(carol.totalCount).toBe(10);
    const evenCarol = await list({ owner: "list-carol", runTag: "ListEven" });
    expect(evenCarol.nodes.map((n) => n.runDir)).toEqual(["/runs/list/24", "/runs/list/18", "/runs/list/12", "/runs/list/06", "/runs/list/00"]);
    const hostSucceeded = await list({ host: "list-host", status: "SUCCEEDED" });
    expect(hostSucceeded.nodes.map((n) => n.id)).toEqual(ids.slice(0, 5).reverse());
    const hostQueued = await list({ host: "list-host", status: "QUEUED" });
    expect(hostQueued.nodes.map((n) => n.id)).toEqual(ids.slice(5, 10).reverse());
  });

  it("visits every item of a filter exactly once across pages of 4", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res: GraphQLResponse<QueueQuery> = await t.request(QueueDocument, { first: 4, after, filter: { owner: "list-dave" } });
      expect(res.body.errors).toBeUndefined();
      seen.push(...res.body.data!.queue.nodes.map((n) => n.id));
      if (!res.body.data!.queue.pageInfo.hasNextPage) break;
      after = res.body.data!.queue.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids.filter((_, i) => i % 3 !== 0).reverse());
  });

  it.each([0, 501])("refuses first: %i with BAD_USER_INPUT", async (first) => {
    expect(errorCodes(await t.request(QueueDocument, { first }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("refuses a cursor not issued by this list", async () => {
    expect(errorCodes(await t.request(QueueDocument, { after: "bm90LWEtY3Vyc29y" }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("returns one item by id with its summary, null for an unknown id, BAD_USER_INPUT for a malformed id", async () => {
    const summary = { tests: 12, failures: 2, errors: 1, skipped: 3, durationSeconds: 4.25 };
    await sql(`UPDATE queue_item SET summary = $2::jsonb WHERE id = $1`, [Number(ids[0]), JSON.stringify(summary)]);
    const found = await t.request(QueueItemDocument, { id: ids[0] }, { role: "READER" });
    expect(found.body.data!.queueItem).toMatchObject({ id: ids[0], runDir: "/runs/list/00", status: "SUCCEEDED", summary });
    const missing = await t.request(QueueItemDocument, { id: "987654" }, { role: "READER" });
    expect(missing.body.errors).toBeUndefined();
    expect(missing.body.data!.queueItem).toBeNull();
    expect(errorCodes(await t.request(QueueItemDocument, { id: "-3" }))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("QueueItem.files", () => {
  let items: { id: string }[];
  beforeAll(async () => {
    const em = t.app.database.dataSource.manager;
    items = await enqueue(Array.from({ length: 50 }, (_, i) => ({ runDir: `/runs/files/${i}`, owner: "files" })));
    for (const [i, item] of items.entries()) {
      await registerFiles(
        em,
        [0, 1, 2].map((k) => ({ host: "ci", runDir: `/runs/files/${i}`, fullName: `/runs/files/${i}/TEST-${k}.xml`, fileSize: k })),
        { queueItemId: Number(item.id) },
      );
    }
    await sql(`UPDATE queue_item SET summary = jsonb_build_object('tests', id, 'failures', 0, 'errors', 0, 'skipped', 0, 'durationSeconds', 1.5)
               WHERE run_dir LIKE '/runs/files/%'`);
  });

  it("returns each item's files newest first, at most `first` per item", async () => {
    const all = await t.request(QueueWithFilesDocument, { first: 50 });
    expect(all.body.errors).toBeUndefined();
    const nodes = all.body.data!.queue.nodes;
    expect(nodes).toHaveLength(50);
    for (const node of nodes) {
      const i = items.findIndex((it) => it.id === node.id);
      expect(node.summary).toEqual({ tests: Number(node.id) });
      expect(node.files.map((f) => f.fullName)).toEqual([2, 1, 0].map((k) => `/runs/files/${i}/TEST-${k}.xml`));
      expect(node.files.every((f) => f.queueItem?.id === node.id)).toBe(true);
    }
    const two = await t.request(QueueWithFilesDocument, { first: 50, filesFirst: 2 });
    expect(two.body.data!.queue.nodes.every((n) => n.files.length === 2 && n.files[0].fullName.endsWith("TEST-2.xml"))).toBe(true);
    expect(errorCodes(await t.request(QueueWithFilesDocument, { first: 1, filesFirst: 501 }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("costs the same number of SQL statements for 50 items with files as for 1", async () => {
    // The API-key lookup is cached for 1 s; warming right before each request keeps a
    // slow, loaded machine from adding a lookup statement to one of them.
    const warm = () => t.request(QueueWithFilesDocument, { first: 1 });
    await warm();
    const one = await t.request(QueueWithFilesDocument, { first: 1 });
    await warm();
    const fifty = await t.request(QueueWithFilesDocument, { first: 50 });
    expect(fifty.body.errors).toBeUndefined();
    expect(fifty.body.data!.queue.nodes.flatMap((n) => n.files)).toHaveLength(150);
    // page + batched files (window function) + batched TrackedFile.queueItem; no COUNT; auth cached.
    expect(one.statements).toBe(3);
    expect(fifty.statements).toBe(one.statements);
  });
});
