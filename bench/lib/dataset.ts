/**
 * The bench's data: deterministic (a seeded PRNG, so every run and every machine
 * measures the same rows) and loaded with COPY, or with INSERT ... SELECT
 * generate_series for the million-row growth tables.
 */
import type { Client } from "pg";
import { copyFrom } from "./copy";

/** mulberry32: small, fast and good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ["Acme", "Blue", "Cedar", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris", "Juniper", "Kestrel", "Lumen", "Maple",
  "Nimbus", "Onyx", "Pioneer", "Quartz", "Raven", "Summit", "Tidal", "Umber", "Vertex", "Willow", "Xenon", "Yarrow", "Zephyr"];
const SUFFIXES = ["Industries", "Labs", "Systems", "Holdings", "Works", "Partners", "Group", "Dynamics", "Analytics", "Logistics"];
const FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Niklaus", "Radia", "Tim"];
const LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton", "Wirth", "Perlman", "Lee"];
const BUSINESS_TYPES = ["Manufacturing", "Software", "Retail", "Energy", "Finance", "Healthcare", "Logistics", "Media", "Telecom", "Mining"];
export const FILE_TYPES = ["xml", "xml", "xml", "xml", "log", "log", "log", "txt", "json", "html"];
const OWNERS = Array.from({ length: 20 }, (_, i) => `user${String(i + 1).padStart(2, "0")}`);
const SITES = ["ams", "bos", "fra", "sjc"];
const HOSTS = Array.from({ length: 40 }, (_, i) => `build${String(i + 1).padStart(2, "0")}.example.net`);
const RUN_TAGS = ["Development", "Nightly", "Release"];

/** Base of every generated timestamp; whole milliseconds, as a JS Date keeps them. */
const BASE_TIME = Date.UTC(2025, 0, 1);

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)];
const money = (r: () => number) => (r() < 0.05 ? null : Math.round(r() * 100_000_000) / 100);
const iso = (ms: number) => new Date(ms).toISOString();

export interface CompanyRow {
  id: number;
  name: string;
  ceo: string | null;
  businessType: string | null;
  finances: { year: number; q1: number | null; q2: number | null; q3: number | null; q4: number | null }[];
}

/** `count` companies with `years` finance years each, ids from `firstId`; names carry `prefix` to stay unique. */
export function generateCompanies(seed: number, count: number, years: number, firstId = 1, prefix = ""): CompanyRow[] {
  const r = prng(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: firstId + i,
    name: `${prefix}${pick(r, WORDS)} ${pick(r, WORDS)} ${pick(r, SUFFIXES)} ${String(firstId + i).padStart(6, "0")}`,
    ceo: r() < 0.1 ? null : `${pick(r, FIRST)} ${pick(r, LAST)}`,
    businessType: r() < 0.1 ? null : pick(r, BUSINESS_TYPES),
    finances: Array.from({ length: years }, (_, y) => ({ year: 2024 - y, q1: money(r), q2: money(r), q3: money(r), q4: money(r) })),
  }));
}

export async function copyCompanies(client: Client, companies: readonly CompanyRow[], createdBase = BASE_TIME): Promise<void> {
  await copyFrom(
    client,
    "company",
    ["id", "name", "ceo", "business_type", "created_at", "updated_at"],
    companies.map((c) => [c.id, c.name, c.ceo, c.businessType, iso(createdBase + c.id * 60_000 + 123), iso(createdBase + c.id * 60_000 + 456)]),
  );
  await copyFrom(
    client,
    "finance",
    ["company_id", "year", "q1_earnings", "q2_earnings", "q3_earnings", "q4_earnings"],
    companies.flatMap((c) => c.finances.map((f) => [c.id, f.year, f.q1, f.q2, f.q3, f.q4])),
  );
}

export interface FileRow {
  host: string;
  runDir: string;
  fullName: string;
  fileSize: number;
  queueItemId: number | null;
}

export interface QueueRow {
  id: number;
  runDir: string;
  owner: string;
  site: string;
  host: string;
  runTag: string;
  status: string;
  summarized: boolean;
}

/** Splits a full name as dashql does: directory, name, lower-case extension. */
export function splitPath(fullName: string): { filePath: string; fileName: string; fileType: string } {
  const slash = fullName.lastIndexOf("/");
  const fileName = fullName.slice(slash + 1);
  const dot = fileName.lastIndexOf(".");
  return { filePath: fullName.slice(0, Math.max(slash, 0)) || "/", fileName, fileType: dot > 0 ? fileName.slice(dot + 1).toLowerCase() : "" };
}

