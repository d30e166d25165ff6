import type { Command } from "commander";
import { fileAggregates, type FileGroupBy } from "../../domain/analytics/file-aggregates";
import { financeAggregates, type FinanceGroupBy } from "../../domain/analytics/finance-aggregates";
import { parseLocalTime } from "../../domain/analytics/local-time";
import { overview } from "../../domain/analytics/overview";
import { runAggregates, type RunGroupBy, type TimeBucket } from "../../domain/analytics/run-aggregates";
import { QUEUE_STATUSES, type QueueStatus } from "../../domain/queue/queue-item.entity";
import { CliError, createRuntime, EXIT, withDatabase, type GlobalOptions } from "../runtime";

/**
 * `dashql stats`: the overview counts, and `stats runs|files|finances` grouped
 * like the API's runAggregates, fileAggregates and financeAggregates (the same
 * domain functions, so a cron job and a chart agree). No SQL here.
 */

type Cell = string | number | null;
interface Column {
  title: string;
  /** Numbers are right-aligned. */
  numeric: boolean;
}

/** An aligned plain-text table: text left, numbers right, null as "-". */
export function formatTable(columns: Column[], rows: Cell[][]): string {
  const text = rows.map((row) =>
    row.map((cell) => (cell === null ? "-" : typeof cell === "number" ? cell.toLocaleString("en-US", { maximumFractionDigits: 2 }) : cell)),
  );
  const widths = columns.map((c, i) => Math.max(c.title.length, ...text.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (columns[i].numeric ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...text.map(line)].join("\n");
}

/** `--group status,host --group site` → ["STATUS", "HOST", "SITE"], each name checked. */
function groupParser<K extends string>(names: Record<string, K>) {
  return (value: string, previous: K[] = []): K[] => {
    const keys = value.split(",").map((name) => name.trim().toLowerCase()).filter((name) => name !== "");
    return [
      ...previous,
      ...keys.map((name) => {
        const key = names[name];
        if (!key) throw new CliError(`--group: unknown key "${name}"; one of ${Object.keys(names).join(", ")}`, EXIT.usage);
        return key;
      }),
    ];
  };
}

const RUN_GROUPS: Record<string, RunGroupBy> = { status: "STATUS", owner: "OWNER", site: "SITE", host: "HOST", "run-tag": "RUN_TAG", tag: "RUN_TAG" };
const FILE_GROUPS: Record<string, FileGroupBy> = { host: "HOST", type: "FILE_TYPE", "file-type": "FILE_TYPE", "run-dir": "RUN_DIR" };
const FINANCE_GROUPS: Record<string, FinanceGroupBy> = { year: "YEAR", "business-type": "BUSINESS_TYPE", type: "BUSINESS_TYPE", company: "COMPANY" };
const BUCKETS: Record<string, TimeBucket> = { hour: "HOUR", day: "DAY", week: "WEEK", month: "MONTH" };

function parseBucket(value: string): TimeBucket {
  const bucket = BUCKETS[value.toLowerCase()];
  if (!bucket) throw new CliError(`--by: one of ${Object.keys(BUCKETS).join(", ")} (got "${value}")`, EXIT.usage);
  return bucket;
}

function parseStatuses(value: string): QueueStatus[] {
  return value.split(",").map((s) => {
    const status = s.trim().toUpperCase() as QueueStatus;
    if (!QUEUE_STATUSES.includes(status)) throw new CliError(`--status: one of ${QUEUE_STATUSES.join(", ")} (got "${s}")`, EXIT.usage);
    return status;
  });
}

function parseYear(value: string): number {
  if (!/^\d{4}$/.test(value)) throw new CliError(`a year is four digits (got "${value}")`, EXIT.usage);
  return Number(value);
}

/** A bucket's start on the wall clock of the zone asked for: "2026-11-01" (day and longer) or "2026-11-01 14:00". */
function formatBucket(at: Date, bucket: TimeBucket, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  return bucket === "HOUR" ? `${date} ${parts.hour}:${parts.minute}` : bucket === "MONTH" ? date.slice(0, 7) : date;
}

const percent = (rate: number | null) => (rate === null ? null : `${(rate * 100).toFixed(1)}%`);

function print(json: boolean | undefined, data: unknown, table: () => string): void {
  console.log(json ? JSON.stringify(data) : table());
}

interface RunsOptions {
  by?: TimeBucket;
  group?: RunGroupBy[];
  from?: string;
  to?: string;
  tz: string;
  status?: QueueStatus[];
  owner?: string;
  site?: string;
  host?: string;
  runTag?: string;
  json?: boolean;
}

interface FilesOptions {
  group?: FileGroupBy[];
  host?: string;
  runDir?: string;
  type?: string;
  json?: boolean;
}

interface FinancesOptions {
  group?: FinanceGroupBy[];
  fromYear?: number;
  toYear?: number;
  businessType?: string;
  json?: boolean;
}

export function registerStats(program: Command): void {
  const stats = program
    .command("stats")
    .description("count companies, finance rows, tracked files and queue items by status; `stats runs|files|finances` group them")
    .option("--json", "print JSON instead of a table")
    .action(async (options: { json?: boolean }, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>());
      const counts = await withDatabase(runtime, (db) => overview(db.dataSource.manager), { poolSize: 4 });
      const queueTotal = Object.values(counts.queue).reduce((a, b) => a + b, 0);
      print(options.json, counts, () => {
        const rows: [string, number][] = [
          ["companies", counts.companies],
          ["finances", counts.finances],
          ["files", counts.files],
          ["queue items", queueTotal],
          ...QUEUE_STATUSES.map((s): [string, number] => [`  ${s}`, counts.queue[s]]),
        ];
        const width = Math.max(...rows.map(([, v]) => v.toLocaleString("en-US").length));
        return rows.map(([label, value]) => `${label.padEnd(12)} ${value.toLocaleString("en-US").padStart(width)}`).join("\n");
      });
    });

  stats
    .command("runs")
    .description("queue items grouped by time bucket and keys: runs, test counts, pass rate, run times")
    .option("--by <bucket>", "time buckets of createdAt: hour, day, week (from Monday) or month", parseBucket)
    .option("--group <keys>", "group by status, owner, site, host, run-tag (comma-separated or repeated; order = sort order)", groupParser(RUN_GROUPS))
    .option("--from <time>", "createdAt at or after: 2026-11-01 (midnight in --tz), 2026-11-01 06:00, or ISO with offset")
    .option("--to <time>", "createdAt before (same forms as --from)")
    .option("--tz <zone>", "IANA time zone of the buckets and of local --from/--to", "UTC")
    .option("--status <list>", "only these statuses (comma-separated)", parseStatuses)
    .option("--owner <owner>", "only this owner")
    .option("--site <site>", "only this site")
    .option("--host <host>", "only this host")
    .option("--run-tag <tag>", "only this run tag")
    .option("--json", "print a JSON array instead of a table")
    .action(async (options: RunsOptions, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions & { json?: boolean }>();
      const runtime = createRuntime(global);
      const groupBy = options.group ?? [];
      const filter = {
        from: options.from === undefined ? null : parseLocalTime(options.from, options.tz, "--from"),
        to: options.to === undefined ? null : parseLocalTime(options.to, options.tz, "--to"),
        status: options.status ?? null,
        owner: options.owner ?? null,
        site: options.site ?? null,
        host: options.host ?? null,
        runTag: options.runTag ?? null,
      };
      const groups = await withDatabase(runtime, (db) =>
        runAggregates(db.dataSource.manager, { groupBy, bucket: options.by ?? null, timeZone: options.tz, filter }),
      );
      print(global.json, groups, () => {
        const keyColumns = groupBy.map((k) => ({ title: k.toLowerCase().replace("_", "-"), numeric: false }));
        const keyField = { STATUS: "status", OWNER: "owner", SITE: "site", HOST: "host", RUN_TAG: "runTag" } as const;
        return formatTable(
          [
            ...(options.by ? [{ title: options.by.toLowerCase(), numeric: false }] : []),
            ...keyColumns,
            ...["runs", "summarized", "tests", "failures", "errors", "skipped", "pass rate", "avg s", "p95 s"].map((title) => ({ title, numeric: true })),
          ],
          groups.map((g) => [
            ...(options.by ? [formatBucket(g.bucket!, options.by, options.tz)] : []),
            ...groupBy.map((k) => g[keyField[k]]),
            g.runs,
            g.summarized,
            g.tests,
            g.failures,
            g.errors,
            g.skipped,
            percent(g.passRate),
            g.avgRunSeconds,
            g.p95RunSeconds,
          ]),
        );
      });
    });

  stats
    .command("files")
    .description("tracked files grouped by host, type and/or run directory: count, bytes, newest")
    .option("--group <keys>", "group by host, type, run-dir (comma-separated or repeated; order = sort order)", groupParser(FILE_GROUPS))
    .option("--host <host>", "only this host")
    .option("--run-dir <dir>", "only this run directory")
    .option("--type <ext>", 'only this file type ("xml" or ".xml")')
    .option("--json", "print a JSON array instead of a table")
    .action(async (options: FilesOptions, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions & { json?: boolean }>();
      const runtime = createRuntime(global);
      const groupBy = options.group ?? [];
      const groups = await withDatabase(runtime, (db) =>
        fileAggregates(db.dataSource.manager, { groupBy, filter: { host: options.host, runDir: options.runDir, fileType: options.type } }),
      );
      print(global.json, groups, () => {
        const keyField = { HOST: "host", FILE_TYPE: "fileType", RUN_DIR: "runDir" } as const;
        return formatTable(
          [
            ...groupBy.map((k) => ({ title: k.toLowerCase().replace("_", "-"), numeric: false })),
            { title: "files", numeric: true },
            { title: "bytes", numeric: true },
            { title: "newest", numeric: false },
          ],
          groups.map((g) => [...groupBy.map((k) => (k === "FILE_TYPE" && g.fileType === "" ? "(none)" : g[keyField[k]])), g.files, g.bytes, g.newest.toISOString()]),
        );
      });
    });

  stats
    .command("finances")
    .description("finance rows grouped by year, business type and/or company: sums, averages, minimum and maximum of the yearly totals")
    .option("--group <keys>", "group by year, business-type, company (comma-separated or repeated; order = sort order)", groupParser(FINANCE_GROUPS))
    .option("--from-year <year>", "years from this one on", parseYear)
    .option("--to-year <year>", "years up to this one", parseYear)
    .option("--business-type <type>", "only this business type")
    .option("--json", "print a JSON array instead of a table")
    .action(async (options: FinancesOptions, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions & { json?: boolean }>();
      const runtime = createRuntime(global);
      const groupBy = options.group ?? [];
      const groups = await withDatabase(runtime, (db) =>
        financeAggregates(db.dataSource.manager, {
          groupBy,
          filter: { fromYear: options.fromYear, toYear: options.toYear, businessType: options.businessType },
        }),
      );
      print(global.json, groups, () => {
        const keyField = { YEAR: "year", BUSINESS_TYPE: "businessType", COMPANY: "companyId" } as const;
        return formatTable(
          [
            ...groupBy.map((k) => ({ title: k === "COMPANY" ? "company id" : k.toLowerCase().replace("_", "-"), numeric: false })),
            ...["rows", "companies", "total sum", "total avg", "total min", "total max"].map((title) => ({ title, numeric: true })),
          ],
          // Years and ids are labels: printed without thousands separators.
          groups.map((g) => [...groupBy.map((k) => (g[keyField[k]] === null ? null : String(g[keyField[k]]))), g.count, g.companies, g.sum.total, g.avg.total, g.min.total, g.max.total]),
        );
      });
    });
}
