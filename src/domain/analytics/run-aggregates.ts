import type { EntityManager } from "typeorm";
import { InvalidInputError } from "../shared/errors";
import { QUEUE_STATUSES, type QueueStatus } from "../queue/queue-item.entity";
import { asZoneError, checkTimeZone, filterDate, filterText, MAX_GROUPS_PLUS_ONE, num, orderTerm, runAggregate, uniqueGroupBy } from "./analytics.shared";

/** Columns a run group can be keyed by, with their SQL. All are text. */
const RUN_KEYS = {
  STATUS: { column: "q.status", name: "status" },
  OWNER: { column: "q.owner", name: "owner" },
  SITE: { column: "q.site", name: "site" },
  HOST: { column: "q.host", name: "host" },
  RUN_TAG: { column: "q.run_tag", name: "runTag" },
} as const;
export type RunGroupBy = keyof typeof RUN_KEYS;

/** date_trunc units; a week starts on Monday (ISO). */
const BUCKETS = { HOUR: "hour", DAY: "day", WEEK: "week", MONTH: "month" } as const;
export type TimeBucket = keyof typeof BUCKETS;

export interface RunAggregateFilter {
  /** createdAt at or after this time. */
  from?: Date | null;
  /** createdAt before this time. */
  to?: Date | null;
  /** Any of these statuses; an empty list selects nothing. */
  status?: readonly QueueStatus[] | null;
  /** Exact matches. */
  owner?: string | null;
  site?: string | null;
  host?: string | null;
  runTag?: string | null;
}

export interface RunAggregatesProps {
  /** Keys of a group, in the order the groups are sorted by (after the bucket). Empty: one group. */
  groupBy?: readonly RunGroupBy[] | null;
  /** Time buckets of createdAt, cut in `timeZone`. */
  bucket?: TimeBucket | null;
  /** IANA name; default UTC. */
  timeZone?: string | null;
  filter?: RunAggregateFilter | null;
  /**
   * The figures to compute (names of RunAggregate fields); the others come back as
   * 0 or null. Absent: all. The 95th percentile is an ordered-set aggregate, which
   * forces a sort of every selected row by group; without it PostgreSQL groups in a
   * hash table, and each summary key not asked for is one jsonb extraction less per row.
   */
  fields?: readonly string[] | null;
}

export interface RunAggregate {
  bucket: Date | null;
  status: QueueStatus | null;
  owner: string | null;
  site: string | null;
  host: string | null;
  runTag: string | null;
  runs: number;
  summarized: number;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  /** (tests - failures - errors - skipped) / (tests - skipped); null when that divisor is 0. */
  passRate: number | null;
  testSeconds: number;
  avgRunSeconds: number | null;
  p95RunSeconds: number | null;
}

interface RunAggregateRow {
  bucket?: Date | null;
  status?: QueueStatus | null;
  owner?: string | null;
  site?: string | null;
  host?: string | null;
  runTag?: string | null;
  runs: number;
  summarized: number | null;
  tests: string | null;
  failures: string | null;
  errors: string | null;
  skipped: string | null;
  test_seconds: number | null;
  avg_run_seconds: number | null;
  p95_run_seconds: number | null;
}

/** The pass rate of summed counts, as the contract defines it. */
export function passRate(tests: number, failures: number, errors: number, skipped: number): number | null {
  const divisor = tests - skipped;
  return divisor === 0 ? null : (tests - failures - errors - skipped) / divisor;
}

// Summaries are JSON written by the worker (src/domain/queue/junit.ts): numbers under these keys.
// Read from stored generated columns (migration AnalyticsRollups): analytics_tests is
// (summary->>'tests')::numeric and so on, so no jsonb travels through the grouping, and
// with the covering index on created_at a time window is an index-only scan.
const summed = (key: string) => `coalesce(sum(q.analytics_${key}), 0)::text`;
const RUN_SECONDS = "extract(epoch FROM q.finished_at - q.started_at)";

/**
 * Runs grouped by time bucket and by the given keys, in one SQL statement over
 * queue_item (the base table, so a row changed by hand shows at once).
 *
 * Buckets are cut in `timeZone` with date_trunc(unit, created_at, zone): a day
 * starts at local midnight, so a Berlin day is 23 or 25 hours long on DST dates,
 * and an hour bucket keeps both 02:00 hours of the autumn change apart.
 * Groups are ordered by bucket, then by the keys in the order given, nulls last;
 * no matching runs means no groups.
 */