/** `count` files spread over run directories of `perRun` files, `host` fixed or rotating. */
export function generateFiles(seed: number, count: number, perRun: number, options: { host?: string; root?: string } = {}): FileRow[] {
  const r = prng(seed);
  const root = options.root ?? "/data/results";
  const files: FileRow[] = [];
  for (let i = 0; files.length < count; i++) {
    const host = options.host ?? HOSTS[i % HOSTS.length];
    const runDir = `${root}/${pick(r, SITES)}/run-${String(i).padStart(6, "0")}`;
    for (let j = 0; j < perRun && files.length < count; j++) {
      const type = pick(r, FILE_TYPES);
      files.push({ host, runDir, fullName: `${runDir}/${j < 2 ? "" : "logs/"}result-${j}.${type}`, fileSize: Math.floor(r() * 2_000_000), queueItemId: null });
    }
  }
  return files;
}

export function fileCopyRows(files: readonly FileRow[], createdBase: number) {
  return files.map((f, i) => {
    const { filePath, fileName, fileType } = splitPath(f.fullName);
    const at = iso(createdBase + i * 1000);
    return [at, at, f.host, f.runDir, filePath, fileName, f.fullName, fileType, f.fileSize, f.queueItemId];
  });
}

export const FILE_COLUMNS = ["created_at", "updated_at", "host", "run_dir", "file_path", "file_name", "full_name", "file_type", "file_size", "queue_item_id"];

export interface DatasetCounts {
  companies: number;
  finances: number;
  queueItems: number;
  summarizedQueueItems: number;
  files: number;
  filesOfQueueItems: number;
}

/**
 * The data set: 1,000 companies x 8 finance years, 50,000 tracked files
 * and 5,000 queue items, every other one processed (summary + 8 files).
 */
export async function loadDataset(client: Client): Promise<DatasetCounts> {
  const companies = generateCompanies(42, 1000, 8);
  await copyCompanies(client, companies);

  const r = prng(7);
  const queue: QueueRow[] = Array.from({ length: 5000 }, (_, i) => {
    const summarized = i % 2 === 1;
    return {
      id: i + 1,
      runDir: `/data/results/${pick(r, SITES)}/nightly-${String(i + 1).padStart(6, "0")}`,
      owner: pick(r, OWNERS),
      site: pick(r, SITES),
      host: pick(r, HOSTS),
      runTag: pick(r, RUN_TAGS),
      status: summarized ? (r() < 0.9 ? "SUCCEEDED" : "FAILED") : r() < 0.8 ? "QUEUED" : "CANCELLED",
      summarized,
    };
  });
  await copyFrom(
    client,
    "queue_item",
    ["id", "created_at", "time_to_live", "run_dir", "owner", "site", "host", "run_tag", "user_tag", "status", "attempts",
      "started_at", "finished_at", "last_error", "summary"],
    queue.map((q) => {
      const created = BASE_TIME + q.id * 30_000;
      const tests = 20 + Math.floor(r() * 500);
      const failures = q.status === "FAILED" ? 1 + Math.floor(r() * 5) : 0;
      return [
        q.id, iso(created), iso(created + 86_400_000), q.runDir, q.owner, q.site, q.host, q.runTag, "", q.status,
        q.summarized ? 1 : 0,
        q.summarized ? iso(created + 1000) : null,
        q.summarized ? iso(created + 5000) : null,
        q.status === "FAILED" ? "2 of 8 files could not be parsed" : null,
        q.summarized
          ? JSON.stringify({ tests, failures, errors: Math.floor(r() * 2), skipped: Math.floor(r() * 10), durationSeconds: Math.round(r() * 360_000) / 100 })
          : null,
      ];
    }),
  );

  // 8 files for every processed queue item (20,000), the rest loose (30,000).
  const files: FileRow[] = [];
  for (const q of queue.filter((x) => x.summarized)) {
    for (let j = 0; j < 8; j++) {
      const type = j < 4 ? "xml" : pick(r, FILE_TYPES);
      files.push({ host: q.host, runDir: q.runDir, fullName: `${q.runDir}/junit-${j}.${type}`, fileSize: Math.floor(r() * 500_000), queueItemId: q.id });
    }
  }
  const loose = generateFiles(11, 50_000 - files.length, 6);
  // Interleave so the newest files (Q4's first page) mix both kinds.
  const all: FileRow[] = [];
  for (let i = 0, j = 0; i < files.length || j < loose.length; ) {
    if (j < loose.length) all.push(loose[j++]);
    if (j < loose.length && j % 3 === 0) all.push(loose[j++]);
    if (i < files.length) all.push(files[i++]);
  }
  await copyFrom(client, "tracked_file", FILE_COLUMNS, fileCopyRows(all, BASE_TIME));

  await client.query(`SELECT setval(pg_get_serial_sequence('company', 'id'), (SELECT max(id) FROM company))`);
  await client.query(`SELECT setval(pg_get_serial_sequence('finance', 'id'), (SELECT max(id) FROM finance))`);
  await client.query(`SELECT setval(pg_get_serial_sequence('queue_item', 'id'), (SELECT max(id) FROM queue_item))`);
  await client.query(`ANALYZE`);
  return {
    companies: companies.length,
    finances: companies.length * 8,
    queueItems: queue.length,
    summarizedQueueItems: queue.filter((q) => q.summarized).length,
    files: all.length,
    filesOfQueueItems: files.length,
  };
}

