import { registerFiles as registerFilesDirectly } from "../src/domain/file/file.service";
import { enqueueRuns } from "../src/domain/queue/queue.service";
import {
  FilesDocument,
  FilesPageDocument,
  FilesWithQueueItemDocument,
  QueueDocument,
  RegisterFilesDocument,
  type FileFilter,
  type FileInput,
  type FilesPageQuery,
} from "./generated/graphql";
import { errorCodes, useTestServer, type GraphQLResponse } from "./support/server";

const t = useTestServer();

const count = async (sql: string, params: unknown[] = []) =>
  Number((await t.app.database.dataSource.query(sql, params))[0].n);

const file = (host: string, fullName: string, fileSize = 1, runDir = "/runs/r1"): FileInput => ({ host, runDir, fullName, fileSize });

async function register(files: FileInput[]) {
  const res = await t.request(RegisterFilesDocument, { files }, { role: "WRITER" });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.registerFiles;
}

async function filesOf(host: string) {
  const res = await t.request(FilesDocument, { first: 500, filter: { host } }, { role: "READER" });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.files.nodes;
}

describe("registerFiles", () => {
  it("creates rows with parts derived from fullName, then counts a re-sent file as updated", async () => {
    const first = await register([
      file("derive", "/runs/r1/TEST-Suite.XML", 10),
      file("derive", "/runs/r1/Makefile", 20),
      file("derive", "/home/ci/.bashrc", 30),
      file("derive", "/runs/r1/logs.tar.gz", 40),
    ]);
    expect(first).toEqual({ created: 4, updated: 0 });
    const byName = Object.fromEntries((await filesOf("derive")).map((f) => [f.fullName, f]));
    expect(byName["/runs/r1/TEST-Suite.XML"]).toMatchObject({ filePath: "/runs/r1", fileName: "TEST-Suite.XML", fileType: "xml", fileSize: 10 });
    expect(byName["/runs/r1/Makefile"]).toMatchObject({ fileName: "Makefile", fileType: "" });
    expect(byName["/home/ci/.bashrc"]).toMatchObject({ filePath: "/home/ci", fileName: ".bashrc", fileType: "" });
    expect(byName["/runs/r1/logs.tar.gz"]).toMatchObject({ fileName: "logs.tar.gz", fileType: "gz" });

    const second = await register([file("derive", "/runs/r1/Makefile", 21, "/runs/r2"), file("derive", "/runs/r1/new.log", 5)]);
    expect(second).toEqual({ created: 1, updated: 1 });
    const after = Object.fromEntries((await filesOf("derive")).map((f) => [f.fullName, f]));
    expect(after["/runs/r1/Makefile"]).toMatchObject({ id: byName["/runs/r1/Makefile"].id, fileSize: 21, runDir: "/runs/r2" });
    expect(Object.keys(after)).toHaveLength(5);
  });

  it("normalizes paths, so the same file written two ways is one row; Windows drive paths are accepted", async () => {
    const res = await register([
      file("norm", "/data//run/./x/../a.log"),
      file("norm", "c:/Runs\\b.XML"),
    ]);
    expect(res).toEqual({ created: 2, updated: 0 });
    expect(await register([file("norm", "/data/run/a.log", 2)])).toEqual({ created: 0, updated: 1 });
    const rows = await filesOf("norm");
    expect(rows.map((f) => [f.fullName, f.filePath, f.fileName, f.fileType]).sort()).toEqual([
      ["/data/run/a.log", "/data/run", "a.log", "log"],
      ["C:\\Runs\\b.XML", "C:\\Runs", "b.XML", "xml"],
    ]);
  });

  it("keeps sizes beyond 2^31 exactly (SafeInt, bigint column)", async () => {
    const size = 2 ** 53 - 1;
    await register([file("huge", "/big/disk.img", size)]);
    expect((await filesOf("huge"))[0].fileSize).toBe(size);
  });

  it("keeps the same fullName on two hosts as two rows", async () => {
    expect(await register([file("host-a", "/shared/same.xml"), file("host-b", "/shared/same.xml")])).toEqual({ created: 2, updated: 0 });
  });

  it("counts a file repeated in one call once, and the last occurrence wins", async () => {
    const res = await register([file("dups", "/d/a.xml", 1, "/d/first"), file("dups", "/d/b.xml"), file("dups", "/d/a.xml", 2, "/d/last")]);
    expect(res).toEqual({ created: 2, updated: 0 });
    const a = (await filesOf("dups")).find((f) => f.fullName === "/d/a.xml")!;
    expect(a).toMatchObject({ fileSize: 2, runDir: "/d/last" });
  });

  it("accepts 10,000 files in one call and refuses 10,001 with BAD_USER_INPUT, writing nothing", async () => {
    const many = (host: string, n: number) => Array.from({ length: n }, (_, i) => file(host, `/bulk/f${i}.xml`, i));
    expect(await register(many("bulk-ok", 10_000))).toEqual({ created: 10_000, updated: 0 });
    const tooMany = await t.request(RegisterFilesDocument, { files: many("bulk-no", 10_001) });
    expect(errorCodes(tooMany)).toEqual(["BAD_USER_INPUT"]);
    expect(tooMany.body.errors![0].message).toMatch(/10000/);
    expect(await count(`SELECT count(*) AS n FROM tracked_file WHERE host = 'bulk-no'`)).toBe(0);
  });

  it.each([
    ["a relative path", { fullName: "runs/a.xml" }, "files[1].fullName"],
    ["a directory", { fullName: "/runs/dir/" }, "files[1].fullName"],
    ["the root", { fullName: "/" }, "files[1].fullName"],
    ["an empty host", { host: "  " }, "files[1].host"],
    ["a 256-character host", { host: "h".repeat(256) }, "files[1].host"],
    ["an empty runDir", { runDir: "" }, "files[1].runDir"],
    ["a negative size", { fileSize: -1 }, "files[1].fileSize"],
  ])("refuses %s naming its index and writes nothing of the call", async (_label, bad, field) => {
    const res = await t.request(RegisterFilesDocument, {
      files: [file("bad-input", "/ok/first.xml"), { ...file("bad-input", "/ok/second.xml"), ...bad }],
    });
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
    expect(res.body.errors![0].extensions!.field).toBe(field);
    expect(res.body.errors![0].message).toContain(field);
    expect(await count(`SELECT count(*) AS n FROM tracked_file WHERE host = 'bad-input'`)).toBe(0);
  });

  it("refuses a fractional size at the GraphQL layer", async () => {
    const res = await t.request(RegisterFilesDocument, { files: [file("frac", "/f/a.xml", 1.5)] });
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
    expect(await count(`SELECT count(*) AS n FROM tracked_file WHERE host = 'frac'`)).toBe(0);
  });

  it("lets concurrent registrations of the same 300 files all succeed without duplicate rows", async () => {
    const files = Array.from({ length: 300 }, (_, i) => file("race", `/race/${i}.xml`, i));
    // Reversed order in half the calls: the service sorts rows, so lock order cannot deadlock.
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, k) => t.request(RegisterFilesDocument, { files: k % 2 ? [...files].reverse() : files })),
    );
    for (const r of results) expect(r.body.errors).toBeUndefined();
    const counts = results.map((r) => r.body.data!.registerFiles);
    expect(counts.reduce((n, c) => n + c.created, 0)).toBe(300);
    for (const c of counts) expect(c.created + c.updated).toBe(300);
    expect(await count(`SELECT count(*) AS n FROM tracked_file WHERE host = 'race'`)).toBe(300);
  });

  it("links files to a queue item when the domain passes queueItemId, and refuses an unknown one with NOT_FOUND", async () => {
    const em = t.app.database.dataSource.manager;
    const {
      items: [item],
    } = await enqueueRuns(em, [{ runDir: "/runs/linked", owner: "files-test" }]);
    await registerFilesDirectly(em, [file("linked", "/runs/linked/a.xml"), file("linked", "/runs/linked/b.xml")], { queueItemId: item.id });
    // Re-registering without an item keeps the link.
    await registerFilesDirectly(em, [file("linked", "/runs/linked/a.xml", 9)]);
    await register([file("linked", "/runs/other/c.xml")]);
    const res = await t.request(FilesWithQueueItemDocument, { filter: { host: "linked" } }, { role: "READER" });
    expect(res.body.errors).toBeUndefined();
    const links = Object.fromEntries(res.body.data!.files.nodes.map((f) => [f.fullName, f.queueItem]));
    expect(links).toEqual({
      "/runs/linked/a.xml": { id: String(item.id), runDir: "/runs/linked" },
      "/runs/linked/b.xml": { id: String(item.id), runDir: "/runs/linked" },
      "/runs/other/c.xml": null,
    });
    await expect(registerFilesDirectly(em, [file("linked", "/runs/x.xml")], { queueItemId: 987654 })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await count(`SELECT count(*) AS n FROM tracked_file WHERE full_name = '/runs/x.xml'`)).toBe(0);
  });

  it("refuses READER keys with FORBIDDEN and requests without a key with UNAUTHENTICATED", async () => {
    const asReader = await t.request(RegisterFilesDocument, { files: [file("roles", "/r/a.xml")] }, { role: "READER" });
    expect(errorCodes(asReader)).toEqual(["FORBIDDEN"]);
    const anonymous = await t.request(RegisterFilesDocument, { files: [file("roles", "/r/a.xml")] }, { token: null });
    expect(errorCodes(anonymous)).toEqual(["UNAUTHENTICATED"]);
    const anonymousRead = await t.request(FilesDocument, {}, { token: null });
    expect(errorCodes(anonymousRead)).toEqual(["UNAUTHENTICATED"]);
    expect(await count(`SELECT count(*) AS n FROM tracked_file WHERE host = 'roles'`)).toBe(0);
  });
});