export async function runAggregates(em: EntityManager, props: RunAggregatesProps): Promise<RunAggregate[]> {
  const keys = uniqueGroupBy(props.groupBy, RUN_KEYS);
  const unit = props.bucket == null ? null : BUCKETS[props.bucket];
  if (props.bucket != null && unit === undefined) throw new InvalidInputError(`bucket must be one of ${Object.keys(BUCKETS).join(", ")}`, "bucket");
  const timeZone = checkTimeZone(props.timeZone);
  const filter = props.filter ?? {};
  const from = filterDate(filter.from, "filter.from");
  const to = filterDate(filter.to, "filter.to");
  if (from && to && from.getTime() > to.getTime()) {
    throw new InvalidInputError(`filter.from (${from.toISOString()}) is after filter.to (${to.toISOString()})`, "filter.from");
  }
  if (filter.status != null && filter.status.some((s) => !QUEUE_STATUSES.includes(s))) {
    throw new InvalidInputError(`filter.status must list only ${QUEUE_STATUSES.join(", ")}`, "filter.status");
  }

  const values: unknown[] = [];
  const param = (value: unknown, cast: string) => {
    values.push(value);
    return `$${values.length}::${cast}`;
  };
  const where: string[] = [];
  if (from) where.push(`q.created_at >= ${param(from, "timestamptz")}`);
  if (to) where.push(`q.created_at < ${param(to, "timestamptz")}`);
  if (filter.status != null) where.push(`q.status = ANY(${param([...filter.status], "text[]")})`);
  const exact: [string, string | null | undefined, string][] = [
    ["q.owner", filter.owner, "filter.owner"],
    ["q.site", filter.site, "filter.site"],
    ["q.host", filter.host, "filter.host"],
    ["q.run_tag", filter.runTag, "filter.runTag"],
  ];
  for (const [column, value, field] of exact) {
    const checked = filterText(value, field);
    if (checked !== null) where.push(`${column} = ${param(checked, "text")}`);
  }

  const groupColumns: string[] = [];
  const orderBy: string[] = [];
  if (unit) {
    groupColumns.push(`date_trunc('${unit}', q.created_at, ${param(timeZone, "text")}) AS bucket`);
    orderBy.push(orderTerm("bucket", false));
  }
  for (const key of keys) {
    const { column, name } = RUN_KEYS[key];
    groupColumns.push(`${column} AS "${name}"`);
    orderBy.push(orderTerm(column, true));
  }
  const wanted = props.fields == null ? null : new Set(props.fields);
  const asked = (...names: string[]) => wanted === null || names.some((n) => wanted.has(n));
  const figure = (expression: string, alias: string, ...names: string[]) => `${asked(...names) ? expression : "NULL"} AS ${alias}`;
  const counts = ["tests", "failures", "errors", "skipped"].map((key) => figure(summed(key), key, key, "passRate"));
  const sql = `
    SELECT ${groupColumns.map((c) => `${c}, `).join("")}
           count(*)::int AS runs,
           ${figure("(count(*) FILTER (WHERE q.analytics_summarized))::int", "summarized", "summarized")},
           ${counts.join(",\n           ")},
           ${figure("coalesce(sum(q.analytics_test_seconds), 0)", "test_seconds", "testSeconds")},
           ${figure(`avg(${RUN_SECONDS})::float8`, "avg_run_seconds", "avgRunSeconds")},
           ${figure(`percentile_cont(0.95) WITHIN GROUP (ORDER BY ${RUN_SECONDS})`, "p95_run_seconds", "p95RunSeconds")}
      FROM queue_item q
      ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
      ${groupColumns.length > 0 ? `GROUP BY ${groupColumns.map((_, i) => i + 1).join(", ")}` : ""}
     HAVING count(*) > 0
      ${orderBy.length > 0 ? `ORDER BY ${orderBy.join(", ")}` : ""}
     LIMIT ${MAX_GROUPS_PLUS_ONE}`;

  let rows: RunAggregateRow[];
  try {
    rows = await runAggregate<RunAggregateRow>(em, sql, values);
  } catch (error) {
    throw asZoneError(error, timeZone);
  }
  return rows.map((row) => {
    const tests = Number(row.tests);
    const failures = Number(row.failures);
    const errors = Number(row.errors);
    const skipped = Number(row.skipped);
    return {
      bucket: row.bucket ?? null,
      status: row.status ?? null,
      owner: row.owner ?? null,
      site: row.site ?? null,
      host: row.host ?? null,
      runTag: row.runTag ?? null,
      runs: row.runs,
      summarized: row.summarized ?? 0,
      tests,
      failures,
      errors,
      skipped,
      passRate: row.tests === null ? null : passRate(tests, failures, errors, skipped),
      testSeconds: Number(row.test_seconds),
      avgRunSeconds: num(row.avg_run_seconds),
      p95RunSeconds: num(row.p95_run_seconds),
    };
  });
}