/**
 * Grows company (with `years` finance years each) and tracked_file to `total`
 * rows with set-based SQL. Values are md5 of the row number: deterministic.
 */
export async function growTables(client: Client, total: number, years: number): Promise<{ companyMs: number; fileMs: number }> {
  const have = async (table: string) => Number((await client.query(`SELECT coalesce(max(id), 0) AS n FROM ${table}`)).rows[0].n);
  let t = performance.now();
  const companiesFrom = (await have("company")) + 1;
  if (companiesFrom <= total) {
    // The trigram GIN index costs ~35 entries per random md5 name inserted row by row (42 s for
    // 100,000 rows here); building it afresh afterwards is several times faster. Same schema when measured.
    const trgm = (await client.query<{ def: string }>(`SELECT indexdef AS def FROM pg_indexes WHERE indexname = 'company_name_trgm_idx'`)).rows[0];
    if (trgm) await client.query(`DROP INDEX company_name_trgm_idx`);
    await client.query(
      `INSERT INTO company (id, name, ceo, business_type, created_at, updated_at)
       SELECT i, 'Growth ' || md5(i::text), 'CEO ' || (i % 997), 'Type ' || (i % 13),
              timestamptz '2025-01-01' + i * interval '1 second', timestamptz '2025-01-01' + i * interval '1 second'
         FROM generate_series($1::int, $2::int) i`,
      [companiesFrom, total],
    );
    if (trgm) await client.query(trgm.def);
    if (years > 0) {
      // Every company_id is a row inserted just above: skip the per-row foreign-key trigger.
      await client.query(`SET session_replication_role = replica`);
      await client.query(
        `INSERT INTO finance (company_id, year, q1_earnings, q2_earnings, q3_earnings, q4_earnings)
         SELECT i, 2024 - y, (i * 7 + y) % 100000 + 0.25, (i * 11 + y) % 100000 + 0.5, (i * 13 + y) % 100000, (i * 17 + y) % 100000 + 0.75
           FROM generate_series($1::int, $2::int) i, generate_series(0, $3::int - 1) y`,
        [companiesFrom, total, years],
      );
      await client.query(`SET session_replication_role = DEFAULT`);
    }
  }
  const companyMs = performance.now() - t;
  t = performance.now();
  const filesFrom = (await have("tracked_file")) + 1;
  if (filesFrom <= total) {
    await client.query(
      `INSERT INTO tracked_file (id, created_at, updated_at, host, run_dir, file_path, file_name, full_name, file_type, file_size)
       SELECT i, ts, ts, 'growth' || (i % 40), '/growth/run-' || (i / 8), '/growth/run-' || (i / 8), 'f-' || i || '.' || ext,
              '/growth/run-' || (i / 8) || '/f-' || i || '.' || ext, ext, (i::bigint * 7919) % 1000000
         FROM (SELECT i, timestamptz '2025-01-01' + i * interval '1 second' AS ts,
                      (ARRAY['xml', 'xml', 'log', 'txt', 'json', 'xml'])[1 + i % 6] AS ext
                 FROM generate_series($1::int, $2::int) i) g`,
      [filesFrom, total],
    );
  }
  const fileMs = performance.now() - t;
  for (const table of ["company", "finance", "tracked_file"]) {
    await client.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`);
  }
  await client.query(`ANALYZE company, finance, tracked_file`);
  return { companyMs, fileMs };
}