describe("files", () => {
  beforeAll(async () => {
    await register([
      file("filter-a", "/runs/fa/one.xml", 1, "/runs/fa"),
      file("filter-a", "/runs/fa/two.log", 1, "/runs/fa"),
      file("filter-a", "/runs/fb/three.XML", 1, "/runs/fb"),
      file("filter-b", "/runs/fa/one.xml", 1, "/runs/fa"),
    ]);
    await register([file("filter-old", "/old/a.xml"), file("filter-old", "/old/b.xml")]);
    await t.app.database.dataSource.query(`UPDATE tracked_file SET created_at = now() - interval '2 days' WHERE host = 'filter-old'`);
  });

  const names = async (filter: FileFilter) => {
    const res = await t.request(FilesDocument, { first: 500, filter }, { role: "READER" });
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.files.nodes.map((f) => `${f.host}:${f.fullName}`).sort();
  };

  it("filters by host, runDir and fileType (case-insensitive, dot optional), combined with AND", async () => {
    expect(await names({ host: "filter-a" })).toEqual(["filter-a:/runs/fa/one.xml", "filter-a:/runs/fa/two.log", "filter-a:/runs/fb/three.XML"]);
    expect(await names({ runDir: "/runs/fa" })).toEqual(["filter-a:/runs/fa/one.xml", "filter-a:/runs/fa/two.log", "filter-b:/runs/fa/one.xml"]);
    expect(await names({ host: "filter-a", fileType: "XML" })).toEqual(["filter-a:/runs/fa/one.xml", "filter-a:/runs/fb/three.XML"]);
    expect(await names({ host: "filter-a", runDir: "/runs/fa", fileType: ".log" })).toEqual(["filter-a:/runs/fa/two.log"]);
    expect(await names({ host: "no-such-host" })).toEqual([]);
  });

  it("filters by createdAfter", async () => {
    const dayAgo = new Date(Date.now() - 24 * 3600_000).toISOString();
    expect(await names({ host: "filter-old", createdAfter: dayAgo })).toEqual([]);
    const threeDaysAgo = new Date(Date.now() - 72 * 3600_000).toISOString();
    expect(await names({ host: "filter-old", createdAfter: threeDaysAgo })).toEqual(["filter-old:/old/a.xml", "filter-old:/old/b.xml"]);
    expect(await names({ host: "filter-a", createdAfter: dayAgo })).toHaveLength(3);
  });

  it("reports totalCount for the filter, and edges carry the same nodes as nodes", async () => {
    const res = await t.request(FilesDocument, { first: 2, filter: { host: "filter-a" } }, { role: "READER" });
    const files = res.body.data!.files;
    expect(files.totalCount).toBe(3);
    expect(files.edges.map((e) => e.node.id)).toEqual(files.nodes.map((n) => n.id));
    expect(files.pageInfo).toEqual({ hasNextPage: true, endCursor: files.edges[1].cursor });
  });

  it("visits 45 files exactly once, newest first, seven per page", async () => {
    await register(Array.from({ length: 45 }, (_, i) => file("paged", `/paged/${i}.xml`)));
    const seen: number[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res: GraphQLResponse<FilesPageQuery> = await t.request(FilesPageDocument, { first: 7, after, filter: { host: "paged" } });
      expect(res.body.errors).toBeUndefined();
      seen.push(...res.body.data!.files.nodes.map((n) => Number(n.id)));
      pages += 1;
      if (!res.body.data!.files.pageInfo.hasNextPage) break;
      after = res.body.data!.files.pageInfo.endCursor;
    }
    expect(pages).toBe(7);
    expect(new Set(seen).size).toBe(45);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
  });

  it("sees a file registered between two pages on no page after the first (keyset, not offset)", async () => {
    await register(Array.from({ length: 4 }, (_, i) => file("shifting", `/s/${i}.xml`)));
    const page1 = await t.request(FilesPageDocument, { first: 2, filter: { host: "shifting" } });
    await register([file("shifting", "/s/new.xml")]);
    const page2 = await t.request(FilesPageDocument, { first: 2, after: page1.body.data!.files.pageInfo.endCursor, filter: { host: "shifting" } });
    const all = [...page1.body.data!.files.nodes, ...page2.body.data!.files.nodes].map((n) => n.fullName);
    expect(all).toEqual(["/s/3.xml", "/s/2.xml", "/s/1.xml", "/s/0.xml"]);
  });

  it.each([0, -1, 501])("refuses first: %i with BAD_USER_INPUT", async (first) => {
    const res = await t.request(FilesDocument, { first }, { role: "READER" });
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
  });

  it("refuses a cursor that was not issued by this list, including one from queue", async () => {
    expect(errorCodes(await t.request(FilesDocument, { after: "garbage" }))).toEqual(["BAD_USER_INPUT"]);
    await enqueueRuns(t.app.database.dataSource.manager, [{ runDir: "/cursor/a", owner: "o" }, { runDir: "/cursor/b", owner: "o" }]);
    const queue = await t.request(QueueDocument, { first: 1 });
    const foreign = queue.body.data!.queue.pageInfo.endCursor;
    expect(foreign).not.toBeNull();
    expect(errorCodes(await t.request(FilesDocument, { after: foreign }))).toEqual(["BAD_USER_INPUT"]);
  });
});
